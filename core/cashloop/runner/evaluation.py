"""Run evaluator batches on an executor; results come back in seed order on any executor.

With a :class:`~cashloop.runner.sharing.SharingExecutor` (the built-in ``process`` executor) the
calling thread evaluates part of each batch with the run's own evaluator while helpers compute
the rest, everyone claiming seeds from one shared counter as the batch runs
(:func:`~cashloop.runner.sharing.share_batch`: a helper still starting, or slowed down, ends up
with less of the batch). Whether a batch is shared at
all is learnt from the run's own timings (:class:`~cashloop.runner.share_policy.SharePolicy`):
batches cheaper than the executor's ``min_parallel_seconds``, and, apart from periodic retries,
all batches while sharing has proved slower than evaluating inline, run in the caller. Any other
executor gets the batch as one share per worker through ``submit``. A task evaluates every
profile of a comparison on its seeds, so incumbent and candidate share that work (the seed's
arrivals, say); results are identical on every path.

A task carries the evaluator pickled once per run; each worker unpickles it once and keeps it
(with whatever it caches per seed) for the rest of the run. Results travel back compactly: the
metric and cost keys once per task, then plain value tuples, rebuilt into identical
``SampleResult`` objects by the caller.
"""

from __future__ import annotations

import pickle
import time
import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

from cashloop.protocols import PolicyEvaluator
from cashloop.runner.share_policy import SharePolicy
from cashloop.runner.sharing import Claim, SharingExecutor, share_batch
from cashloop.types import SampleResult

__all__ = [
    "EvaluationService",
    "decode_results",
    "encode_results",
    "evaluate_batch",
    "evaluate_claimed_in_worker",
    "evaluate_in_worker",
]

Profile = Mapping[str, dict[str, Any]]

# (keys table, rows of (seed, cost-keys index, cost values, metric-keys index, metric values)),
# or the results as they are when an evaluator returns something other than plain SampleResults
Row = tuple[int, int, tuple[Any, ...], int, tuple[Any, ...]]
Encoded = tuple[tuple[tuple[str, ...], ...], list[list[Row]]] | list[list[SampleResult]]

_WORKER_EVALUATORS: dict[str, PolicyEvaluator] = {}

#: how much work one claim of a shared batch takes (a claim itself costs microseconds)
_CLAIM_SECONDS = 0.0005
#: seeds of a run's first batch evaluated in the caller before it decides whether to share
_PROBE_SEEDS = 3


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


def _worker_evaluator(token: str, payload: bytes) -> PolicyEvaluator:
    """The run's evaluator in this worker process, unpickled at its first task of the run."""
    evaluator = _WORKER_EVALUATORS.get(token)
    if evaluator is None:
        if len(_WORKER_EVALUATORS) >= 4:
            _WORKER_EVALUATORS.clear()
        evaluator = _WORKER_EVALUATORS[token] = pickle.loads(payload)
    return evaluator


def evaluate_in_worker(
    token: str, payload: bytes, profiles: Sequence[Profile], seeds: Sequence[int]
) -> Encoded:
    """Top-level (picklable) task: every profile on one share of seeds, in a worker process."""
    evaluator = _worker_evaluator(token, payload)
    return encode_results([evaluate_batch(evaluator, p, seeds) for p in profiles])


def evaluate_claimed_in_worker(
    claim: Claim, token: str, payload: bytes, profiles: Sequence[Profile], seeds: Sequence[int]
) -> list[tuple[int, Encoded]]:
    """Top-level task of a shared batch: every profile on each range of ``seeds`` this worker
    claims, until none is left; ``(start, encoded results)`` per range."""
    evaluator = _worker_evaluator(token, payload)
    pieces = []
    while (claimed := claim()) is not None:
        start, stop = claimed
        part = seeds[start:stop]
        pieces.append(
            (start, encode_results([evaluate_batch(evaluator, p, part) for p in profiles]))
        )
    return pieces


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
        self._sharing = executor if isinstance(executor, SharingExecutor) else None
        self._token = uuid.uuid4().hex
        self._payload: bytes | None = None
        self.policy = SharePolicy(float(getattr(executor, "min_parallel_seconds", 0.0) or 0.0))

    def evaluate_many(
        self, profiles: Sequence[Profile], seeds: Sequence[int]
    ) -> list[list[SampleResult]]:
        """Evaluate several profiles on the same seeds (inline when there is one worker)."""
        shares = min(self.parallelism, len(seeds))
        if self.executor is None or shares <= 1:
            return self._inline(profiles, seeds)
        if self._sharing is not None:
            if self.policy.unit_seconds is None and len(seeds) > _PROBE_SEEDS:
                return self._probed(self._sharing, profiles, seeds)
            if not self.policy.share(len(profiles) * len(seeds)):
                return self._inline(profiles, seeds)
            return self._shared(self._sharing, profiles, seeds)
        task = self._task(profiles)
        chunks = _chunks(seeds, shares)
        futures = [self.executor.submit(evaluate_in_worker, *task, c) for c in chunks]
        per_chunk = [decode_results(f.result()) for f in futures]
        return [[r for chunk in per_chunk for r in chunk[i]] for i in range(len(profiles))]

    def evaluate(self, policies: Profile, seeds: Sequence[int]) -> list[SampleResult]:
        return self.evaluate_many([policies], seeds)[0]

    def _task(self, profiles: Sequence[Profile]) -> tuple[str, bytes, list[dict[str, Any]]]:
        """``evaluate_in_worker``'s arguments but the seeds (the evaluator pickled once a run)."""
        if self._payload is None:
            self._payload = pickle.dumps(self.evaluator, pickle.HIGHEST_PROTOCOL)
        return self._token, self._payload, [dict(p) for p in profiles]

    def _shared(
        self, executor: SharingExecutor, profiles: Sequence[Profile], seeds: Sequence[int]
    ) -> list[list[SampleResult]]:
        """The caller and the helpers claim the batch's seeds as it runs (claims sized by its
        timings)."""
        task = self._task(profiles)
        began = time.perf_counter()
        per_seed = (self.policy.unit_seconds or 0.0) * len(profiles)
        chunk = max(1, int(_CLAIM_SECONDS / per_seed)) if per_seed else 1
        local_seeds, local_cpu = 0, 0.0
        every_seed = list(seeds)

        def local(start: int, stop: int) -> list[list[SampleResult]]:
            nonlocal local_seeds, local_cpu
            results, cpu = self._here(profiles, seeds[start:stop])
            local_seeds += stop - start
            local_cpu += cpu
            return results

        pieces = share_batch(
            executor,
            len(seeds),
            local=local,
            remote=lambda batch: executor.submit_claiming(
                batch, evaluate_claimed_in_worker, *task, every_seed
            ),
            decode=decode_results,
            chunk=chunk,
        )
        wall = time.perf_counter() - began
        width = len(profiles)
        self.policy.note_shared(wall, width * len(seeds), local_cpu, width * local_seeds)
        return [[r for _, part in pieces for r in part[i]] for i in range(len(profiles))]

    def _probed(
        self, executor: SharingExecutor, profiles: Sequence[Profile], seeds: Sequence[int]
    ) -> list[list[SampleResult]]:
        """The run's first batch: a few seeds here, then the rest shared when they show the batch
        is worth it, so a run whose evaluations are dear shares from its first batch on. The
        first call pays for cold caches and compiled trees, so the cheaper of the next ones
        stands for a seed; this estimate only decides this batch (a batch finished here is
        timed whole, as any inline batch)."""
        began = time.perf_counter()
        head, cpu = self._here(profiles, seeds[:1])
        warm = []
        for seed in seeds[1:_PROBE_SEEDS]:
            part, seconds = self._here(profiles, [seed])
            head = [[*a, *b] for a, b in zip(head, part, strict=True)]
            cpu += seconds
            warm.append(seconds)
        rest = seeds[_PROBE_SEEDS:]
        minimum = self.policy.min_parallel_seconds
        if minimum <= 0.0 or min(warm) * len(rest) >= minimum:
            tail = self._shared(executor, profiles, rest)
        else:
            tail, seconds = self._here(profiles, rest)
            wall = time.perf_counter() - began
            self.policy.note_inline(cpu + seconds, wall, len(profiles) * len(seeds))
        return [[*a, *b] for a, b in zip(head, tail, strict=True)]

    def _inline(
        self, profiles: Sequence[Profile], seeds: Sequence[int]
    ) -> list[list[SampleResult]]:
        began = time.perf_counter()
        results, cpu = self._here(profiles, seeds)
        wall = time.perf_counter() - began
        self.policy.note_inline(cpu, wall, len(profiles) * len(seeds))
        return results

    def _here(
        self, profiles: Sequence[Profile], seeds: Sequence[int]
    ) -> tuple[list[list[SampleResult]], float]:
        """Every profile on ``seeds`` in the calling thread, and the CPU seconds it took."""
        started = time.process_time()
        results = [evaluate_batch(self.evaluator, p, seeds) for p in profiles]
        return results, time.process_time() - started
