"""Write statements over one connection; callers provide the transaction (``Database.write``)."""

from __future__ import annotations

import os
import socket
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime

from cashloop.persistence.codec import encode_json
from cashloop.persistence.queries import next_seq
from cashloop.persistence.records import EncodedEvent, FinalResult, IterationRecord, RunStatus

__all__ = [
    "insert_events",
    "insert_iteration",
    "insert_run",
    "mark_resumed",
    "store_final_result",
    "update_status",
    "utc_now",
]


def utc_now() -> str:
    """ISO 8601 UTC with microseconds: sorts as text, readable in ``sqlite3``."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def insert_run(
    conn: sqlite3.Connection,
    *,
    run_id: str,
    experiment_name: str,
    experiment_type: str,
    master_seed: int,
    config_json: str,
) -> None:
    now = utc_now()
    conn.execute(
        "INSERT INTO runs (run_id, experiment_name, experiment_type, status, config_json, "
        "created_at, updated_at, master_seed, writer_pid, writer_host) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            run_id,
            experiment_name,
            experiment_type,
            RunStatus.RUNNING,
            config_json,
            now,
            now,
            master_seed,
            os.getpid(),
            socket.gethostname(),
        ),
    )


def insert_events(
    conn: sqlite3.Connection, run_id: str, events: Sequence[EncodedEvent], *, touch: bool = True
) -> int:
    """Append events after the run's last seq; return the next free seq.

    ``touch=False`` leaves ``updated_at`` to a later statement of the same transaction."""
    seq = next_seq(conn, run_id)
    if events:
        conn.executemany(
            "INSERT INTO events (run_id, seq, iteration, event_type, data_json) "
            "VALUES (?, ?, ?, ?, ?)",
            [
                (run_id, seq + offset, event.iteration, event.event_type, event.data_json)
                for offset, event in enumerate(events)
            ],
        )
    if touch:
        _touch(conn, run_id)
    return seq + len(events)


def insert_iteration(conn: sqlite3.Connection, run_id: str, record: IterationRecord) -> None:
    """Store the 0-indexed iteration record (and touch the run)."""
    conn.execute(
        "INSERT INTO iterations (run_id, iteration, costs_json, accepted_json, policies_json, "
        "committed_at) VALUES (?, ?, ?, ?, ?, ?)",
        (
            run_id,
            record.iteration,
            encode_json(record.costs_per_agent, what="costs_per_agent"),
            encode_json(record.accepted_changes, what="accepted_changes"),
            encode_json(record.policies, what="policies"),
            utc_now(),
        ),
    )
    _touch(conn, run_id)


def store_final_result(conn: sqlite3.Connection, run_id: str, result: FinalResult) -> None:
    """Store the outcome and mark the run completed (a finished run stays completed)."""
    now = utc_now()
    conn.execute(
        "UPDATE runs SET final_cost = ?, best_cost = ?, converged = ?, convergence_reason = ?, "
        "finished_at = ?, status = ?, updated_at = ?, writer_pid = NULL, writer_host = NULL "
        "WHERE run_id = ?",
        (
            result.final_cost,
            result.best_cost,
            int(result.converged),
            result.convergence_reason,
            now,
            RunStatus.COMPLETED,
            now,
            run_id,
        ),
    )


def update_status(conn: sqlite3.Connection, run_id: str, status: str) -> None:
    """Set the status, except that a run whose final result is stored stays completed, unless
    that result says its LLM provider failed (``llm_unavailable``, ``llm_auth_failed``): such a
    run is marked ``failed``."""
    conn.execute(
        "UPDATE runs SET status = CASE WHEN finished_at IS NULL OR (? = 'failed' AND "
        "convergence_reason IN ('llm_unavailable', 'llm_auth_failed')) THEN ? ELSE status END, "
        "updated_at = ?, "
        "writer_pid = CASE WHEN ? = 'running' THEN writer_pid ELSE NULL END, "
        "writer_host = CASE WHEN ? = 'running' THEN writer_host ELSE NULL END "
        "WHERE run_id = ?",
        (status, status, utc_now(), status, status, run_id),
    )


def store_failure(conn: sqlite3.Connection, run_id: str, reason: str, llm_calls_json: str) -> None:
    """Why the run stopped, and the unfinished iteration's LLM calls (a JSON list)."""
    conn.execute(
        "UPDATE runs SET failure_reason = ?, failed_llm_calls_json = ?, updated_at = ? "
        "WHERE run_id = ?",
        (reason, llm_calls_json, utc_now(), run_id),
    )


def mark_resumed(conn: sqlite3.Connection, run_id: str) -> None:
    """Status back to running, owned by this process; a stored failure is cleared."""
    conn.execute(
        "UPDATE runs SET status = ?, updated_at = ?, resume_count = resume_count + 1, "
        "failure_reason = NULL, failed_llm_calls_json = NULL, "
        "writer_pid = ?, writer_host = ? WHERE run_id = ?",
        (RunStatus.RUNNING, utc_now(), os.getpid(), socket.gethostname(), run_id),
    )


def _touch(conn: sqlite3.Connection, run_id: str) -> None:
    conn.execute("UPDATE runs SET updated_at = ? WHERE run_id = ?", (utc_now(), run_id))
