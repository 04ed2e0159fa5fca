"""ExperimentRepository: what is stored is what reads back, in order, whole iterations only."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from storage_helpers import (
    config_snapshot,
    direct_caller,
    iteration_calls,
    live_provider,
    replay_into,
    run_info,
    scripted_run,
)

from cashloop.errors import StorageError, UserError
from cashloop.persistence import (
    AmbiguousRunIdError,
    ExperimentRepository,
    RunRecord,
    UnknownRunError,
)
from cashloop_sqlite import SqliteStorageBackend


def _record_run(backend: SqliteStorageBackend, run_id: str, iterations: int = 2) -> None:
    backend.create_run(run_info(run_id), config_snapshot())
    replay_into(scripted_run(iterations, run_id), direct_caller(backend, run_info(run_id)))
    backend.set_status(run_id, "completed")


def test_seq_numbers_are_per_run_zero_based_and_contiguous(
    backend: SqliteStorageBackend, db_path: Path
) -> None:
    _record_run(backend, "run-a", iterations=2)
    _record_run(backend, "run-b", iterations=3)
    with sqlite3.connect(db_path) as raw:
        for run_id in ("run-a", "run-b"):
            seqs = [r[0] for r in raw.execute("SELECT seq FROM events WHERE run_id = ?", (run_id,))]
            assert seqs == list(range(len(seqs)))
    events = list(backend.open_run("run-b").get_all_events())
    assert events[0]["event_type"] == "experiment_start"
    assert [e["event_type"] for e in events[-3:]] == [
        "iteration_complete",
        "convergence",
        "experiment_end",
    ]
    assert [e["iteration"] for e in events] == sorted(e["iteration"] for e in events)


def test_event_key_order_and_values_survive_storage(backend: SqliteStorageBackend) -> None:
    _record_run(backend, "run-a")
    live = live_provider(scripted_run(2, "run-a"), run_info("run-a"), config_snapshot())
    for stored, expected in zip(
        backend.open_run("run-a").get_all_events(), live.get_all_events(), strict=True
    ):
        assert list(stored) == list(expected)  # key order, not just equality
        assert stored == expected


def test_config_snapshot_is_stored_exactly_as_given(repo: ExperimentRepository) -> None:
    snapshot = config_snapshot()
    repo.create_run(run_info(), snapshot)
    stored = repo.get_config_snapshot(run_info().run_id)
    assert stored == snapshot
    assert list(stored) == list(snapshot)
    assert list(stored["zeta_before_alpha"]) == ["z", "a"]
    assert repo.as_state_provider(run_info().run_id).get_experiment_info()["config"] == snapshot


def test_experiment_info_of_a_stored_run(repo: ExperimentRepository) -> None:
    repo.create_run(run_info(), config_snapshot())
    info = repo.as_state_provider(run_info().run_id).get_experiment_info()
    assert info["experiment_name"] == "castro-exp2"
    assert info["experiment_type"] == "generic"
    assert info["run_id"] == run_info().run_id
    assert info["status"] == "running"
    assert info["created_at"].startswith("20")


def test_final_result_is_none_until_the_run_finishes(backend: SqliteStorageBackend) -> None:
    run = run_info()
    calls = scripted_run(2)
    backend.create_run(run, config_snapshot())
    replay_into(iteration_calls(calls, 2), direct_caller(backend, run))
    assert backend.open_run(run.run_id).get_final_result() is None
    replay_into(calls[len(iteration_calls(calls, 2)) :], direct_caller(backend, run))
    assert backend.open_run(run.run_id).get_final_result() == {
        "final_cost": 194_001,
        "best_cost": 194_001,
        "converged": False,
        "convergence_reason": "max_iterations",
    }
    assert backend.list_runs()[0].status == "completed"


def test_list_runs_newest_first_with_limit(backend: SqliteStorageBackend) -> None:
    for run_id in ("run-1", "run-2", "run-3"):
        _record_run(backend, run_id, iterations=1)
    backend.set_status("run-2", "failed")  # finished runs stay completed
    runs = backend.list_runs()
    assert [r.run_id for r in runs] == ["run-3", "run-2", "run-1"]
    assert [r.run_id for r in backend.list_runs(limit=2)] == ["run-3", "run-2"]
    first = runs[0]
    assert isinstance(first, RunRecord)
    assert (first.status, first.num_iterations, first.converged) == ("completed", 1, False)
    assert (first.final_cost, first.best_cost) == (194_001, 194_001)
    assert first.convergence_reason == "max_iterations"
    assert runs[1].status == "completed"


def test_run_ids_can_be_abbreviated_to_a_unique_prefix(repo: ExperimentRepository) -> None:
    repo.create_run(run_info("3f9a21-x"), {})
    repo.create_run(run_info("3f9b77-y"), {})
    assert repo.get_run("3f9a").run_id == "3f9a21-x"
    assert repo.as_state_provider("3f9b").run_id == "3f9b77-y"
    with pytest.raises(AmbiguousRunIdError, match=r"'3f9'.*3f9a21-x, 3f9b77-y"):
        repo.get_run("3f9")


def test_unknown_run_id_names_the_id_and_the_database(repo: ExperimentRepository) -> None:
    with pytest.raises(UnknownRunError) as caught:
        repo.get_run("nope")
    assert isinstance(caught.value, UserError)
    assert "'nope'" in str(caught.value)
    assert str(repo.db_path) in str(caught.value)
    with pytest.raises(UnknownRunError):
        repo.as_state_provider("")


def test_failed_run_keeps_only_whole_iterations(backend: SqliteStorageBackend) -> None:
    run = run_info()
    calls = scripted_run(3)
    backend.create_run(run, config_snapshot())
    committed = iteration_calls(calls, 2)
    replay_into(calls[: len(committed) + 4], direct_caller(backend, run))
    backend.set_status(run.run_id, "failed")
    stored = backend.open_run(run.run_id)
    events = list(stored.get_all_events())
    assert events == list(live_provider(committed, run, config_snapshot()).get_all_events())
    assert events[-1]["event_type"] == "iteration_complete"
    assert stored.get_total_iterations() == 2
    assert backend.list_runs()[0].status == "failed"


def test_iteration_is_one_transaction(backend: SqliteStorageBackend) -> None:
    """If the iteration row cannot be written, none of its events are committed either."""
    run = run_info()
    calls = scripted_run(2)
    backend.create_run(run, config_snapshot())
    first = iteration_calls(calls, 1)
    replay_into(first, direct_caller(backend, run))
    before = len(list(backend.open_run(run.run_id).get_all_events()))
    backend.record_event(1, "iteration_start", {"iteration": 2}, run)
    with pytest.raises(StorageError, match="committing iteration 0"):
        backend.record_iteration(0, {"BANK_A": 1}, {}, {}, run)  # iteration 0 already stored
    assert len(list(backend.open_run(run.run_id).get_all_events())) == before


def test_stored_events_cannot_be_rewritten(backend: SqliteStorageBackend, db_path: Path) -> None:
    _record_run(backend, "run-a", iterations=1)
    with sqlite3.connect(db_path) as raw, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute("UPDATE events SET event_type = 'x'")
    with sqlite3.connect(db_path) as raw, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute("DELETE FROM events")


def test_database_is_in_wal_mode(repo: ExperimentRepository, db_path: Path) -> None:
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_closed_repository_fails_loudly(db_path: Path) -> None:
    repo = ExperimentRepository(db_path)
    repo.close()
    with pytest.raises(StorageError, match="closed"):
        repo.list_runs()
