"""Component protocols plugins implement (DESIGN §2.3)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from cashloop.types import (
        PolicyProposal,
        PolicyRequest,
        RunInfo,
        SampleResult,
        ValidationResult,
    )

__all__ = [
    "ConstraintValidator",
    "EvaluatorHost",
    "FailureRecording",
    "LLMClient",
    "PolicyEvaluator",
    "ResumableStorage",
    "RunSummary",
    "StorageBackend",
    "StoredRun",
]


@runtime_checkable
class PolicyEvaluator(Protocol):
    """Scores a policy profile on sample seeds; deterministic for (policies, seed)."""

    def agents(self) -> Sequence[str]: ...

    def initial_policy(self, agent_id: str) -> dict[str, Any]: ...

    def policy_schema(self) -> str: ...

    def describe(self) -> str: ...

    def evaluate(
        self, policies: Mapping[str, dict[str, Any]], seeds: Sequence[int]
    ) -> Sequence[SampleResult]: ...


@runtime_checkable
class EvaluatorHost(Protocol):
    """An executor that installs the run's evaluator in its workers once, instead of receiving it
    with every task. Before the run's first task the evaluation service calls
    ``bind_evaluator(key, payload)`` with the pickled evaluator; the executor must make every
    worker, including ones started or restarted later, call
    ``cashloop.plugin.load_evaluator(key, payload)`` before it runs a task (a process pool's
    initializer, a cluster's worker plugin)."""

    def bind_evaluator(self, key: str, payload: bytes) -> None: ...


@runtime_checkable
class LLMClient(Protocol):
    """Proposes a policy for one agent."""

    async def propose(self, request: PolicyRequest) -> PolicyProposal: ...


@runtime_checkable
class ConstraintValidator(Protocol):
    """Checks a proposed policy; errors are sentences an LLM can act on."""

    def validate(self, agent_id: str, policy: Mapping[str, Any]) -> ValidationResult: ...


class RunSummary(Protocol):
    """One row of ``StorageBackend.list_runs`` (read-only). ``status`` is one of ``running``,
    ``completed``, ``failed``, ``interrupted``; money in integer cents."""

    @property
    def run_id(self) -> str: ...
    @property
    def experiment_name(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def created_at(self) -> str: ...
    @property
    def updated_at(self) -> str: ...
    @property
    def num_iterations(self) -> int: ...
    @property
    def final_cost(self) -> int | None: ...
    @property
    def converged(self) -> bool | None: ...


@runtime_checkable
class StoredRun(Protocol):
    """A stored run read back (``StorageBackend.open_run``); the read interface of
    ``LiveStateProvider``, so replay, ``show`` and ``events`` work on any backend.

    ``get_experiment_info()`` must return at least ``run_id``, ``experiment_name``, ``status``,
    ``config`` (the snapshot given to ``create_run``, unchanged), ``created_at`` and
    ``updated_at``; and ``failure_reason`` and ``failed_llm_calls`` once
    ``record_failure`` stored them. ``get_all_events()`` yields every stored event in the order
    recorded, each as ``{"event_type", "iteration", **event_data}`` with the data exactly as it
    was handed to ``record_event``. Iteration records are 0-indexed.
    Each call reads the store afresh: a reader in another process follows a run as it is
    written. Optional, for ``watch``: ``get_events_from(start) -> list`` (the events after the
    first ``start``) and ``is_being_written() -> bool`` (``running`` and its writer may still be
    alive); without them ``watch`` rereads every event and trusts ``status``.
    """

    def get_experiment_info(self) -> dict[str, Any]: ...

    def get_total_iterations(self) -> int: ...

    def get_iteration_costs(self, iteration: int) -> dict[str, int]: ...

    def get_iteration_accepted_changes(self, iteration: int) -> dict[str, bool]: ...

    def get_iteration_policies(self, iteration: int) -> dict[str, Any]: ...

    def get_all_events(self) -> Iterator[dict[str, Any]]: ...

    def get_final_result(self) -> dict[str, Any] | None: ...


@runtime_checkable
class StorageBackend(Protocol):
    """Persists runs; one object per process, built by its spec's factory from its options.

    The core registers it as a plugin for the duration of a run, so it also implements the
    recording hooks (DESIGN §2.2): ``record_event`` for every event in order,
    ``record_iteration`` (0-indexed) after each ``iteration_complete`` event, and
    ``set_final_result`` after ``experiment_end``. A hook that raises stops the run
    (``StorageError``): nothing may be silently lost.

    A run's life: ``create_run`` (status ``running``; the snapshot is stored exactly as
    given) or ``resume_run``; the recording hooks; then ``set_status`` with ``completed``,
    ``failed`` or ``interrupted`` (after ``record_failure`` for the last two). ``close`` ends
    the process's use of the store.

    Crash semantics. A process may die at any point (``kill -9``). The backend must then keep
    every event of each completed iteration (up to its ``iteration_complete``) in order, and
    never lose or reorder one it already exposed to readers. It may keep events of the
    iteration in flight, or drop them: **the core** guarantees that a resumed run equals an
    uninterrupted one, by using only the events up to the last ``iteration_complete`` and
    passing their number to ``resume_run``, which discards the rest. Committing each
    iteration's events and record in one transaction (as ``sqlite`` and ``postgres`` do) also
    keeps concurrent readers from seeing half an iteration.

    Secrets: a config snapshot is already redacted; a backend stores nothing else from the
    environment (no connection password in stored rows or logs).
    """

    def create_run(self, run: RunInfo, config_snapshot: Mapping[str, Any]) -> None:
        """Store a new run, status ``running``; a run id already stored is a ``StorageError``."""
        ...

    def set_status(self, run_id: str, status: str) -> None:
        """End a run's recording with ``completed``, ``failed`` or ``interrupted`` (or set
        ``running``). A run whose final result is stored stays ``completed``."""
        ...

    def list_runs(self, limit: int | None = None) -> Sequence[RunSummary]:
        """Stored runs, newest first."""
        ...

    def open_run(self, run_id: str) -> StoredRun:
        """Read access to a run; an unknown id is a ``UserError`` naming the store."""
        ...

    def close(self) -> None:
        """Release connections and files; a run still recording loses at most its iteration
        in flight."""
        ...


@runtime_checkable
class ResumableStorage(Protocol):
    """Optional: a backend offering it can resume runs whatever it kept of a crashed
    iteration (a backend without it can only resume runs stored up to an iteration boundary)."""

    def resume_run(self, run_id: str, committed_events: int) -> object:
        """Take over an unfinished run: discard every stored event after the first
        ``committed_events`` (and iteration records beyond the iterations they complete), set
        it ``running``, and let the recording hooks append after them."""
        ...


@runtime_checkable
class FailureRecording(Protocol):
    """Optional: keeps why a run stopped. The core calls it before
    ``set_status(run_id, "failed")`` (or ``"interrupted"``) with the error as one sentence and
    the ``llm_call`` events of the iteration that failed, which are not part of the resumable
    event log but whose tokens were spent. ``get_experiment_info()`` then reports them as
    ``failure_reason`` and ``failed_llm_calls``; a resumed run clears them."""

    def record_failure(
        self, run_id: str, reason: str, llm_calls: Sequence[Mapping[str, Any]]
    ) -> None: ...
