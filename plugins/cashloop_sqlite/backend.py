"""``SqliteStorageBackend``: the default storage backend, a plugin object registered per run.

The core calls ``create_run`` (or ``resume_run``), then the recording hooks as events happen, then
``set_status``. Events are buffered and committed with their iteration in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, final

from cashloop.errors import ConfigError, StorageError
from cashloop.hookspecs import hookimpl
from cashloop.persistence import (
    DatabaseStateProvider,
    ExperimentRepository,
    RunRecord,
    RunRecorder,
    RunSnapshot,
    RunStatus,
)

if TYPE_CHECKING:
    from cashloop.types import RunInfo
    from cashloop_sqlite.options import SqliteOptions

__all__ = ["SqliteStorageBackend"]


@final
class SqliteStorageBackend:
    """Implements ``cashloop.protocols.StorageBackend`` and the recording hooks."""

    def __init__(self, db_path: Path, *, durability: str = "deferred") -> None:
        self.repository = ExperimentRepository(db_path, durability=durability)
        self._recorders: dict[str, RunRecorder] = {}

    @classmethod
    def from_options(cls, options: SqliteOptions) -> SqliteStorageBackend:
        """The spec's factory: called by the core with the structured options (invalid ones
        raise ConfigError naming ``storage.<key>``)."""
        problems = options.problems()
        if problems:
            raise ConfigError([f"storage.{p}" for p in problems])
        return cls(options.path, durability=options.durability)

    @property
    def db_path(self) -> Path:
        return self.repository.db_path

    # -- StorageBackend ---------------------------------------------------------------------

    def create_run(self, run: RunInfo, config_snapshot: Mapping[str, Any]) -> None:
        self.repository.create_run(run, config_snapshot)
        self._recorders[run.run_id] = RunRecorder(self.repository, run.run_id)

    def resume_run(self, run_id: str, committed_events: int | None = None) -> RunSnapshot:
        """Take over an unfinished run; the hooks then append after its committed events.

        Only whole iterations are ever committed here, so there is nothing to discard after
        ``committed_events``; a mismatch means the core and the file disagree, and is refused."""
        state = self.repository.resume_run(run_id)
        if committed_events is not None and committed_events != state.next_seq:
            self.repository.set_status(state.run_id, RunStatus.INTERRUPTED)
            raise StorageError(
                f"run {state.run_id} in {self.db_path} holds {state.next_seq} committed events, "
                f"but the resume expected {committed_events}; it was not resumed"
            )
        self._recorders[state.run_id] = RunRecorder(self.repository, state.run_id)
        return state

    def set_status(self, run_id: str, status: str) -> None:
        """Finish recording: ``failed``/``interrupted`` drop the unfinished iteration's events."""
        recorder = self._recorders.pop(run_id, None)
        if recorder is None:
            self.repository.set_status(run_id, status)
        else:
            recorder.finish(status)

    def record_failure(
        self, run_id: str, reason: str, llm_calls: Sequence[Mapping[str, Any]]
    ) -> None:
        """Keep why the run stopped (``failure_reason``) and the failed iteration's LLM calls."""
        self.repository.record_failure(run_id, reason, llm_calls)

    def list_runs(self, limit: int | None = None) -> list[RunRecord]:
        return self.repository.list_runs(limit)

    def open_run(self, run_id: str) -> DatabaseStateProvider:
        return self.repository.as_state_provider(run_id)

    def close(self) -> None:
        """Close the database; runs still recording lose only their iteration in flight."""
        try:
            for run_id in list(self._recorders):
                self._recorders.pop(run_id).finish(RunStatus.INTERRUPTED)
        finally:
            self.repository.close()

    # -- recording hooks (DESIGN §2.2) ------------------------------------------------------

    @hookimpl
    def record_event(
        self, iteration: int, event_type: str, event_data: Mapping[str, Any], run: RunInfo
    ) -> None:
        self._recorder(run).record_event(iteration, event_type, event_data)

    @hookimpl
    def record_iteration(
        self,
        iteration: int,
        costs_per_agent: Mapping[str, int],
        accepted_changes: Mapping[str, bool],
        policies: Mapping[str, Any],
        run: RunInfo,
    ) -> None:
        self._recorder(run).record_iteration(iteration, costs_per_agent, accepted_changes, policies)

    @hookimpl
    def set_final_result(
        self,
        final_cost: int,
        best_cost: int,
        converged: bool,
        convergence_reason: str,
        run: RunInfo,
    ) -> None:
        self._recorder(run).set_final_result(final_cost, best_cost, converged, convergence_reason)

    def _recorder(self, run: RunInfo) -> RunRecorder:
        recorder = self._recorders.get(run.run_id)
        if recorder is None:
            raise StorageError(
                f"run {run.run_id} was not created or resumed through the sqlite backend "
                f"({self.db_path}); its events cannot be stored"
            )
        return recorder
