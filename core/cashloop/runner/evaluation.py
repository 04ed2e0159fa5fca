"""Run evaluator work on any ``concurrent.futures.Executor``; results come back in seed order.

The loop hands the service *jobs*: a job evaluates several profiles on the same seeds (a candidate
and the incumbent it is judged against, say), so they share per-seed work (the seed's arrivals).
One call may carry many jobs — every open test of an iteration at once — so that all workers stay
busy. Each job's seeds are cut into tasks, every task is submitted to the executor, and the results
are put back together per job, per profile, in seed order: identical on every executor.

One rule applies to every executor, learnt from the run's own timings
(:class:`~cashloop.runner.share_policy.SharePolicy`): a batch whose evaluation is estimated to
need less CPU than ``evaluation.min_batch_ms`` runs in the calling thread, since shipping it would
cost more than it saves, and so does every batch while shipped batches have proved slower than
inline ones. The run's first batch evaluates two seeds in the caller to learn the cost.

The evaluator reaches the workers once: an executor offering ``bind_evaluator(key, payload)``
(:class:`~cashloop.protocols.EvaluatorHost`: the built-in ``process`` pool loads it in each
worker's initializer, Dask through a worker plugin) is given the pickled evaluator before the
first task; any other executor gets the pickled evaluator with each task, unpickled once per worker
process and kept for the run. Results travel back compactly (keys once per task).
"""

from __future__ import annotations

import pickle
import time
import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, Future
from typing import Any

import attrs

from cashloop.protocols import EvaluatorHost, PolicyEvaluator
from cashloop.runner.share_policy import SharePolicy
from cashloop.types import SampleResult

__all__ = [
    "EvaluationService",
    "Job",
    "decode_results",
    "encode_results",
    "evaluate_batch",
    "evaluate_task",
    "load_evaluator",
]

Profile = Mapping[str, dict[str, Any]]

# (keys table, rows of (seed, cost-keys index, cost values, metric-keys index, metric values)),
# or the results as they are when an evaluator returns something other than plain SampleResults
Row = tuple[int, int, tuple[Any, ...], int, tuple[Any, ...]]
Encoded = tuple[tuple[tuple[str, ...], ...], list[list[Row]]] | list[list[SampleResult]]

_WORKER_EVALUATORS: dict[str, PolicyEvaluator] = {}

#: seeds of a run's first batch evaluated in the caller to learn what a seed costs
_PROBE_SEEDS = 2
#: tasks submitted per worker for one batch (a few each, so uneven seeds even out)
_TASKS_PER_WORKER = 3


@attrs.frozen
class Job:
    """Every profile in ``profiles`` evaluated on the same ``seeds``."""

    profiles: tuple[Profile, ...]
    seeds: tuple[int, ...]

    @property
    def units(self) -> int:
        return len(self.profiles) * len(self.seeds)


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
    rebuild = SampleResult._rebuilt  # checked where they were made
    return [
        [
            rebuild(
                seed,
                dict(zip(table[ck], costs, strict=True)),
                dict(zip(table[mk], metrics, strict=True)),
            )
            for seed, ck, costs, mk, metrics in results
        ]
        for results in rows
    ]


def load_evaluator(key: str, payload: bytes) -> PolicyEvaluator:
    """The evaluator pickled as ``payload``, kept in this process under ``key`` (an executor's
    worker initializer calls this once; later tasks of the run find it)."""
    evaluator = _WORKER_EVALUATORS.get(key)
    if evaluator is None:
        if len(_WORKER_EVALUATORS) >= 4:
            _WORKER_EVALUATORS.clear()
        evaluator = _WORKER_EVALUATORS[key] = pickle.loads(payload)
    return evaluator


def evaluate_task(
    key: str, payload: bytes | None, profiles: Sequence[Profile], seeds: Sequence[int]
) -> Encoded:
    """Top-level (picklable) task: every profile on one slice of seeds, in a worker. ``payload``
    is ``None`` when the executor installed the evaluator in its workers already."""
    evaluator = _WORKER_EVALUATORS.get(key)
    if evaluator is None:
        if payload is None:
            raise RuntimeError(
                "the executor did not install the run's evaluator in this worker "
                "(bind_evaluator's payload must reach cashloop.plugin.load_evaluator)"
            )
        evaluator = load_evaluator(key, payload)
    return encode_results([evaluate_batch(evaluator, p, seeds) for p in profiles])


def _parallelism(executor: Executor | None) -> int:
    if executor is None:
        return 1
    workers = getattr(executor, "max_workers", None) or getattr(executor, "_max_workers", None)
    return max(1, int(workers or 1))


def _pieces(job: Job, size: int) -> list[tuple[int, int]]:
    count = len(job.seeds)
    return [(start, min(start + size, count)) for start in range(0, count, size)]


class EvaluationService:
    """Evaluates jobs on the run's executor (module docstring)."""

    def __init__(
        self,
        evaluator: PolicyEvaluator,
        executor: Executor | None,
        *,
        min_batch_seconds: float = 0.010,
    ) -> None:
        self.evaluator = evaluator
        self.executor = executor
        self.parallelism = _parallelism(executor)
        self.policy = SharePolicy(min_batch_seconds)
        self._key = uuid.uuid4().hex
        self._payload: bytes | None = None
        self._bound = False

    def evaluate(self, policies: Profile, seeds: Sequence[int]) -> list[SampleResult]:
        return self.evaluate_many([policies], seeds)[0]

    def evaluate_many(
        self, profiles: Sequence[Profile], seeds: Sequence[int]
    ) -> list[list[SampleResult]]:
        """Several profiles on the same seeds: one list of results per profile, seed order."""
        return self.evaluate_jobs([Job(tuple(profiles), tuple(seeds))])[0]

    def evaluate_jobs(self, jobs: Sequence[Job]) -> list[list[list[SampleResult]]]:
        """Every job at once: per job, per profile, the results in seed order."""
        jobs = list(jobs)
        units = sum(j.units for j in jobs)
        if self.executor is None or self.parallelism <= 1 or units == 0:
            return self._inline(jobs)
        if self.policy.unit_seconds is None:
            return self._probed(jobs)
        if not self.policy.share(units):
            return self._inline(jobs)
        return self._shipped(jobs)

    # -- the three ways a batch runs -------------------------------------------------------

    def _inline(self, jobs: Sequence[Job]) -> list[list[list[SampleResult]]]:
        began, started = time.perf_counter(), time.process_time()
        results = [[evaluate_batch(self.evaluator, p, j.seeds) for p in j.profiles] for j in jobs]
        cpu, wall = time.process_time() - started, time.perf_counter() - began
        self.policy.note_inline(cpu, wall, sum(j.units for j in jobs))
        return results

    def _probed(self, jobs: Sequence[Job]) -> list[list[list[SampleResult]]]:
        """The run's first batch: the first job's first seeds here (the first call pays for cold
        caches, so the last one times a seed), then the rest by the learnt rule."""
        first = jobs[0]
        if len(first.seeds) <= _PROBE_SEEDS:
            head = self._inline([first])
            return head + (self.evaluate_jobs(jobs[1:]) if len(jobs) > 1 else [])
        parts = [Job(first.profiles, (s,)) for s in first.seeds[:_PROBE_SEEDS]]
        probe = [self._inline([part])[0] for part in parts]
        rest = [Job(first.profiles, first.seeds[_PROBE_SEEDS:]), *jobs[1:]]
        tail = self.evaluate_jobs(rest)
        merged = [
            [r for part in probe for r in part[i]] + tail[0][i] for i in range(len(first.profiles))
        ]
        return [merged, *tail[1:]]

    def _shipped(self, jobs: Sequence[Job]) -> list[list[list[SampleResult]]]:
        """Every job cut into tasks, all submitted at once, results put back in seed order."""
        assert self.executor is not None
        payload = self._task_payload()
        units = sum(j.units for j in jobs)
        per_task = max(1, -(-units // (self.parallelism * _TASKS_PER_WORKER)))
        began = time.perf_counter()
        submitted: list[tuple[int, int, Future[Encoded]]] = []
        for index, job in enumerate(jobs):
            size = max(1, per_task // max(1, len(job.profiles)))
            for start, stop in _pieces(job, size):
                future = self.executor.submit(
                    evaluate_task,
                    self._key,
                    payload,
                    [dict(p) for p in job.profiles],
                    list(job.seeds[start:stop]),
                )
                submitted.append((index, start, future))
        results: list[list[list[SampleResult]]] = [[[] for _ in j.profiles] for j in jobs]
        try:
            for index, _, future in submitted:  # in job and seed order
                for profile, part in enumerate(decode_results(future.result())):
                    results[index][profile].extend(part)
        except BaseException:
            for _, _, future in submitted:
                future.cancel()
            raise
        self.policy.note_shipped(time.perf_counter() - began, units)
        return results

    def _task_payload(self) -> bytes | None:
        """What each task carries of the evaluator: nothing once the executor installed it in its
        workers, else the evaluator pickled once for the run."""
        if self._payload is None:
            self._payload = pickle.dumps(self.evaluator, pickle.HIGHEST_PROTOCOL)
        if isinstance(self.executor, EvaluatorHost):
            if not self._bound:
                self.executor.bind_evaluator(self._key, self._payload)
                self._bound = True
            return None
        return self._payload
