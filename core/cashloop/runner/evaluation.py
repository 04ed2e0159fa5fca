"""Run evaluator batches on an executor; results come back in seed order on any executor."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

from cashloop.protocols import PolicyEvaluator
from cashloop.types import SampleResult

__all__ = ["EvaluationService", "evaluate_batch"]


def evaluate_batch(
    evaluator: PolicyEvaluator, policies: Mapping[str, dict[str, Any]], seeds: Sequence[int]
) -> list[SampleResult]:
    """Top-level (picklable) task: one evaluator call on a slice of seeds."""
    results = list(evaluator.evaluate(policies, seeds))
    if len(results) != len(seeds):
        raise RuntimeError(
            f"evaluator returned {len(results)} results for {len(seeds)} seeds; "
            "PolicyEvaluator.evaluate must return one result per seed, in order"
        )
    return results


def _chunks(seeds: Sequence[int], parts: int) -> list[list[int]]:
    size = -(-len(seeds) // parts)
    return [list(seeds[i : i + size]) for i in range(0, len(seeds), size)]


class EvaluationService:
    """Evaluates policy profiles, splitting seeds across the executor's workers."""

    def __init__(self, evaluator: PolicyEvaluator, executor: Executor | None) -> None:
        self.evaluator = evaluator
        self.executor = executor
        workers = getattr(executor, "_max_workers", None) if executor is not None else None
        self.parallelism = max(1, int(workers or 1)) if executor is not None else 1
        self.evaluations = 0

    def evaluate_many(
        self, profiles: Sequence[Mapping[str, dict[str, Any]]], seeds: Sequence[int]
    ) -> list[list[SampleResult]]:
        """Evaluate several profiles on the same seeds, all submitted before any is awaited."""
        self.evaluations += len(profiles) * len(seeds)
        if self.executor is None or self.parallelism == 1:
            return [evaluate_batch(self.evaluator, p, seeds) for p in profiles]
        parts = max(1, min(len(seeds), -(-self.parallelism // len(profiles)) if profiles else 1))
        parts = max(parts, min(len(seeds), self.parallelism))
        futures = [
            [self.executor.submit(evaluate_batch, self.evaluator, dict(p), c)
             for c in _chunks(seeds, parts)]
            for p in profiles
        ]
        return [[r for f in fs for r in f.result()] for fs in futures]

    def evaluate(
        self, policies: Mapping[str, dict[str, Any]], seeds: Sequence[int]
    ) -> list[SampleResult]:
        return self.evaluate_many([policies], seeds)[0]


