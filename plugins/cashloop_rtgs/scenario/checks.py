"""Cross-field rules the converter cannot express: references, signs, ranges, fractions."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Final

from cashloop_rtgs.policy.schema import check_policy
from cashloop_rtgs.scenario.model import (
    AgentConfig,
    ArrivalConfig,
    CustomTransactionArrival,
    Scenario,
    ScenarioEvent,
)

__all__ = ["check_scenario", "overflow_problems"]

U64_MAX: Final = (1 << 64) - 1
MAX_TICKS: Final = 1_000_000
#: documented range of every money amount of a scenario (cents): a billion dollars
MAX_CENTS: Final = 10**11
#: a run's costs must stay well inside 64-bit integer cents
_COST_CEILING: Final = 2**62


def check_scenario(scenario: Scenario) -> list[str]:
    """Return every rule the structured scenario breaks (empty when it is valid)."""
    errors: list[str] = []
    sim = scenario.simulation
    if sim.ticks_per_day < 1:
        errors.append(f"simulation.ticks_per_day: must be >= 1, got {sim.ticks_per_day}")
    if sim.num_days < 1:
        errors.append(f"simulation.num_days: must be >= 1, got {sim.num_days}")
    if sim.ticks_per_day * sim.num_days > MAX_TICKS:
        errors.append(
            f"simulation: {sim.ticks_per_day} ticks per day for {sim.num_days} days is "
            f"more than the {MAX_TICKS:,} ticks a run may have"
        )
    if not 0 <= sim.rng_seed <= U64_MAX:
        errors.append(f"simulation.rng_seed: must be in [0, 2^64), got {sim.rng_seed}")
    if not 0.0 <= scenario.eod_rush_threshold <= 1.0:
        errors.append(f"eod_rush_threshold: must be in [0, 1], got {scenario.eod_rush_threshold}")
    if not scenario.agents:
        errors.append("agents: at least one agent is required")
    ids = [a.id for a in scenario.agents]
    known = set(ids)
    for i, agent in enumerate(scenario.agents):
        errors += _check_agent(f"agents[{i}]", agent, known, len(scenario.agents))
        if ids.index(agent.id) != i:
            errors.append(f"agents[{i}].id: duplicate agent id '{agent.id}'")
    for name in (
        "delay_cost_per_tick_per_cent",
        "overdraft_bps_per_tick",
        "collateral_cost_per_tick_bps",
        "liquidity_cost_per_tick_bps",
        "eod_penalty_per_transaction",
        "deadline_penalty",
        "split_friction_cost",
        "overdue_delay_multiplier",
    ):
        errors += _non_negative(f"cost_rates.{name}", getattr(scenario.cost_rates, name))
    for i, event in enumerate(scenario.scenario_events):
        errors += _check_event(f"scenario_events[{i}]", event, known)
    lsm = scenario.lsm_config
    if lsm.enable_cycles:
        errors.append(
            "lsm_config.enable_cycles: multilateral cycle settlement is not "
            "implemented by the rtgs evaluator; set it to false"
        )
    return errors


def _money_fields(scenario: Scenario) -> list[tuple[str, float]]:
    fields: list[tuple[str, float]] = []
    for i, agent in enumerate(scenario.agents):
        for name in ("opening_balance", "unsecured_cap", "liquidity_pool"):
            value = getattr(agent, name)
            if value is not None:
                fields.append((f"agents[{i}].{name}", value))
    for i, event in enumerate(scenario.scenario_events):
        fields.append((f"scenario_events[{i}].amount", event.amount))
    rates = scenario.cost_rates
    for name in ("eod_penalty_per_transaction", "deadline_penalty", "split_friction_cost"):
        fields.append((f"cost_rates.{name}", getattr(rates, name)))
    return fields


def overflow_problems(scenario: Scenario) -> list[str]:
    """Money beyond the documented range, or rates that could push a run's costs past 64-bit
    integer cents (found before the run, not at its very end). Asked when an experiment builds
    its evaluator; the engines themselves handle any int64 value (falling back when needed)."""
    errors = [
        f"{path}: must be at most {MAX_CENTS:,} cents, got {value:,}"
        for path, value in _money_fields(scenario)
        if isinstance(value, int | float) and value > MAX_CENTS
    ]
    if errors:
        return errors
    rates = scenario.cost_rates
    per_cent_per_tick = max(
        rates.delay_cost_per_tick_per_cent * max(rates.overdue_delay_multiplier, 1.0),
        rates.overdraft_bps_per_tick / 10_000,
        rates.collateral_cost_per_tick_bps / 10_000,
        rates.liquidity_cost_per_tick_bps / 10_000,
    )
    ticks = scenario.simulation.ticks_per_day * scenario.simulation.num_days
    worst = per_cent_per_tick * MAX_CENTS * max(len(scenario.agents), 1) * ticks
    if math.isfinite(worst) and worst <= _COST_CEILING:
        return []
    return [
        "cost_rates: these rates over "
        f"{ticks:,} ticks could make costs overflow 64-bit integer cents; lower the rates"
    ]


def _non_negative(path: str, value: float) -> list[str]:
    if not math.isfinite(value) or value < 0:
        return [f"{path}: must be a non-negative number, got {value}"]
    return []


def _check_agent(path: str, agent: AgentConfig, known: set[str], n_agents: int) -> list[str]:
    errors: list[str] = []
    if not agent.id.strip():
        errors.append(f"{path}.id: must be a non-empty string")
    for name in ("opening_balance", "unsecured_cap", "liquidity_pool"):
        value = getattr(agent, name)
        if value is not None and value < 0:
            errors.append(f"{path}.{name}: must be >= 0 cents, got {value}")
    fraction = agent.liquidity_allocation_fraction
    if fraction is not None and not 0.0 <= fraction <= 1.0:
        errors.append(f"{path}.liquidity_allocation_fraction: must be in [0, 1], got {fraction}")
    if agent.policy is not None:
        if isinstance(agent.policy, Mapping):
            errors += [f"{path}.policy.{e}" for e in check_policy(agent.policy)]
        elif not isinstance(agent.policy, str):
            errors.append(f"{path}.policy: must be a JSON policy object or a path to a .json file")
    if agent.arrival_config is not None:
        errors += _check_arrivals(
            f"{path}.arrival_config", agent, agent.arrival_config, known, n_agents
        )
    return errors


def _check_arrivals(
    path: str, agent: AgentConfig, arrivals: ArrivalConfig, known: set[str], n_agents: int
) -> list[str]:
    errors = _non_negative(f"{path}.rate_per_tick", arrivals.rate_per_tick)
    if n_agents < 2:
        errors.append(f"{path}: arrivals need at least one other agent to pay")
    dist = arrivals.amount_distribution
    dpath = f"{path}.amount_distribution"
    if dist.type == "Uniform":
        if dist.min < 0:
            errors.append(f"{dpath}.min: must be >= 0 cents, got {dist.min}")
        if dist.max < dist.min:
            errors.append(f"{dpath}: reversed range, max {dist.max} < min {dist.min}")
    elif dist.type == "Exponential":
        if not math.isfinite(dist.lambda_) or dist.lambda_ <= 0:
            errors.append(f"{dpath}.lambda: must be > 0, got {dist.lambda_}")
    else:
        if dist.type == "LogNormal" and not (math.isfinite(dist.mean) and dist.mean > 0):
            errors.append(f"{dpath}.mean: must be > 0 cents, got {dist.mean}")
        if dist.type == "Normal" and not math.isfinite(dist.mean):
            errors.append(f"{dpath}.mean: must be a finite number, got {dist.mean}")
        errors += _non_negative(f"{dpath}.std_dev", dist.std_dev)
    lo, hi = arrivals.deadline_range
    if lo < 1:
        errors.append(f"{path}.deadline_range: the minimum must be >= 1 tick, got {lo}")
    if hi < lo:
        errors.append(f"{path}.deadline_range: reversed range [{lo}, {hi}]")
    if not 0 <= arrivals.priority <= 10:
        errors.append(f"{path}.priority: must be in 0..10, got {arrivals.priority}")
    weights = arrivals.counterparty_weights
    for name, weight in weights.items():
        if name not in known:
            errors.append(
                f"{path}.counterparty_weights: unknown agent '{name}'; agents: "
                f"{', '.join(sorted(known))}"
            )
        elif name == agent.id:
            errors.append(f"{path}.counterparty_weights: an agent cannot pay itself ('{name}')")
        errors += _non_negative(f"{path}.counterparty_weights.{name}", weight)
    if weights and sum(weights.values()) <= 0:
        errors.append(f"{path}.counterparty_weights: the weights must sum to more than 0")
    return errors


def _check_event(path: str, event: ScenarioEvent, known: set[str]) -> list[str]:
    errors: list[str] = []
    for side in ("from_agent", "to_agent"):
        name = getattr(event, side)
        if name not in known:
            errors.append(
                f"{path}.{side}: unknown agent '{name}'; agents: {', '.join(sorted(known))}"
            )
    if event.from_agent == event.to_agent:
        errors.append(f"{path}: from_agent and to_agent are the same agent")
    if event.amount <= 0:
        errors.append(f"{path}.amount: must be > 0 cents, got {event.amount}")
    schedule = event.schedule
    if schedule.type == "OneTime" and schedule.tick < 0:
        errors.append(f"{path}.schedule.tick: must be >= 0, got {schedule.tick}")
    if schedule.type == "Repeating":
        if schedule.start_tick < 0:
            errors.append(f"{path}.schedule.start_tick: must be >= 0, got {schedule.start_tick}")
        if schedule.interval < 1:
            errors.append(f"{path}.schedule.interval: must be >= 1, got {schedule.interval}")
    if isinstance(event, CustomTransactionArrival):
        if event.deadline is not None and event.deadline < 1:
            errors.append(f"{path}.deadline: must be >= 1 tick, got {event.deadline}")
        if event.priority is not None and not 0 <= event.priority <= 10:
            errors.append(f"{path}.priority: must be in 0..10, got {event.priority}")
    return errors
