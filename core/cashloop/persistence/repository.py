"""``ExperimentRepository``: the run database as the rest of cashloop sees it."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, final

from cashloop.persistence import queries, writes
from cashloop.persistence.codec import encode_json
from cashloop.persistence.database import Database
from cashloop.persistence.errors import (
    AmbiguousRunIdError,
    RunNotResumableError,
    UnknownRunError,
)
from cashloop.persistence.records import (
    RUN_STATUSES,
    EncodedEvent,
    FinalResult,
    IterationRecord,
    RunRecord,
    RunSnapshot,
    RunStatus,
)
from cashloop.persistence.state_provider import DatabaseStateProvider
from cashloop.persistence.writer import writer_state

if TYPE_CHECKING:
    import sqlite3

    from cashloop.types import RunInfo

__all__ = ["ExperimentRepository"]


@final
class ExperimentRepository:
    """Opens (or creates) a run database, migrates it, and reads and writes runs.

    Every write is one transaction, so another process reading the file (WAL) only ever sees whole
    iterations. Run ids may be abbreviated to a unique prefix wherever a run is looked up.
    """

    __slots__ = ("_db",)

    def __init__(
        self, db_path: Path | str, *, create: bool = True, durability: str = "deferred"
    ) -> None:
        """``create=False`` refuses a missing file instead of creating an empty database;
        ``durability`` is ``deferred`` or ``full`` (see :mod:`cashloop.persistence.database`)."""
        self._db = Database(Path(db_path), create=create, durability=durability)

    @property
    def db_path(self) -> Path:
        return self._db.path

    def __enter__(self) -> ExperimentRepository:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def flush(self) -> None:
        """Wait until every commit so far is on disk."""
        self._db.flush()

    # -- runs -------------------------------------------------------------------------------

    def create_run(
        self,
        run: RunInfo,
        config_snapshot: Mapping[str, Any],
        *,
        experiment_type: str = "generic",
    ) -> RunRecord:
        """Store a new run with status ``running`` and its config snapshot, exactly as given."""
        config_json = encode_json(config_snapshot, what="config snapshot")

        def insert(conn: sqlite3.Connection) -> RunRecord:
            writes.insert_run(
                conn,
                run_id=run.run_id,
                experiment_name=run.experiment_name,
                experiment_type=experiment_type,
                master_seed=run.master_seed,
                config_json=config_json,
            )
            record = queries.fetch_run(conn, run.run_id)
            assert record is not None
            return record

        return self._db.write(insert, what=f"creating run {run.run_id}", durable=True)

    def set_status(self, run_id: str, status: str) -> None:
        """Set a run's status; a run whose final result is stored stays ``completed``."""
        if status not in RUN_STATUSES:
            raise ValueError(f"unknown run status {status!r}; expected one of {RUN_STATUSES}")
        full_id = self.resolve_run_id(run_id)
        self._db.write(
            lambda conn: writes.update_status(conn, full_id, status),
            what=f"setting run {full_id} to {status}",
            durable=True,
        )

    def record_failure(
        self, run_id: str, reason: str, llm_calls: Sequence[Mapping[str, Any]]
    ) -> None:
        """Store why the run stopped and the unfinished iteration's LLM calls (synced)."""
        full_id = self.resolve_run_id(run_id)
        calls_json = encode_json(list(llm_calls), what="failed LLM calls")
        self._db.write(
            lambda conn: writes.store_failure(conn, full_id, reason, calls_json),
            what=f"storing the failure of run {full_id}",
            durable=True,
        )

    def list_runs(self, limit: int | None = None) -> list[RunRecord]:
        """Stored runs, newest first."""
        return self._db.read(lambda conn: queries.fetch_runs(conn, limit), what="listing runs")

    def get_run(self, run_id: str) -> RunRecord:
        """The run with this id or unique id prefix."""
        full_id = self.resolve_run_id(run_id)
        record = self._db.read(
            lambda conn: queries.fetch_run(conn, full_id), what=f"reading run {full_id}"
        )
        if record is None:
            raise UnknownRunError(run_id, self.db_path)
        return record

    def resolve_run_id(self, run_id: str) -> str:
        """The full id of the run named by ``run_id`` or a unique prefix of it."""
        matches = self._db.read(
            lambda conn: queries.find_run_ids(conn, run_id), what=f"looking up run {run_id}"
        )
        if not matches:
            raise UnknownRunError(run_id, self.db_path)
        if len(matches) > 1:
            raise AmbiguousRunIdError(run_id, matches, self.db_path)
        return matches[0]

    def get_config_snapshot(self, run_id: str) -> dict[str, Any]:
        full_id = self.resolve_run_id(run_id)
        return self._db.read(
            lambda conn: queries.fetch_config_snapshot(conn, full_id),
            what=f"reading the config of run {full_id}",
        )

    def as_state_provider(self, run_id: str) -> DatabaseStateProvider:
        """Read access to a stored run for display and replay (also while it is written)."""
        return DatabaseStateProvider(self._db, self.resolve_run_id(run_id))

    # -- writing a run ----------------------------------------------------------------------

    def append_events(self, run_id: str, events: Sequence[EncodedEvent]) -> int:
        """Append events in one transaction; return the next free seq."""
        return self._db.write(
            lambda conn: writes.insert_events(conn, run_id, events),
            what=f"appending events to run {run_id}",
        )

    def commit_iteration(
        self, run_id: str, events: Sequence[EncodedEvent], record: IterationRecord
    ) -> int:
        """Append the iteration's events and its record in one transaction; return the next seq."""

        def commit(conn: sqlite3.Connection) -> int:
            following = writes.insert_events(conn, run_id, events, touch=False)
            writes.insert_iteration(conn, run_id, record)
            return following

        return self._db.write(commit, what=f"committing iteration {record.iteration} of {run_id}")

    def commit_final(self, run_id: str, events: Sequence[EncodedEvent], result: FinalResult) -> int:
        """Append the last events and the final result, and mark the run completed, at once."""

        def commit(conn: sqlite3.Connection) -> int:
            following = writes.insert_events(conn, run_id, events, touch=False)
            writes.store_final_result(conn, run_id, result)
            return following

        return self._db.write(commit, what=f"storing the final result of {run_id}", durable=True)

    # -- resume -----------------------------------------------------------------------------

    def load_run(self, run_id: str) -> RunSnapshot:
        """All committed data of a run, read in one transaction (consistent while it is written)."""
        full_id = self.resolve_run_id(run_id)
        return self._db.read(
            lambda conn: _read_snapshot(conn, full_id), what=f"loading run {full_id}"
        )

    def load_for_resume(self, run_id: str) -> RunSnapshot:
        """The committed state of an unfinished run (read only; see :meth:`resume_run`)."""
        full_id = self.resolve_run_id(run_id)
        state = self._db.read(
            lambda conn: _read_snapshot(conn, full_id), what=f"loading run {full_id}"
        )
        _check_resumable(state.run, self.db_path)
        return state

    def resume_run(self, run_id: str) -> RunSnapshot:
        """Take over an unfinished run: status back to ``running``, owned by this process.

        New events continue at ``RunSnapshot.next_seq``; the resumed run must not record the
        committed events again, and starts with iteration ``RunSnapshot.next_iteration``.
        """
        full_id = self.resolve_run_id(run_id)

        def take_over(conn: sqlite3.Connection) -> RunSnapshot:
            state = _read_snapshot(conn, full_id)
            _check_resumable(state.run, self.db_path)
            writes.mark_resumed(conn, full_id)
            return state

        return self._db.write(take_over, what=f"resuming run {full_id}", durable=True)


def _read_snapshot(conn: sqlite3.Connection, run_id: str) -> RunSnapshot:
    run = queries.fetch_run(conn, run_id)
    assert run is not None
    return RunSnapshot(
        run=run,
        config_snapshot=queries.fetch_config_snapshot(conn, run_id),
        events=tuple(queries.fetch_events(conn, run_id)),
        iterations=tuple(queries.fetch_iterations(conn, run_id)),
        next_seq=queries.next_seq(conn, run_id),
    )


def _check_resumable(run: RunRecord, db_path: Path) -> None:
    if run.finished or run.status == RunStatus.COMPLETED:
        raise RunNotResumableError(
            f"run {run.run_id} in {db_path} has completed; there is nothing to resume "
            "(use `cashloop replay` to see it)",
            db_path,
        )
    live_writer = (
        run.writer_pid is not None
        and run.writer_pid != os.getpid()
        and writer_state(run.writer_pid, run.writer_host) == "alive"
    )
    if run.status == RunStatus.RUNNING and live_writer:
        raise RunNotResumableError(
            f"run {run.run_id} in {db_path} is still being written by process "
            f"{run.writer_pid}; wait for it to finish or stop it first",
            db_path,
        )
