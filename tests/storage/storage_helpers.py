"""Shared test data for the storage tests: a scripted run, fed to storage the way the loop does.

Also imported by the subprocess scripts in this folder (which run with this folder on sys.path).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import attrs
import pluggy

from cashloop.runner.state_provider import LiveStateProvider
from cashloop.types import RunInfo

AGENTS = ("BANK_A", "BANK_B")

#: Makes one recording-hook call: ``call(name, kwargs)``.
HookCaller = Callable[[str, dict[str, Any]], object]


@attrs.frozen(kw_only=True)
class HookCall:
    """One recording-hook call in emission order: ``name`` and its keyword arguments."""

    name: str
    kwargs: dict[str, Any]


def run_info(run_id: str = "run-2026-0001", name: str = "castro-exp2") -> RunInfo:
    return RunInfo(run_id=run_id, experiment_name=name, master_seed=42)


def config_snapshot(name: str = "castro-exp2") -> dict[str, Any]:
    """A config as the core would snapshot it: nested, ordered, with no secrets."""
    return {
        "name": name,
        "master_seed": 42,
        "evaluator": {"type": "rtgs", "scenario": "scenarios/castro_exp2.yaml"},
        "optimized_agents": list(AGENTS),
        "evaluation": {"mode": "paired", "num_samples": 3, "acceptance": {"rule": "paired-t"}},
        "llm": {"type": "openai", "model": "gpt-4.1", "api_key_env": "OPENAI_API_KEY"},
        "storage": {"type": "sqlite", "path": "results/cashloop.db"},
        "zeta_before_alpha": {"z": 1, "a": 2},
    }


def _policy(fraction: float) -> dict[str, Any]:
    return {
        "parameters": {"initial_liquidity_fraction": fraction},
        "payment_tree": {"action": "Release"},
    }


def one_iteration(iteration: int, run_id: str) -> Iterator[HookCall]:
    """The events of event-numbered ``iteration`` (1-based) ending with its iteration record."""
    costs = {agent: 100_000 - 1_000 * iteration + index for index, agent in enumerate(AGENTS)}
    policies = {agent: _policy(round(0.5 - 0.05 * iteration, 4)) for agent in AGENTS}
    accepted = {agent: iteration % 2 == 1 for agent in AGENTS}

    def event(event_type: str, **data: Any) -> HookCall:
        return HookCall(
            name="record_event",
            kwargs={"iteration": iteration, "event_type": event_type, "event_data": data},
        )

    yield event(
        "iteration_start",
        iteration=iteration,
        total_cost=sum(costs.values()),
        costs_per_agent=dict(costs),
    )
    yield event(
        "bootstrap_evaluation",
        seed_results=[
            {
                "seed": 1_000 * iteration + s,
                "cost": 50_000 + s,
                "settled": 9,
                "total": 10,
                "settlement_rate": 0.9,
            }
            for s in range(3)
        ],
        mean_cost=50_001,
        std_cost=816,
    )
    for agent in AGENTS:
        yield event(
            "llm_call",
            agent_id=agent,
            attempt=1,
            model="gpt-4.1",
            prompt_tokens=1_200,
            completion_tokens=300,
            latency_seconds=1.25,
            system_prompt="Du bist ein Liquiditätsmanager — “optimize” cash.",
            user_prompt=f"Iteration {iteration}\nCurrent cost: {costs[agent]}",
            raw_response='{"parameters": {"initial_liquidity_fraction": 0.4}}',
            error=None,
        )
    yield event(
        "policy_rejected",
        agent_id=AGENTS[1],
        rejection_reason="constraint_violation",
        validation_errors=["initial_liquidity_fraction must be <= 1.0"],
    )
    yield event(
        "policy_change",
        agent_id=AGENTS[0],
        old_policy=_policy(0.5),
        new_policy=policies[AGENTS[0]],
        old_cost=costs[AGENTS[0]] + 500,
        new_cost=costs[AGENTS[0]],
        delta=-500,
        accepted=accepted[AGENTS[0]],
        reason="paired-t p=0.012",
        sample_deltas=[-400, -600, -500],
        confidence_interval={"low": -700.5, "high": -300.25},
    )
    yield event(
        "iteration_complete",
        iteration=iteration,
        costs_per_agent=dict(costs),
        accepted_changes=dict(accepted),
        policies=policies,
        total_cost=sum(costs.values()),
    )
    yield HookCall(
        name="record_iteration",
        kwargs={
            "iteration": iteration - 1,
            "costs_per_agent": costs,
            "accepted_changes": accepted,
            "policies": policies,
        },
    )


def scripted_run(num_iterations: int = 3, run_id: str = "run-2026-0001") -> list[HookCall]:
    """A whole run's recording-hook calls, in the order the core makes them."""
    start = HookCall(
        name="record_event",
        kwargs={
            "iteration": 0,
            "event_type": "experiment_start",
            "event_data": {
                "experiment_name": "castro-exp2",
                "run_id": run_id,
                "max_iterations": num_iterations,
                "num_samples": 3,
                "evaluation_mode": "paired",
                "model": "gpt-4.1",
                "agents": list(AGENTS),
                "master_seed": 42,
            },
        },
    )
    calls = [start]
    for iteration in range(1, num_iterations + 1):
        calls.extend(one_iteration(iteration, run_id))
    final = {
        "final_cost": 194_001,
        "best_cost": 194_001,
        "converged": False,
        "convergence_reason": "max_iterations",
    }
    calls.append(
        HookCall(
            name="record_event",
            kwargs={
                "iteration": num_iterations,
                "event_type": "convergence",
                "event_data": {"reason": "max_iterations", "diagnostics": {"window": []}},
            },
        )
    )
    calls.append(
        HookCall(
            name="record_event",
            kwargs={
                "iteration": num_iterations,
                "event_type": "experiment_end",
                "event_data": {**final, "num_iterations": num_iterations},
            },
        )
    )
    calls.append(HookCall(name="set_final_result", kwargs=final))
    return calls


def iteration_calls(calls: list[HookCall], upto_records: int) -> list[HookCall]:
    """The prefix of ``calls`` up to and including the ``upto_records``-th iteration record."""
    seen = 0
    for index, call in enumerate(calls):
        if call.name == "record_iteration":
            seen += 1
            if seen == upto_records:
                return calls[: index + 1]
    raise ValueError(f"only {seen} iteration records")


def replay_into(calls: list[HookCall], call_hook: HookCaller) -> None:
    """Make each call through ``call_hook(name, kwargs)`` (a pluggy hook caller, a backend...)."""
    for call in calls:
        call_hook(call.name, call.kwargs)


def direct_caller(target: object, run: RunInfo) -> HookCaller:
    """Call ``target``'s recording methods directly (no pluggy), adding ``run``."""

    def call(name: str, kwargs: dict[str, Any]) -> object:
        return getattr(target, name)(**kwargs, run=run)

    return call


def live_provider(calls: list[HookCall], run: RunInfo, config: dict[str, Any]) -> LiveStateProvider:
    """The in-memory twin fed with the same calls: what a stored run must read back as."""
    live = LiveStateProvider(experiment_name=run.experiment_name, config=config, run_id=run.run_id)
    for call in calls:
        getattr(live, call.name)(**call.kwargs)
    return live


def hook_caller(pm: pluggy.PluginManager, run: RunInfo) -> HookCaller:
    """Call a recording hook by name with ``run`` added, as the core's dispatcher does."""

    def call(name: str, kwargs: dict[str, Any]) -> object:
        return getattr(pm.hook, name)(**kwargs, run=run)

    return call
