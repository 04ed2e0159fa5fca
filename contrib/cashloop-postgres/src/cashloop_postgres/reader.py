"""Reading stored runs: ``list_runs`` rows and a run's state provider (``StoredRun``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Final

import attrs

if TYPE_CHECKING:
    import psycopg

__all__ = ["CHANNEL", "PostgresRun", "RunRow", "fetch_runs", "writer_holds_lock"]

#: the LISTEN/NOTIFY channel a writer notifies (payload: the run id) on every commit
CHANNEL: Final = "cashloop_runs"


_RUN_COLUMNS: Final = """
    r.run_id, r.experiment_name, r.status, r.created_at, r.updated_at,
    (SELECT count(*) FROM cashloop_iterations i WHERE i.run_id = r.run_id),
    r.final_cost, r.converged, r.best_cost, r.convergence_reason, r.master_seed
"""


@attrs.frozen(kw_only=True)
class RunRow:
    """One stored run (satisfies ``cashloop.plugin.RunSummary``); costs in integer cents."""

    run_id: str
    experiment_name: str
    status: str
    created_at: str
    updated_at: str
    num_iterations: int
    final_cost: int | None
    converged: bool | None
    best_cost: int | None
    convergence_reason: str | None
    master_seed: int


def _row(values: tuple[Any, ...]) -> RunRow:
    run_id, name, status, created, updated, count, final, converged, best, reason, seed = values
    return RunRow(
        run_id=run_id,
        experiment_name=name,
        status=status,
        created_at=created.isoformat(),
        updated_at=updated.isoformat(),
        num_iterations=int(count),
        final_cost=final,
        converged=converged,
        best_cost=best,
        convergence_reason=reason,
        master_seed=int(seed),
    )


def fetch_runs(conn: psycopg.Connection[tuple[Any, ...]], limit: int | None) -> list[RunRow]:
    sql = f"SELECT {_RUN_COLUMNS} FROM cashloop_runs r ORDER BY r.created_at DESC, r.created_order DESC"  # noqa: E501
    if limit is not None:
        return [_row(r) for r in conn.execute(sql + " LIMIT %s", (max(limit, 0),))]
    return [_row(r) for r in conn.execute(sql)]


def fetch_run(conn: psycopg.Connection[tuple[Any, ...]], run_id: str) -> RunRow | None:
    row = conn.execute(
        f"SELECT {_RUN_COLUMNS} FROM cashloop_runs r WHERE r.run_id = %s",
        (run_id,),
    ).fetchone()
    return None if row is None else _row(row)


def writer_holds_lock(conn: psycopg.Connection[tuple[Any, ...]], run_id: str) -> bool:
    """Whether a session (on any machine) holds the run's writer lock: the writer is alive.

    A writer takes ``pg_advisory_lock(hashtextextended(run_id, 0))``; the server releases it
    when the writer's connection ends, however the process died."""
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND objsubid = 1 "
        "AND ((classid::bigint << 32) | objid::bigint) = hashtextextended(%s, 0))",
        (run_id,),
    ).fetchone()
    return bool(row and row[0])


class PostgresRun:
    """A stored run read back (satisfies ``cashloop.plugin.StoredRun``); each call reads the
    committed data afresh, so a reader follows a run while another machine writes it."""

    def __init__(self, conn: psycopg.Connection[tuple[Any, ...]], run_id: str) -> None:
        self._conn = conn
        self.run_id = run_id
        self._listener: psycopg.Connection[tuple[Any, ...]] | None = None

    def get_experiment_info(self) -> dict[str, Any]:
        row = self._conn.execute(
            "SELECT experiment_type, config_json, resume_count, failure_reason, "
            "failed_llm_calls_json FROM cashloop_runs WHERE run_id = %s",
            (self.run_id,),
        ).fetchone()
        run = fetch_run(self._conn, self.run_id)
        if row is None or run is None:
            return {"run_id": self.run_id}
        kind, config_json, resumes, reason, calls_json = row
        info: dict[str, Any] = {
            "experiment_name": run.experiment_name,
            "experiment_type": kind,
            "config": json.loads(config_json),
            "run_id": run.run_id,
            "status": run.status,
            "created_at": run.created_at,
            "updated_at": run.updated_at,
            "num_iterations": run.num_iterations,
            "master_seed": run.master_seed,
            "resume_count": resumes,
        }
        if reason is not None:
            info["failure_reason"] = reason
            info["failed_llm_calls"] = json.loads(calls_json) if calls_json else []
        return info

    def get_total_iterations(self) -> int:
        row = self._conn.execute(
            "SELECT count(*) FROM cashloop_iterations WHERE run_id = %s", (self.run_id,)
        ).fetchone()
        return int(row[0]) if row else 0

    def get_iteration_costs(self, iteration: int) -> dict[str, int]:
        return dict(self._iteration(iteration, "costs_json"))

    def get_iteration_accepted_changes(self, iteration: int) -> dict[str, bool]:
        return dict(self._iteration(iteration, "accepted_json"))

    def get_iteration_policies(self, iteration: int) -> dict[str, Any]:
        return dict(self._iteration(iteration, "policies_json"))

    def get_all_events(self) -> Iterator[dict[str, Any]]:
        return iter(self.get_events_from(0))

    def get_events_from(self, start: int) -> list[dict[str, Any]]:
        """The committed events after the first ``start``, in order."""
        rows = self._conn.execute(
            "SELECT event_type, iteration, data_json FROM cashloop_events "
            "WHERE run_id = %s AND seq >= %s ORDER BY seq",
            (self.run_id, start),
        )
        return [{"event_type": k, "iteration": i, **json.loads(d)} for k, i, d in rows]

    def get_final_result(self) -> dict[str, Any] | None:
        run = fetch_run(self._conn, self.run_id)
        if run is None or run.converged is None:
            return None
        return {
            "final_cost": run.final_cost,
            "best_cost": run.best_cost,
            "converged": run.converged,
            "convergence_reason": run.convergence_reason,
        }

    def is_being_written(self) -> bool:
        """``running`` and its writer's session still holds the run's lock."""
        run = fetch_run(self._conn, self.run_id)
        return (
            run is not None
            and run.status == "running"
            and writer_holds_lock(self._conn, self.run_id)
        )

    def wait_for_change(self, timeout: float) -> None:
        """Sleep until the writer commits something (LISTEN/NOTIFY) or ``timeout`` passes."""
        import psycopg

        if self._listener is None:
            info = self._conn.info
            self._listener = psycopg.connect(
                info.dsn, password=info.password or None, autocommit=True
            )
            self._listener.execute(f"LISTEN {CHANNEL}")
        for notice in self._listener.notifies(timeout=timeout):
            if notice.payload == self.run_id:
                return

    def close(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def _iteration(self, iteration: int, column: str) -> dict[str, Any]:
        row = self._conn.execute(
            f"SELECT {column} FROM cashloop_iterations WHERE run_id = %s AND iteration = %s",
            (self.run_id, iteration),
        ).fetchone()
        return {} if row is None else dict(json.loads(row[0]))
