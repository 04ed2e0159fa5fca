"""Several processes: a reader follows a run while it is written; a killed writer loses at most
the iteration in flight and leaves a consistent, resumable database."""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from storage_helpers import (
    config_snapshot,
    direct_caller,
    iteration_calls,
    replay_into,
    run_info,
    scripted_run,
)

from cashloop.persistence import ExperimentRepository
from cashloop_sqlite import SqliteStorageBackend

HERE = Path(__file__).parent
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="uses SIGKILL")


def _spawn_writer(db_path: Path, run_id: str, mode: str) -> subprocess.Popen[str]:
    writer = subprocess.Popen(
        [sys.executable, str(HERE / "writer_process.py"), str(db_path), run_id, mode],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "STARTED"
    return writer


def _kill(writer: subprocess.Popen[str]) -> None:
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)


def _assert_whole_iterations_only(db_path: Path, run_id: str) -> int:
    """The stored run holds whole iterations: events end with an iteration_complete whose count
    matches the iteration rows, and seq numbers are contiguous. Returns the iteration count."""
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
        seqs = [r[0] for r in raw.execute("SELECT seq FROM events WHERE run_id = ?", (run_id,))]
    assert seqs == list(range(len(seqs)))
    with ExperimentRepository(db_path, create=False) as repo:
        snapshot = repo.load_run(run_id)
    types = [e["event_type"] for e in snapshot.events]
    iterations = snapshot.num_iterations
    assert snapshot.next_seq == len(types)
    assert types.count("iteration_complete") == iterations
    assert not types or types[-1] == "iteration_complete"
    return iterations


def test_another_process_reads_committed_data_while_a_write_is_in_progress(
    backend: SqliteStorageBackend, db_path: Path
) -> None:
    run = run_info()
    calls = scripted_run(3)
    backend.create_run(run, config_snapshot())
    committed = iteration_calls(calls, 2)
    # two whole iterations and the start of the third, still buffered
    replay_into(calls[: len(committed) + 3], direct_caller(backend, run))
    writer = sqlite3.connect(db_path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a write transaction open in the middle of a commit
    writer.execute("INSERT INTO events VALUES (?, 999, 3, 'iteration_start', '{}')", (run.run_id,))
    try:
        reader = subprocess.run(
            [sys.executable, str(HERE / "reader_process.py"), str(db_path), run.run_id[:6]],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert reader.returncode == 0, reader.stderr
    seen = json.loads(reader.stdout)
    assert seen["status"] == "running"
    assert seen["iterations"] == 2
    assert seen["runs"] == [run.run_id]
    assert len(seen["event_types"]) == sum(c.name == "record_event" for c in committed)
    assert seen["event_types"][-1] == "iteration_complete"


@posix_only
def test_killed_writer_loses_only_the_iteration_in_flight(db_path: Path) -> None:
    writer = _spawn_writer(db_path, "crash-run", "partial")
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "READY"
    _kill(writer)

    assert _assert_whole_iterations_only(db_path, "crash-run") == 3
    with ExperimentRepository(db_path) as repo:
        assert repo.get_run("crash-run").status == "running"  # nobody could mark it
        state = repo.resume_run("crash-run")  # the writer is dead, so the run is free
        assert (state.num_iterations, state.next_iteration) == (3, 4)
        assert state.events[-1]["iteration"] == 3


@posix_only
def test_writer_killed_at_a_random_moment_leaves_a_consistent_database(db_path: Path) -> None:
    writer = _spawn_writer(db_path, "busy-run", "endless")
    try:
        deadline = time.monotonic() + 60
        seen = 0
        while seen < 5 and time.monotonic() < deadline:
            seen = _assert_whole_iterations_only(db_path, "busy-run")  # read while it writes
        assert seen >= 5, "the writer did not make progress"
        time.sleep(random.uniform(0.0, 0.05))
    finally:
        _kill(writer)
    assert _assert_whole_iterations_only(db_path, "busy-run") >= seen
