"""Resume: an unfinished run continues under its own id from its last committed iteration."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from storage_helpers import (
    HookCall,
    HookCaller,
    config_snapshot,
    direct_caller,
    iteration_calls,
    live_provider,
    replay_into,
    run_info,
    scripted_run,
)

from cashloop.errors import UserError
from cashloop.persistence import RunNotResumableError
from cashloop_sqlite import SqliteStorageBackend


def _hook(backend: SqliteStorageBackend) -> HookCaller:
    return direct_caller(backend, run_info())


def _interrupted_run(backend: SqliteStorageBackend, calls: list[HookCall]) -> int:
    """Record two whole iterations and half of the third, then Ctrl-C; return the cut."""
    backend.create_run(run_info(), config_snapshot())
    cut = len(iteration_calls(calls, 2))
    replay_into(calls[: cut + 3], _hook(backend))
    backend.set_status(run_info().run_id, "interrupted")
    return cut


def test_load_for_resume_returns_committed_state(backend: SqliteStorageBackend) -> None:
    calls = scripted_run(4)
    cut = _interrupted_run(backend, calls)
    state = backend.repository.load_for_resume(run_info().run_id)
    expected = live_provider(calls[:cut], run_info(), config_snapshot())
    assert list(state.events) == list(expected.get_all_events())
    assert state.config_snapshot == config_snapshot()
    assert (state.num_iterations, state.next_iteration) == (2, 3)
    assert state.next_seq == len(state.events)
    assert state.iterations[1].costs_per_agent == expected.get_iteration_costs(1)
    assert state.iterations[1].policies == expected.get_iteration_policies(1)
    assert state.run.status == "interrupted"


def test_resumed_run_ends_identical_to_an_uninterrupted_one(
    backend: SqliteStorageBackend, db_path: Path
) -> None:
    calls = scripted_run(4)
    cut = _interrupted_run(backend, calls)
    state = backend.resume_run(run_info().run_id[:8])
    assert state.run_id == run_info().run_id
    assert backend.list_runs()[0].status == "running"
    replay_into(calls[cut:], _hook(backend))  # the loop re-executes iteration 3 deterministically
    backend.set_status(state.run_id, "completed")

    stored = backend.open_run(state.run_id)
    uninterrupted = live_provider(calls, run_info(), config_snapshot())
    assert list(stored.get_all_events()) == list(uninterrupted.get_all_events())
    assert stored.get_total_iterations() == 4
    assert stored.get_final_result() == uninterrupted.get_final_result()
    (record,) = backend.list_runs()
    assert (record.status, record.resume_count) == ("completed", 1)
    with sqlite3.connect(db_path) as raw:
        seqs = [r[0] for r in raw.execute("SELECT seq FROM events ORDER BY seq")]
    assert seqs == list(range(len(seqs)))


def test_a_run_that_committed_nothing_resumes_from_the_start(
    backend: SqliteStorageBackend,
) -> None:
    backend.create_run(run_info(), config_snapshot())
    replay_into(scripted_run(2)[:3], _hook(backend))
    backend.set_status(run_info().run_id, "failed")
    state = backend.resume_run(run_info().run_id)
    assert (state.events, state.iterations, state.next_seq, state.next_iteration) == ((), (), 0, 1)


def test_completed_run_is_not_resumable(backend: SqliteStorageBackend) -> None:
    backend.create_run(run_info(), config_snapshot())
    replay_into(scripted_run(1), _hook(backend))
    backend.set_status(run_info().run_id, "completed")
    with pytest.raises(RunNotResumableError, match="has completed") as caught:
        backend.resume_run(run_info().run_id)
    assert isinstance(caught.value, UserError)
    assert str(backend.db_path) in str(caught.value)
    assert backend.list_runs()[0].status == "completed"


def test_run_still_written_by_a_live_process_is_not_resumable(
    backend: SqliteStorageBackend, db_path: Path
) -> None:
    backend.create_run(run_info(), config_snapshot())
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with sqlite3.connect(db_path) as raw:
            raw.execute("UPDATE runs SET writer_pid = ?", (sleeper.pid,))
        with pytest.raises(RunNotResumableError, match=f"process {sleeper.pid}"):
            backend.repository.load_for_resume(run_info().run_id)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert backend.repository.load_for_resume(run_info().run_id).run.status == "running"
