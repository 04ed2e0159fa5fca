"""``PostgresStorage``: the ``postgres`` storage backend object (one connection per process).

Each iteration's events and record are committed in one transaction that also notifies
``cashloop_runs``, so readers on any machine see whole iterations and ``watch`` wakes at once.
The writer of a run holds a session advisory lock on it: the server drops it with the
connection, so a writer killed on any machine is seen gone, and two writers never share a run.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from cashloop.plugin import ITERATION_COMPLETE, RunInfo, StorageError, UserError, hookimpl
from cashloop_postgres.reader import CHANNEL, PostgresRun, RunRow, fetch_runs
from cashloop_postgres.schema import SCHEMA_VERSION, migrate

if TYPE_CHECKING:
    import psycopg

    from cashloop_postgres.options import PostgresOptions

__all__ = ["PostgresStorage"]

_LOCK = "hashtextextended(%s, 0)"


def _json(value: Any) -> str:
    return json.dumps(value, allow_nan=False, separators=(",", ":"))


class _Recording:
    """A run this process writes: its next event number and the iteration in flight."""

    __slots__ = ("next_seq", "pending")

    def __init__(self, next_seq: int) -> None:
        self.next_seq = next_seq
        self.pending: list[tuple[int, str, str]] = []


class PostgresStorage:
    """Implements ``cashloop.plugin.StorageBackend``, ``ResumableStorage``,
    ``FailureRecording`` and the recording hooks."""

    def __init__(self, options: PostgresOptions) -> None:
        import psycopg

        password = os.environ.get(options.password_env) if options.password_env else None
        if options.password_env and password is None:
            raise UserError(
                f"storage.password_env: the environment variable {options.password_env} is not set"
            )
        try:
            self._conn: psycopg.Connection[tuple[Any, ...]] = psycopg.connect(
                options.url, password=password, autocommit=True, application_name="cashloop"
            )
        except psycopg.OperationalError as exc:
            raise UserError(f"cannot connect to PostgreSQL at {options.url}: {exc}") from None
        self._where = options.url
        found = migrate(self._conn)
        if found > SCHEMA_VERSION:
            self._conn.close()
            raise UserError(
                f"the database at {options.url} has cashloop schema {found}, newer than this "
                f"cashloop-postgres knows ({SCHEMA_VERSION}); upgrade cashloop-postgres"
            )
        self._runs: dict[str, _Recording] = {}

    # -- StorageBackend ---------------------------------------------------------------------

    def create_run(self, run: RunInfo, config_snapshot: Mapping[str, Any]) -> None:
        import psycopg

        try:
            with self._conn.transaction():
                self._conn.execute(
                    "INSERT INTO cashloop_runs (run_id, experiment_name, status, config_json, "
                    "master_seed, writer_host, writer_pid) VALUES (%s, %s, 'running', %s, %s, "
                    "%s, %s)",
                    (
                        run.run_id,
                        run.experiment_name,
                        _json(dict(config_snapshot)),
                        run.master_seed,
                        socket.gethostname(),
                        os.getpid(),
                    ),
                )
                self._notify(run.run_id)
        except psycopg.errors.UniqueViolation:
            raise StorageError(f"run {run.run_id} already exists in {self._where}") from None
        self._conn.execute(f"SELECT pg_advisory_lock({_LOCK})", (run.run_id,))
        self._runs[run.run_id] = _Recording(0)

    def resume_run(self, run_id: str, committed_events: int) -> None:
        """Take over an unfinished run: keep its first ``committed_events`` events and the
        iteration records they complete, drop the rest, status back to ``running``."""
        full_id = self.resolve_run_id(run_id)
        got = self._conn.execute(
            f"SELECT pg_try_advisory_lock({_LOCK})",
            (full_id,),
        ).fetchone()
        if not (got and got[0]):
            raise UserError(
                f"run {full_id} in {self._where} is still being written by another process; "
                "wait for it to finish or stop it first"
            )
        try:
            with self._conn.transaction():
                row = self._conn.execute(
                    "SELECT converged FROM cashloop_runs WHERE run_id = %s FOR UPDATE",
                    (full_id,),
                ).fetchone()
                if row is not None and row[0] is not None:
                    raise UserError(
                        f"run {full_id} in {self._where} has completed; there is nothing to "
                        "resume (use `cashloop replay` to see it)"
                    )
                self._conn.execute(
                    "DELETE FROM cashloop_events WHERE run_id = %s AND seq >= %s",
                    (full_id, committed_events),
                )
                completed = self._conn.execute(
                    "SELECT count(*) FROM cashloop_events WHERE run_id = %s AND event_type = %s",
                    (full_id, ITERATION_COMPLETE),
                ).fetchone()
                self._conn.execute(
                    "DELETE FROM cashloop_iterations WHERE run_id = %s AND iteration >= %s",
                    (full_id, int(completed[0]) if completed else 0),
                )
                self._conn.execute(
                    "UPDATE cashloop_runs SET status = 'running', updated_at = now(), "
                    "resume_count = resume_count + 1, failure_reason = NULL, "
                    "failed_llm_calls_json = NULL, writer_host = %s, writer_pid = %s "
                    "WHERE run_id = %s",
                    (socket.gethostname(), os.getpid(), full_id),
                )
                self._notify(full_id)
        except BaseException:
            self._unlock(full_id)
            raise
        self._runs[full_id] = _Recording(committed_events)

    def record_failure(
        self, run_id: str, reason: str, llm_calls: Sequence[Mapping[str, Any]]
    ) -> None:
        with self._conn.transaction():
            self._conn.execute(
                "UPDATE cashloop_runs SET failure_reason = %s, failed_llm_calls_json = %s, "
                "updated_at = now() WHERE run_id = %s",
                (reason, _json([dict(c) for c in llm_calls]), run_id),
            )

    def set_status(self, run_id: str, status: str) -> None:
        """End the recording: ``completed`` commits events still buffered; ``failed`` and
        ``interrupted`` drop the unfinished iteration's. A completed run stays completed."""
        recording = self._runs.pop(run_id, None)
        with self._conn.transaction():
            if recording is not None and status == "completed":
                self._insert_events(run_id, recording)
            self._conn.execute(
                "UPDATE cashloop_runs SET status = CASE WHEN converged IS NULL THEN %s "
                "ELSE status END, updated_at = now() WHERE run_id = %s",
                (status, run_id),
            )
            self._notify(run_id)
        if recording is not None and status != "running":
            self._unlock(run_id)

    def list_runs(self, limit: int | None = None) -> list[RunRow]:
        return fetch_runs(self._conn, limit)

    def open_run(self, run_id: str) -> PostgresRun:
        return PostgresRun(self._conn, self.resolve_run_id(run_id))

    def resolve_run_id(self, run_id: str) -> str:
        """The full id of the run named by ``run_id`` or a unique prefix of it."""
        rows = self._conn.execute(
            "SELECT run_id FROM cashloop_runs WHERE run_id = %s UNION ALL "
            "(SELECT run_id FROM cashloop_runs WHERE left(run_id, length(%s)) = %s "
            "AND run_id <> %s ORDER BY run_id LIMIT 5)",
            (run_id, run_id, run_id, run_id),
        ).fetchall()
        ids = [r[0] for r in rows]
        if run_id in ids:
            return run_id
        if not ids or not run_id:
            raise UserError(f"no run {run_id!r} in {self._where}; `cashloop runs` lists them")
        if len(ids) > 1:
            raise UserError(f"run id {run_id!r} is ambiguous in {self._where}: {', '.join(ids)}")
        return str(ids[0])

    def close(self) -> None:
        """Close the connection; runs still recording lose only their iteration in flight
        and are marked ``interrupted``."""
        try:
            for run_id in list(self._runs):
                self.set_status(run_id, "interrupted")
        finally:
            self._conn.close()

    # -- recording hooks ---------------------------------------------------------------------

    @hookimpl
    def record_event(
        self, iteration: int, event_type: str, event_data: Mapping[str, Any], run: RunInfo
    ) -> None:
        self._recording(run).pending.append((iteration, event_type, _json(dict(event_data))))

    @hookimpl
    def record_iteration(
        self,
        iteration: int,
        costs_per_agent: Mapping[str, int],
        accepted_changes: Mapping[str, bool],
        policies: Mapping[str, Any],
        run: RunInfo,
    ) -> None:
        recording = self._recording(run)
        with self._conn.transaction():
            self._insert_events(run.run_id, recording)
            self._conn.execute(
                "INSERT INTO cashloop_iterations (run_id, iteration, costs_json, "
                "accepted_json, policies_json) VALUES (%s, %s, %s, %s, %s)",
                (
                    run.run_id,
                    iteration,
                    _json(_cents(costs_per_agent)),
                    _json(dict(accepted_changes)),
                    _json(dict(policies)),
                ),
            )
            self._conn.execute(
                "UPDATE cashloop_runs SET updated_at = now() WHERE run_id = %s", (run.run_id,)
            )
            self._notify(run.run_id)

    @hookimpl
    def set_final_result(
        self,
        final_cost: int,
        best_cost: int,
        converged: bool,
        convergence_reason: str,
        run: RunInfo,
    ) -> None:
        recording = self._recording(run)
        costs = _cents({"final_cost": final_cost, "best_cost": best_cost})
        with self._conn.transaction():
            self._insert_events(run.run_id, recording)
            self._conn.execute(
                "UPDATE cashloop_runs SET final_cost = %s, best_cost = %s, converged = %s, "
                "convergence_reason = %s, status = 'completed', finished_at = now(), "
                "updated_at = now() WHERE run_id = %s",
                (
                    costs["final_cost"],
                    costs["best_cost"],
                    bool(converged),
                    str(convergence_reason),
                    run.run_id,
                ),
            )
            self._notify(run.run_id)

    # -- internals ---------------------------------------------------------------------------

    def _recording(self, run: RunInfo) -> _Recording:
        recording = self._runs.get(run.run_id)
        if recording is None:
            raise StorageError(
                f"run {run.run_id} was not created or resumed through this postgres backend "
                f"({self._where}); its events cannot be stored"
            )
        return recording

    def _insert_events(self, run_id: str, recording: _Recording) -> None:
        """Insert the buffered events (inside the caller's transaction)."""
        if not recording.pending:
            return
        rows = [
            (run_id, recording.next_seq + i, iteration, kind, data)
            for i, (iteration, kind, data) in enumerate(recording.pending)
        ]
        with self._conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO cashloop_events (run_id, seq, iteration, event_type, data_json) "
                "VALUES (%s, %s, %s, %s, %s)",
                rows,
            )
        recording.next_seq += len(rows)
        recording.pending.clear()

    def _notify(self, run_id: str) -> None:
        self._conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, run_id))

    def _unlock(self, run_id: str) -> None:
        self._conn.execute(f"SELECT pg_advisory_unlock({_LOCK})", (run_id,))


def _cents(values: Mapping[str, Any]) -> dict[str, int]:
    """Money must be integer cents: a float or other type is refused, naming the key."""
    for key, value in values.items():
        if not isinstance(value, int) or isinstance(value, bool):
            raise StorageError(f"{key} must be integer cents, got {value!r}")
    return dict(values)
