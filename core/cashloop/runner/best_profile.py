"""The run's best profile: chosen on one seed set, its cost reported on an independent one.

Each iteration's estimate comes from that iteration's own seeds, so the lowest of them is biased
low, and so is the cheapest of several profiles compared on the same seeds (the winner's curse).
The final profile and the ``best_candidates`` cheapest-looking earlier incumbents are therefore
compared on common *selection* seeds, the cheapest there is the best profile, and the final and
best profiles' costs are then measured on *hold-out* seeds no choice was made on, with a 95 %
interval of the mean total cost.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from cashloop.json_copy import copy_json
from cashloop.money import mean_cents
from cashloop.runner.evaluation import EvaluationService
from cashloop.runner.loop_state import BestProfile, LoopState
from cashloop.runner.seeds import sample_seeds
from cashloop.runner.statistics import student_t_quantile
from cashloop.types import SampleResult

__all__ = ["FinalReport", "choose_best", "mean_costs"]


@attrs.frozen(kw_only=True)
class FinalReport:
    final_costs: dict[str, int]
    best: BestProfile
    #: (first iteration, total cost on the selection seeds) of each profile compared
    compared: list[dict[str, int]]
    final_interval: list[int]
    best_interval: list[int]
    holdout_samples: int


def mean_costs(results: Sequence[SampleResult], agents: Sequence[str]) -> dict[str, int]:
    """Each agent's mean cost over ``results``, in whole cents."""
    return {a: mean_cents([r.costs.get(a, 0) for r in results]) for a in agents}


def _interval(results: Sequence[SampleResult], agents: Sequence[str]) -> list[int]:
    """95 % t-interval of the mean total cost, in whole cents (outward)."""
    totals = [sum(r.costs.get(a, 0) for a in agents) for r in results]
    n = len(totals)
    mean = math.fsum(totals) / n
    if n < 2:
        return [math.floor(mean), math.ceil(mean)]
    sd = math.sqrt(math.fsum((t - mean) ** 2 for t in totals) / (n - 1))
    half = student_t_quantile(0.975, n - 1) * sd / math.sqrt(n)
    return [math.floor(mean - half), math.ceil(mean + half)]


def choose_best(
    evals: EvaluationService,
    state: LoopState,
    agents: Sequence[str],
    *,
    master_seed: int,
    samples: int,
    candidates: int,
) -> FinalReport:
    """See the module docstring."""
    it = state.iteration
    final: Mapping[str, Any] = state.policies
    others = state.cheapest(candidates, besides=final)
    selection = sample_seeds(master_seed, "final", "*", samples)
    results = evals.evaluate_many([final, *(dict(p.policies) for p in others)], selection)
    chosen = mean_costs(results[0], agents)
    pool = [
        BestProfile(
            iteration=state.first_seen(final, it),
            total_cost=sum(chosen.values()),
            costs=chosen,
            policies=copy_json(dict(final)),
        )
    ]
    for earlier, sampled in zip(others, results[1:], strict=True):
        costs = mean_costs(sampled, agents)
        pool.append(attrs.evolve(earlier, total_cost=sum(costs.values()), costs=costs))
    best = min(pool, key=lambda p: (p.total_cost, p.iteration))
    compared = [{"iteration": p.iteration, "total_cost": p.total_cost} for p in pool]

    holdout = sample_seeds(master_seed, "holdout", "*", samples)
    same = best is pool[0]
    measured = evals.evaluate_many([final] if same else [final, dict(best.policies)], holdout)
    final_costs = mean_costs(measured[0], agents)
    best_results = measured[0] if same else measured[1]
    best_costs = mean_costs(best_results, agents)
    return FinalReport(
        final_costs=final_costs,
        best=attrs.evolve(best, total_cost=sum(best_costs.values()), costs=best_costs),
        compared=compared,
        final_interval=_interval(measured[0], agents),
        best_interval=_interval(best_results, agents),
        holdout_samples=len(holdout),
    )
