"""The data of the loop's events, built from what the loop measured (pure functions)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from cashloop.money import mean_cents
from cashloop.runner.acceptance import Decision
from cashloop.runner.result import IterationRecord
from cashloop.runner.state_provider import ExperimentStateProviderProtocol
from cashloop.types import SampleResult

__all__ = ["bootstrap_payload", "iteration_history", "policy_change_payload"]


def bootstrap_payload(results: Sequence[SampleResult], agent_id: str | None) -> dict[str, Any]:
    """``bootstrap_evaluation``: every sample of one evaluation, with its mean and spread.

    The data is new and JSON-native (an event the dispatcher may hand out as it is)."""
    totals = [r.total_cost for r in results]
    return {
        "agent_id": agent_id,
        "seed_results": [
            {
                "seed": r.seed,
                "cost": r.total_cost,
                "settled": int(r.metrics.get("settled", 0)),
                "total": int(r.metrics.get("total", 0)),
                "settlement_rate": float(r.metrics.get("settlement_rate", 0.0)),
            }
            for r in results
        ],
        "mean_cost": mean_cents(totals),
        "std_cost": _rounded_pstdev(totals) if len(totals) > 1 else 0,
    }


def _rounded_pstdev(totals: list[int]) -> int:
    """``int(statistics.pstdev(totals) + 0.5)``, from integer sums when that is certainly equal.

    ``pstdev`` is exact (fractions) and slow. The float estimate below is within a few ulps of its
    correctly rounded result, so rounding it half up gives the same integer unless it lies next to
    a half; then (and for non-integer totals) ``pstdev`` decides.
    """
    n = len(totals)
    if all(type(t) is int for t in totals):
        spread = n * sum(t * t for t in totals) - sum(totals) ** 2  # n**2 * variance, exact
        estimate = math.sqrt(spread / (n * n))
        if abs(estimate - math.floor(estimate) - 0.5) > 1e-9 * max(1.0, estimate):
            return int(estimate + 0.5)
    return int(statistics.pstdev(totals) + 0.5)


#: paired deltas kept in a ``policy_change`` event (all of them follow from its seed range)
STORED_DELTAS = 100


def policy_change_payload(
    *,
    agent_id: str,
    old_policy: Mapping[str, Any],
    new_policy: Mapping[str, Any],
    old_costs: Sequence[int],
    new_costs: Sequence[int],
    decision: Decision,
    accepted: bool,
    reason: str,
    seed_label: Sequence[Any],
    charged: float,
) -> dict[str, Any]:
    """``policy_change``: the paired comparison of one candidate and its verdict, with the
    evidence: samples used, mean saving, the one-sided bound the test used, the p-value, the
    error level charged to the run's budget and the seeds (``seed_range``: samples ``start`` to
    ``stop`` of the seed label ``[iteration, agent]``, see ``cashloop.runner.seeds``)."""
    old_cost, new_cost = mean_cents(list(old_costs)), mean_cents(list(new_costs))
    deltas = [o - n for o, n in zip(old_costs, new_costs, strict=True)]
    return {
        "agent_id": agent_id,
        "old_policy": old_policy,
        "new_policy": new_policy,
        "old_cost": old_cost,
        "new_cost": new_cost,
        "delta": old_cost - new_cost,
        "accepted": accepted,
        "reason": reason,
        "rule": decision.rule,
        "samples": decision.samples,
        "looks": list(decision.looks),
        "sample_deltas": deltas[:STORED_DELTAS],
        "mean_delta": round(decision.mean_delta, 6),
        "std_delta": round(decision.std_delta, 6),
        "lower_bound": _rounded(decision.lower_bound),
        "p_value": None if decision.p_value is None else round(decision.p_value, 12),
        "level": round(decision.level, 12),
        "alpha": round(charged, 12),
        "seed_range": {"label": list(seed_label), "start": 0, "stop": len(deltas)},
    }


def _rounded(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(value, 6)


def iteration_history(provider: ExperimentStateProviderProtocol) -> tuple[IterationRecord, ...]:
    """Every recorded iteration (0-indexed) as the result's ``iteration_history``."""
    return tuple(
        IterationRecord(
            iteration=i,
            costs_per_agent=provider.get_iteration_costs(i),
            accepted_changes=provider.get_iteration_accepted_changes(i),
            policies=provider.get_iteration_policies(i),
        )
        for i in range(provider.get_total_iterations())
    )
