"""Run evaluator batches on an executor; results come back in seed order on any executor.

On a process pool every task carries the evaluator pickled once per run; each worker unpickles it
once and keeps it (with whatever it caches per seed) for the rest of the run. A task evaluates every
profile of a comparison on its slice of seeds, so incumbent and candidate share that work.
"""

from __future__ import annotations

import pickle
import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

from cashloop.protocols import PolicyEvaluator
from cashloop.types import SampleResult

__all__ = ["EvaluationService", "evaluate_batch", "evaluate_in_worker"]

Profile = Mapping[str, dict[str, Any]]

_WORKER_EVALUATORS: dict[str, PolicyEvaluator] = {}


def evaluate_batch(
    evaluator: PolicyEvaluator, policies: Profile, seeds: Sequence[int]
) -> list[SampleResult]:
    """One evaluator call on a slice of seeds, checked against the protocol."""
    results = list(evaluator.evaluate(policies, seeds))
    if len(results) != len(seeds):
        raise RuntimeError(
            f"evaluator returned {len(results)} results for {len(seeds)} seeds; "
            "PolicyEvaluator.evaluate must return one result per seed, in order"
        )
    return results


def evaluate_in_worker(
    token: str, payload: bytes, profiles: Sequence[Profile], seeds: Sequence[int]
) -> list[list[SampleResult]]:
    """Top-level (picklable) task: every profile on one slice of seeds, in a worker process."""
    evaluator = _WORKER_EVALUATORS.get(token)
    if evaluator is None:
        if len(_WORKER_EVALUATORS) >= 4:
            _WORKER_EVALUATORS.clear()
        evaluator = _WORKER_EVALUATORS[token] = pickle.loads(payload)
    return [evaluate_batch(evaluator, p, seeds) for p in profiles]


def _chunks(seeds: Sequence[int], parts: int) -> list[list[int]]:
    size = -(-len(seeds) // parts)
    return [list(seeds[i : i + size]) for i in range(0, len(seeds), size)]


class EvaluationService:
    """Evaluates policy profiles, splitting seeds across the executor's workers."""

    def __init__(self, evaluator: PolicyEvaluator, executor: Executor | None) -> None:
        self.evaluator = evaluator
        self.executor = executor
        workers = getattr(executor, "_max_workers", None) if executor is not None else None
        self.parallelism = max(1, int(workers or 1))
        self._token = uuid.uuid4().hex
        self._payload: bytes | None = None

    def evaluate_many(
        self, profiles: Sequence[Profile], seeds: Sequence[int]
    ) -> list[list[SampleResult]]:
        """Evaluate several profiles on the same seeds (inline when there is one worker)."""
        if self.executor is None or self.parallelism == 1:
            return [evaluate_batch(self.evaluator, p, seeds) for p in profiles]
        if self._payload is None:
            self._payload = pickle.dumps(self.evaluator)
        plain = [dict(p) for p in profiles]
        futures = [
            self.executor.submit(evaluate_in_worker, self._token, self._payload, plain, chunk)
            for chunk in _chunks(seeds, min(self.parallelism, len(seeds)))
        ]
        per_chunk = [f.result() for f in futures]
        return [[r for chunk in per_chunk for r in chunk[i]] for i in range(len(profiles))]

    def evaluate(self, policies: Profile, seeds: Sequence[int]) -> list[SampleResult]:
        return self.evaluate_many([policies], seeds)[0]
