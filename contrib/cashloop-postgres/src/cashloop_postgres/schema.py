"""The database schema as ordered migrations; table ``cashloop_schema`` holds the version.

A migration is never edited once released: a change is a new migration appended at the end.
Migrating takes a transaction-level advisory lock, so processes opening a fresh database at once
migrate it once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import psycopg

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "migrate", "schema_version"]

#: the advisory lock key held while migrating ("CSLP" in ASCII)
_MIGRATION_LOCK: Final = 0x43534C50

MIGRATIONS: Final[tuple[tuple[str, ...], ...]] = (
    (  # 1: runs, append-only events keyed by (run_id, seq), iterations
        """CREATE TABLE cashloop_runs (
            run_id TEXT PRIMARY KEY,
            created_order BIGSERIAL,
            experiment_name TEXT NOT NULL,
            experiment_type TEXT NOT NULL DEFAULT 'generic',
            status TEXT NOT NULL
                CHECK (status IN ('running', 'completed', 'failed', 'interrupted')),
            config_json TEXT NOT NULL,
            master_seed BIGINT NOT NULL DEFAULT 0,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            finished_at TIMESTAMPTZ,
            final_cost BIGINT,
            best_cost BIGINT,
            converged BOOLEAN,
            convergence_reason TEXT,
            resume_count INTEGER NOT NULL DEFAULT 0,
            writer_host TEXT,
            writer_pid INTEGER,
            failure_reason TEXT,
            failed_llm_calls_json TEXT
        )""",
        "CREATE INDEX cashloop_runs_by_creation ON cashloop_runs (created_at, created_order)",
        """CREATE TABLE cashloop_events (
            run_id TEXT NOT NULL REFERENCES cashloop_runs (run_id),
            seq INTEGER NOT NULL CHECK (seq >= 0),
            iteration INTEGER NOT NULL,
            event_type TEXT NOT NULL,
            data_json TEXT NOT NULL,
            PRIMARY KEY (run_id, seq)
        )""",
        """CREATE TABLE cashloop_iterations (
            run_id TEXT NOT NULL REFERENCES cashloop_runs (run_id),
            iteration INTEGER NOT NULL CHECK (iteration >= 0),
            costs_json TEXT NOT NULL,
            accepted_json TEXT NOT NULL,
            policies_json TEXT NOT NULL,
            committed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            PRIMARY KEY (run_id, iteration)
        )""",
    ),
)

SCHEMA_VERSION: Final = len(MIGRATIONS)


def schema_version(conn: psycopg.Connection[tuple[Any, ...]]) -> int:
    """The database's schema version (0 for a database cashloop never used)."""
    row = conn.execute("SELECT to_regclass('cashloop_schema') IS NOT NULL").fetchone()
    if row is None or not row[0]:
        return 0
    found = conn.execute("SELECT max(version) FROM cashloop_schema").fetchone()
    return int(found[0]) if found is not None and found[0] is not None else 0


def migrate(conn: psycopg.Connection[tuple[Any, ...]]) -> int:
    """Apply the pending migrations in one transaction; return the version found before."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS cashloop_schema ("
            "version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        found = schema_version(conn)
        for version, statements in enumerate(MIGRATIONS, start=1):
            if version > found:
                for statement in statements:
                    conn.execute(statement)
                conn.execute("INSERT INTO cashloop_schema (version) VALUES (%s)", (version,))
    return found
