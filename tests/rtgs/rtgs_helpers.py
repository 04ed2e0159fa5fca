"""Shared helpers for the rtgs evaluator tests (a uniquely named module: every test folder
has its own conftest)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cashloop_rtgs.evaluator import RtgsEvaluator
from cashloop_rtgs.options import RtgsOptions

SCENARIOS = Path(__file__).resolve().parents[2] / "examples" / "scenarios"

RELEASE = {"type": "action", "node_id": "release", "action": "Release"}
HOLD = {"type": "action", "node_id": "hold", "action": "Hold"}


def policy(fraction: float, tree: dict[str, Any] | None = None, **params: float) -> dict[str, Any]:
    """A policy committing ``fraction`` of the pool, releasing everything by default."""
    return {
        "version": "2.0",
        "policy_id": "test",
        "parameters": {"initial_liquidity_fraction": fraction, **params},
        "payment_tree": tree if tree is not None else RELEASE,
    }


def evaluator(name: str, **options: Any) -> RtgsEvaluator:
    return RtgsEvaluator(RtgsOptions(scenario=SCENARIOS / f"{name}.yaml", **options))


def inline_evaluator(data: dict[str, Any], **options: Any) -> RtgsEvaluator:
    """An evaluator over a scenario given as a dict (no file)."""
    from cashloop_rtgs.scenario import scenario_from_dict

    opts = RtgsOptions(scenario=Path("inline.yaml"), **options)
    return RtgsEvaluator(opts, scenario=scenario_from_dict(data))


def two_banks(**extra: Any) -> dict[str, Any]:
    """A small two-bank scenario skeleton: no pools, no arrivals, explicit cost rates."""
    data: dict[str, Any] = {
        "simulation": {"ticks_per_day": 4, "num_days": 1, "rng_seed": 1},
        "cost_rates": {
            "delay_cost_per_tick_per_cent": 0.01,
            "overdraft_bps_per_tick": 0,
            "collateral_cost_per_tick_bps": 0,
            "liquidity_cost_per_tick_bps": 0,
            "eod_penalty_per_transaction": 1000,
            "deadline_penalty": 777,
            "split_friction_cost": 1000,
        },
        "agents": [{"id": "BANK_A"}, {"id": "BANK_B"}],
    }
    data.update(extra)
    return data


def payment(src: str, dst: str, amount: int, tick: int, deadline: int) -> dict[str, Any]:
    return {
        "type": "CustomTransactionArrival",
        "from_agent": src,
        "to_agent": dst,
        "amount": amount,
        "deadline": deadline,
        "schedule": {"type": "OneTime", "tick": tick},
    }
