"""Schema migrations: a database written by an older cashloop is upgraded in place, data intact."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from cashloop.persistence import SCHEMA_VERSION, ExperimentRepository
from cashloop.persistence.schema import APPLICATION_ID, MIGRATIONS, migrate


def _write_version_1_database(path: Path) -> None:
    """A database as cashloop wrote it at schema version 1, with one interrupted run."""
    raw = sqlite3.connect(path, isolation_level=None)
    migrate(raw, target=1)
    raw.execute(
        "INSERT INTO runs (run_id, experiment_name, status, config_json, created_at, updated_at) "
        "VALUES ('old-run', 'legacy', 'interrupted', ?, '2025-01-01T00:00:00.000000+00:00', "
        "'2025-01-01T00:05:00.000000+00:00')",
        (json.dumps({"name": "legacy", "master_seed": 7}),),
    )
    events = [
        (0, 0, "experiment_start", {"experiment_name": "legacy", "max_iterations": 5}),
        (1, 1, "iteration_start", {"iteration": 1, "total_cost": 1000}),
        (2, 1, "iteration_complete", {"iteration": 1, "total_cost": 900}),
    ]
    for seq, iteration, event_type, data in events:
        raw.execute(
            "INSERT INTO events VALUES ('old-run', ?, ?, ?, ?)",
            (seq, iteration, event_type, json.dumps(data)),
        )
    raw.execute(
        "INSERT INTO iterations VALUES ('old-run', 0, ?, ?, ?, '2025-01-01T00:05:00+00:00')",
        (json.dumps({"A": 900}), json.dumps({"A": True}), json.dumps({"A": {"parameters": {}}})),
    )
    raw.close()


def _user_version(path: Path) -> int:
    with sqlite3.connect(path) as raw:
        return int(raw.execute("PRAGMA user_version").fetchone()[0])


def test_migrations_are_numbered_one_by_one() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, SCHEMA_VERSION + 1))


def test_a_version_1_database_is_migrated_and_its_runs_stay_readable(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _write_version_1_database(path)
    assert _user_version(path) == 1

    with ExperimentRepository(path) as repo:
        (run,) = repo.list_runs()
        assert (run.run_id, run.status, run.num_iterations) == ("old-run", "interrupted", 1)
        assert (run.master_seed, run.resume_count, run.writer_pid) == (0, 0, None)
        provider = repo.as_state_provider("old")
        assert [e["event_type"] for e in provider.get_all_events()] == [
            "experiment_start",
            "iteration_start",
            "iteration_complete",
        ]
        assert provider.get_iteration_costs(0) == {"A": 900}
        state = repo.resume_run("old-run")
        assert (state.num_iterations, state.next_seq) == (1, 3)
        assert repo.get_run("old-run").resume_count == 1

    assert _user_version(path) == SCHEMA_VERSION
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def test_opening_a_current_database_again_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "cur.db"
    ExperimentRepository(path).close()
    with ExperimentRepository(path) as first, ExperimentRepository(path) as second:
        assert first.list_runs() == second.list_runs() == []
    assert _user_version(path) == SCHEMA_VERSION
