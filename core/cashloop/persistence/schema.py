"""The database schema as an ordered list of migrations; ``PRAGMA user_version`` is the version.

A migration is never edited once released: a change is a new migration appended at the end.
``PRAGMA application_id`` marks the file as a cashloop database.
"""

from __future__ import annotations

import sqlite3
from typing import Final

import attrs

__all__ = ["APPLICATION_ID", "MIGRATIONS", "SCHEMA_VERSION", "Migration", "migrate"]

#: "CSLP" in ASCII; stored in the SQLite header so other files are recognised and refused.
APPLICATION_ID: Final = 0x43534C50


@attrs.frozen(kw_only=True)
class Migration:
    """The statements that take the schema from ``version - 1`` to ``version``."""

    version: int
    description: str
    statements: tuple[str, ...]


MIGRATIONS: Final = (
    Migration(
        version=1,
        description="runs, append-only events keyed by (run_id, seq), iterations",
        statements=(
            """CREATE TABLE runs (
                run_id TEXT PRIMARY KEY NOT NULL,
                experiment_name TEXT NOT NULL,
                experiment_type TEXT NOT NULL DEFAULT 'generic',
                status TEXT NOT NULL
                    CHECK (status IN ('running', 'completed', 'failed', 'interrupted')),
                config_json TEXT NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                finished_at TEXT,
                final_cost INTEGER,
                best_cost INTEGER,
                converged INTEGER,
                convergence_reason TEXT
            )""",
            "CREATE INDEX runs_by_creation ON runs (created_at)",
            """CREATE TABLE events (
                run_id TEXT NOT NULL REFERENCES runs (run_id),
                seq INTEGER NOT NULL CHECK (seq >= 0),
                iteration INTEGER NOT NULL,
                event_type TEXT NOT NULL,
                data_json TEXT NOT NULL,
                PRIMARY KEY (run_id, seq)
            ) WITHOUT ROWID""",
            """CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
               BEGIN SELECT RAISE(ABORT, 'events are append-only'); END""",
            """CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
               BEGIN SELECT RAISE(ABORT, 'events are append-only'); END""",
            """CREATE TABLE iterations (
                run_id TEXT NOT NULL REFERENCES runs (run_id),
                iteration INTEGER NOT NULL CHECK (iteration >= 0),
                costs_json TEXT NOT NULL,
                accepted_json TEXT NOT NULL,
                policies_json TEXT NOT NULL,
                committed_at TEXT NOT NULL,
                PRIMARY KEY (run_id, iteration)
            ) WITHOUT ROWID""",
        ),
    ),
    Migration(
        version=2,
        description="run provenance and resume bookkeeping: master seed, writer process, resumes",
        statements=(
            "ALTER TABLE runs ADD COLUMN master_seed INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE runs ADD COLUMN resume_count INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE runs ADD COLUMN writer_pid INTEGER",
            "ALTER TABLE runs ADD COLUMN writer_host TEXT",
        ),
    ),
    Migration(
        version=3,
        description="why a run stopped: failure reason and the unfinished iteration's LLM calls",
        statements=(
            "ALTER TABLE runs ADD COLUMN failure_reason TEXT",
            "ALTER TABLE runs ADD COLUMN failed_llm_calls_json TEXT",
        ),
    ),
)

SCHEMA_VERSION: Final = MIGRATIONS[-1].version


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Apply the pending migrations up to ``target`` in one transaction; return the old version.

    ``conn`` must be in autocommit mode (``isolation_level=None``). The version is re-read under
    the write lock, so two processes opening a fresh file at once migrate it once.
    """
    if schema_version(conn) >= target:
        return schema_version(conn)
    conn.execute("BEGIN IMMEDIATE")
    try:
        found = schema_version(conn)
        for migration in MIGRATIONS:
            if found < migration.version <= target:
                for statement in migration.statements:
                    conn.execute(statement)
        if found < target:
            conn.execute(f"PRAGMA user_version = {int(target)}")
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return found
