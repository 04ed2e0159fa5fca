"""Read queries over one connection; callers provide the transaction (``Database.read``)."""

from __future__ import annotations

import sqlite3
from typing import Any, Final

from cashloop.persistence.codec import decode_json
from cashloop.persistence.records import FinalResult, IterationRecord, RunRecord

__all__ = [
    "count_iterations",
    "fetch_config_snapshot",
    "fetch_events",
    "fetch_failure",
    "fetch_final_result",
    "fetch_iteration",
    "fetch_iterations",
    "fetch_run",
    "fetch_runs",
    "find_run_ids",
    "next_seq",
]

_RUN_COLUMNS: Final = """
    r.run_id, r.experiment_name, r.status, r.created_at, r.updated_at,
    (SELECT count(*) FROM iterations i WHERE i.run_id = r.run_id) AS num_iterations,
    r.final_cost, r.converged, r.best_cost, r.convergence_reason,
    r.experiment_type, r.master_seed, r.resume_count, r.writer_pid, r.writer_host
"""


def _run_record(row: sqlite3.Row | tuple[Any, ...]) -> RunRecord:
    (run_id, name, status, created, updated, count, final, converged, best, reason, kind, seed,
     resumes, pid, host) = tuple(row)  # fmt: skip
    return RunRecord(
        run_id=run_id,
        experiment_name=name,
        status=status,
        created_at=created,
        updated_at=updated,
        num_iterations=int(count),
        final_cost=final,
        converged=None if converged is None else bool(converged),
        best_cost=best,
        convergence_reason=reason,
        experiment_type=kind,
        master_seed=int(seed),
        resume_count=int(resumes),
        writer_pid=pid,
        writer_host=host,
    )


def fetch_runs(conn: sqlite3.Connection, limit: int | None) -> list[RunRecord]:
    """Runs newest first (ties broken by insertion order, newest first)."""
    sql = f"SELECT {_RUN_COLUMNS} FROM runs r ORDER BY r.created_at DESC, r.rowid DESC"
    params: tuple[int, ...] = ()
    if limit is not None:
        sql += " LIMIT ?"
        params = (max(limit, 0),)
    return [_run_record(row) for row in conn.execute(sql, params)]


def fetch_run(conn: sqlite3.Connection, run_id: str) -> RunRecord | None:
    row = conn.execute(
        f"SELECT {_RUN_COLUMNS} FROM runs r WHERE r.run_id = ?", (run_id,)
    ).fetchone()
    return None if row is None else _run_record(row)


def find_run_ids(conn: sqlite3.Connection, id_or_prefix: str, limit: int = 5) -> list[str]:
    """The exact id if stored, else up to ``limit`` ids starting with the prefix."""
    exact = conn.execute("SELECT run_id FROM runs WHERE run_id = ?", (id_or_prefix,)).fetchone()
    if exact is not None:
        return [exact[0]]
    if not id_or_prefix:
        return []
    rows = conn.execute(
        "SELECT run_id FROM runs WHERE substr(run_id, 1, ?) = ? ORDER BY run_id LIMIT ?",
        (len(id_or_prefix), id_or_prefix, limit),
    )
    return [row[0] for row in rows]


def fetch_failure(conn: sqlite3.Connection, run_id: str) -> tuple[str | None, list[Any]]:
    """The stored failure reason and the failed iteration's LLM calls (``(None, [])`` if none)."""
    row = conn.execute(
        "SELECT failure_reason, failed_llm_calls_json FROM runs WHERE run_id = ?", (run_id,)
    ).fetchone()
    if row is None or row[0] is None:
        return None, []
    calls: list[Any] = decode_json(row[1]) if row[1] else []
    return str(row[0]), calls


def fetch_config_snapshot(conn: sqlite3.Connection, run_id: str) -> dict[str, Any]:
    row = conn.execute("SELECT config_json FROM runs WHERE run_id = ?", (run_id,)).fetchone()
    snapshot: dict[str, Any] = decode_json(row[0]) if row is not None else {}
    return snapshot


def fetch_events(conn: sqlite3.Connection, run_id: str, start: int = 0) -> list[dict[str, Any]]:
    """Events in seq order from seq ``start``, shaped like ``LiveStateProvider`` events."""
    rows = conn.execute(
        "SELECT iteration, event_type, data_json FROM events WHERE run_id = ? AND seq >= ? "
        "ORDER BY seq",
        (run_id, start),
    )
    events: list[dict[str, Any]] = []
    for iteration, event_type, data_json in rows:
        event: dict[str, Any] = {"event_type": event_type, "iteration": iteration}
        event.update(decode_json(data_json))
        events.append(event)
    return events


def next_seq(conn: sqlite3.Connection, run_id: str) -> int:
    row = conn.execute("SELECT max(seq) FROM events WHERE run_id = ?", (run_id,)).fetchone()
    return 0 if row[0] is None else int(row[0]) + 1


def count_iterations(conn: sqlite3.Connection, run_id: str) -> int:
    row = conn.execute("SELECT count(*) FROM iterations WHERE run_id = ?", (run_id,)).fetchone()
    return int(row[0])


def fetch_iterations(conn: sqlite3.Connection, run_id: str) -> list[IterationRecord]:
    rows = conn.execute(
        "SELECT iteration, costs_json, accepted_json, policies_json FROM iterations "
        "WHERE run_id = ? ORDER BY iteration",
        (run_id,),
    )
    return [
        IterationRecord(
            iteration=iteration,
            costs_per_agent=decode_json(costs),
            accepted_changes=decode_json(accepted),
            policies=decode_json(policies),
        )
        for iteration, costs, accepted, policies in rows
    ]


def fetch_iteration(
    conn: sqlite3.Connection, run_id: str, iteration: int
) -> IterationRecord | None:
    row = conn.execute(
        "SELECT costs_json, accepted_json, policies_json FROM iterations "
        "WHERE run_id = ? AND iteration = ?",
        (run_id, iteration),
    ).fetchone()
    if row is None:
        return None
    return IterationRecord(
        iteration=iteration,
        costs_per_agent=decode_json(row[0]),
        accepted_changes=decode_json(row[1]),
        policies=decode_json(row[2]),
    )


def fetch_final_result(conn: sqlite3.Connection, run_id: str) -> FinalResult | None:
    row = conn.execute(
        "SELECT final_cost, best_cost, converged, convergence_reason FROM runs "
        "WHERE run_id = ? AND finished_at IS NOT NULL",
        (run_id,),
    ).fetchone()
    if row is None:
        return None
    return FinalResult(
        final_cost=row[0], best_cost=row[1], converged=bool(row[2]), convergence_reason=row[3]
    )
