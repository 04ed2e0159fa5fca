"""Texts an LLM reads: the policy format (``policy_schema``) and the scenario (``describe``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cashloop_rtgs.policy.context import FIELD_DOCS
from cashloop_rtgs.policy.grammar import COMPARISON_OPS, COMPUTE_OPS, FRACTION_PARAMETER

if TYPE_CHECKING:
    from cashloop_rtgs.options import RtgsOptions
    from cashloop_rtgs.scenario.model import Scenario

__all__ = ["describe_scenario", "policy_schema_text"]

_SCHEMA_HEAD = f"""\
A policy is one JSON object:
{{
  "version": "2.0",
  "policy_id": "<name>",
  "description": "<optional text>",
  "parameters": {{"{FRACTION_PARAMETER}": 0.5, "<name>": <number>, ...}},
  "payment_tree": <node>
}}

parameters.{FRACTION_PARAMETER} (0 to 1) is the share of the bank's liquidity pool committed
at the start of each day; committed liquidity costs liquidity_cost_per_tick_bps every tick.
Other parameters are named numbers that conditions read with {{"param": "<name>"}}.

payment_tree is evaluated for every payment in the bank's own queue (Q1) every tick; all
payments of one tick see the same snapshot of the bank, taken before any decision. Omitted,
every payment is released.

A node is either
  {{"type": "condition", "node_id": "<unique id>", "condition": <condition>,
    "on_true": <node>, "on_false": <node>}}
or
  {{"type": "action", "node_id": "<unique id>", "action": "<action>", "parameters": {{...}}}}

Actions:
  Release  submit the payment now; it settles if the bank can afford it, else it waits in the
           central queue and settles as soon as liquidity allows
  Hold     keep it in the bank's queue (optional parameter "reason": {{"value": "<text>"}})
  Split    submit it as num_splits equal parts: "parameters": {{"num_splits": <value>}} (>= 2);
           costs split_friction_cost per extra part
  Drop     abandon it: it is never settled and counts as unsettled

A condition is
  {{"op": one of {", ".join(COMPARISON_OPS)}, "left": <value>, "right": <value>}}
  (== and != compare within 1e-9), or
  {{"op": "and" | "or", "conditions": [<condition>, ...]}}, or
  {{"op": "not", "condition": <condition>}}.

A value is {{"field": "<field>"}}, {{"param": "<name>"}}, {{"value": <number or boolean>}} or
{{"compute": <computation>}}; every value is a number (booleans are 1 and 0). Bare numbers are
not values: write {{"value": 5}}, not 5.

Computations: {{"op": "+" | "-" | "*" | "/", "left": <value>, "right": <value>}} (dividing by 0
is an error; use div0), {{"op": "max" | "min", "values": [<value>, ...]}},
{{"op": "ceil" | "floor" | "round" | "abs", "value": <value>}},
{{"op": "clamp", "value": <value>, "min": <value>, "max": <value>}},
{{"op": "div0", "numerator": <value>, "denominator": <value>, "default": <value>}}.
All ops: {", ".join(COMPUTE_OPS)}.

Fields (money in integer cents, times in ticks):
"""

_SCHEMA_TAIL = """
Example: hold a payment until its deadline is two ticks away or the day is ending.
{
  "version": "2.0",
  "policy_id": "wait_for_deadline",
  "parameters": {"initial_liquidity_fraction": 0.3, "urgency": 2},
  "payment_tree": {
    "type": "condition", "node_id": "urgent",
    "condition": {"op": "or", "conditions": [
      {"op": "<=", "left": {"field": "ticks_to_deadline"}, "right": {"param": "urgency"}},
      {"op": "==", "left": {"field": "is_eod_rush"}, "right": {"value": 1}}]},
    "on_true": {"type": "action", "node_id": "go", "action": "Release"},
    "on_false": {"type": "action", "node_id": "wait", "action": "Hold"}
  }
}
The optional trees bank_tree (action NoAction) and strategic_collateral_tree /
end_of_tick_collateral_tree (action HoldCollateral) are accepted but do nothing here: this
model has no budgets and no collateral.
"""


def policy_schema_text() -> str:
    """The policy format, its fields and actions, as plain text for a prompt."""
    width = max(len(name) for name in FIELD_DOCS)
    fields = "\n".join(f"  {name.ljust(width)}  {doc}" for name, doc in FIELD_DOCS.items())
    return _SCHEMA_HEAD + fields + "\n" + _SCHEMA_TAIL


def describe_scenario(scenario: Scenario, options: RtgsOptions) -> str:
    """The scenario in a few lines: clock, banks, payments, costs and the rules in force."""
    sim = scenario.simulation
    rates = scenario.cost_rates
    lines = [
        f"RTGS scenario {options.scenario.name}: {sim.num_days} day(s) of "
        f"{sim.ticks_per_day} ticks; sampling {options.sampling}, {options.semantics} semantics.",
    ]
    for agent in sorted(scenario.agents, key=lambda a: a.id):
        parts = [f"opening balance {agent.opening_balance}", f"credit {agent.unsecured_cap}"]
        if agent.liquidity_pool:
            parts.append(f"liquidity pool {agent.liquidity_pool}")
        arrivals = agent.arrival_config
        if arrivals is not None:
            dist = arrivals.amount_distribution
            shape = ", ".join(f"{k}={v}" for k, v in _dist_params(dist).items())
            lo, hi = arrivals.deadline_range
            parts.append(
                f"Poisson {arrivals.rate_per_tick}/tick {dist.type}({shape}) payments "
                f"due in {lo}-{hi} ticks"
            )
        lines.append(f"- {agent.id}: " + "; ".join(parts))
    for event in scenario.scenario_events:
        when = (
            f"tick {event.schedule.tick}"
            if event.schedule.type == "OneTime"
            else f"every {event.schedule.interval} ticks from {event.schedule.start_tick}"
        )
        deadline = getattr(event, "deadline", None)
        due = f", due in {deadline} ticks" if deadline else ""
        lines.append(
            f"- {event.type}: {event.from_agent} -> {event.to_agent} {event.amount} "
            f"cents at {when}{due}"
        )
    lines.append(
        f"Costs: liquidity {rates.liquidity_cost_per_tick_bps} bps/tick on committed pool "
        f"liquidity; delay {rates.delay_cost_per_tick_per_cent} per queued cent per tick "
        f"(x{rates.overdue_delay_multiplier} once overdue); deadline penalty "
        f"{rates.deadline_penalty}; end-of-day penalty {rates.eod_penalty_per_transaction} per "
        f"late unsettled payment; overdraft {rates.overdraft_bps_per_tick} bps/tick; split "
        f"friction {rates.split_friction_cost}. All money in integer cents."
    )
    rules = [
        "incoming payments usable from the next tick"
        if scenario.deferred_crediting
        else "incoming payments usable at once",
        "deadlines capped at the end of the day"
        if scenario.deadline_cap_at_eod
        else "deadlines may run past the end of the day",
    ]
    lines.append("Rules: " + "; ".join(rules) + ".")
    return "\n".join(lines)


def _dist_params(dist: object) -> dict[str, object]:
    names = {
        "Uniform": ("min", "max"),
        "Normal": ("mean", "std_dev"),
        "LogNormal": ("mean", "std_dev"),
        "Exponential": ("lambda_",),
    }[dist.type]  # type: ignore[attr-defined]
    return {n.rstrip("_"): getattr(dist, n) for n in names}
