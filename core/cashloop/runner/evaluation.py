"""Run evaluator batches on an executor; results come back in seed order on any executor.

A batch's seeds are split into one share per worker; a task evaluates every profile of a
comparison on its share, so incumbent and candidate share that work (the seed's arrivals, say).
An executor offering ``fan_out`` (:class:`FanOutExecutor`, the built-in ``process`` executor) lets
the calling thread compute the first share itself with the run's own evaluator while helpers
compute the others (batches run inline until the helpers have started and loaded the evaluator);
any other executor gets every share through ``submit``. With a fan-out executor, a batch the
run's own timings say is cheaper than the executor's ``min_parallel_seconds`` runs in the caller
(the round trips would cost more than they save); results are identical on every path.

A task carries the evaluator pickled once per run; each worker unpickles it once and keeps it
(with whatever it caches per seed) for the rest of the run. Results travel back compactly: the
metric and cost keys once per task, then plain value tuples, rebuilt into identical
``SampleResult`` objects by the caller.
"""

from __future__ import annotations

import pickle
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, Future
from typing import Any, Protocol, TypeVar, runtime_checkable

from cashloop.protocols import PolicyEvaluator
from cashloop.types import SampleResult

__all__ = [
    "EvaluationService",
    "FanOutExecutor",
    "decode_results",
    "encode_results",
    "evaluate_batch",
    "evaluate_in_worker",
]

Profile = Mapping[str, dict[str, Any]]
R = TypeVar("R")
L = TypeVar("L")

# (keys table, rows of (seed, cost-keys index, cost values, metric-keys index, metric values)),
# or the results as they are when an evaluator returns something other than plain SampleResults
Row = tuple[int, int, tuple[Any, ...], int, tuple[Any, ...]]
Encoded = tuple[tuple[tuple[str, ...], ...], list[list[Row]]] | list[list[SampleResult]]

_WORKER_EVALUATORS: dict[str, PolicyEvaluator] = {}


@runtime_checkable
class FanOutExecutor(Protocol):
    """An executor whose calling thread takes a share of each batch: ``max_workers`` shares run at
    once, the caller's included. ``fan_out`` runs ``fn(*args)`` for each of ``calls`` elsewhere
    while ``local()`` runs in the caller, and returns ``local()``'s result and theirs, in order."""

    max_workers: int

    def fan_out(
        self, fn: Callable[..., R], calls: Sequence[tuple[Any, ...]], local: Callable[[], L]
    ) -> tuple[L, list[R]]: ...


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


def encode_results(per_profile: Sequence[Sequence[SampleResult]]) -> Encoded:
    """The results in a form that pickles several times faster (see :func:`decode_results`)."""
    if not all(type(r) is SampleResult for results in per_profile for r in results):
        return [list(results) for results in per_profile]  # a subclass travels as it is
    keys: dict[tuple[str, ...], int] = {}
    rows = [
        [
            (
                r.seed,
                keys.setdefault(tuple(r.costs), len(keys)),
                tuple(r.costs.values()),
                keys.setdefault(tuple(r.metrics), len(keys)),
                tuple(r.metrics.values()),
            )
            for r in results
        ]
        for results in per_profile
    ]
    return tuple(keys), rows


def decode_results(encoded: Encoded) -> list[list[SampleResult]]:
    """The ``SampleResult`` objects :func:`encode_results` was given, equal value for value."""
    if isinstance(encoded, list):
        return encoded
    table, rows = encoded
    return [
        [
            SampleResult(
                seed=seed,
                costs=dict(zip(table[ck], costs, strict=True)),
                metrics=dict(zip(table[mk], metrics, strict=True)),
            )
            for seed, ck, costs, mk, metrics in results
        ]
        for results in rows
    ]


def evaluate_in_worker(
    token: str, payload: bytes, profiles: Sequence[Profile], seeds: Sequence[int]
) -> Encoded:
    """Top-level (picklable) task: every profile on one share of seeds, in a worker process."""
    evaluator = _WORKER_EVALUATORS.get(token)
    if evaluator is None:
        if len(_WORKER_EVALUATORS) >= 4:
            _WORKER_EVALUATORS.clear()
        evaluator = _WORKER_EVALUATORS[token] = pickle.loads(payload)
    return encode_results([evaluate_batch(evaluator, p, seeds) for p in profiles])


def _chunks(seeds: Sequence[int], parts: int) -> list[list[int]]:
    size = -(-len(seeds) // parts)
    return [list(seeds[i : i + size]) for i in range(0, len(seeds), size)]


def _parallelism(executor: Executor | None) -> int:
    if executor is None:
        return 1
    workers = getattr(executor, "max_workers", None) or getattr(executor, "_max_workers", None)
    return max(1, int(workers or 1))


class EvaluationService:
    """Evaluates policy profiles, splitting seeds across the executor's workers."""

    def __init__(self, evaluator: PolicyEvaluator, executor: Executor | None) -> None:
        self.evaluator = evaluator
        self.executor = executor
        self.parallelism = _parallelism(executor)
        self._fan_out = executor if isinstance(executor, FanOutExecutor) else None
        self._token = uuid.uuid4().hex
        self._payload: bytes | None = None
        self._warming: list[Future[Encoded]] | None = None
        self._ready = False
        self._min_parallel = float(getattr(executor, "min_parallel_seconds", 0.0) or 0.0)
        #: smoothed CPU seconds per (profile, seed) evaluation, measured in the caller
        self._unit_seconds: float | None = None

    def evaluate_many(
        self, profiles: Sequence[Profile], seeds: Sequence[int]
    ) -> list[list[SampleResult]]:
        """Evaluate several profiles on the same seeds (inline when there is one worker)."""
        shares = min(self.parallelism, len(seeds))
        if self.executor is None or shares <= 1:
            return self._inline(profiles, seeds)
        if self._payload is None:
            self._payload = pickle.dumps(self.evaluator, pickle.HIGHEST_PROTOCOL)
        chunks = _chunks(seeds, shares)
        plain = [dict(p) for p in profiles]
        if self._fan_out is not None:
            if self._too_small(len(profiles) * len(seeds)) or not self._helpers_ready(
                plain, len(chunks) - 1
            ):
                return self._inline(profiles, seeds)
            first = chunks[0]
            mine, theirs = self._fan_out.fan_out(
                evaluate_in_worker,
                [(self._token, self._payload, plain, c) for c in chunks[1:]],
                lambda: self._inline(profiles, first),
            )
            per_chunk = [mine, *(decode_results(e) for e in theirs)]
        else:
            futures = [
                self.executor.submit(evaluate_in_worker, self._token, self._payload, plain, c)
                for c in chunks
            ]
            per_chunk = [decode_results(f.result()) for f in futures]
        return [[r for chunk in per_chunk for r in chunk[i]] for i in range(len(profiles))]

    def evaluate(self, policies: Profile, seeds: Sequence[int]) -> list[SampleResult]:
        return self.evaluate_many([policies], seeds)[0]

    def _helpers_ready(self, plain: list[dict[str, Any]], helpers: int) -> bool:
        """Whether the helpers have the evaluator loaded. The first batch starts them with an
        empty call (unpickling and warming the evaluator); until those calls are back, batches
        run inline, so the helpers' start costs the run nothing."""
        if self._ready:
            return True
        if self._warming is None:
            executor, payload = self.executor, self._payload
            assert executor is not None and payload is not None
            self._warming = [
                executor.submit(evaluate_in_worker, self._token, payload, plain, [])
                for _ in range(helpers)
            ]
            return False
        for future in self._warming:
            try:
                future.exception(timeout=0)  # a failure shows again in the first real batch
            except TimeoutError:
                return False
        self._ready = True
        return True

    def _too_small(self, units: int) -> bool:
        """Whether a batch of ``units`` evaluations is expected to be cheaper inline. Until a
        batch has been timed the answer is yes, so a run whose batches stay small never starts
        a helper process at all."""
        if self._min_parallel <= 0.0:
            return False
        unit = self._unit_seconds
        return unit is None or unit * units < self._min_parallel

    def _inline(
        self, profiles: Sequence[Profile], seeds: Sequence[int]
    ) -> list[list[SampleResult]]:
        started = time.process_time()
        results = [evaluate_batch(self.evaluator, p, seeds) for p in profiles]
        units = len(profiles) * len(seeds)
        if units:
            unit = (time.process_time() - started) / units
            last = self._unit_seconds
            self._unit_seconds = unit if last is None else 0.5 * last + 0.5 * unit
        return results
