"""Durability modes: ``deferred`` syncs the WAL from a background thread, ``full`` in every commit;
the run's creation, final result and status changes are on disk before they return in both."""

from __future__ import annotations

import errno
import os
import sqlite3
import time
from pathlib import Path

import pytest
from storage_helpers import config_snapshot, direct_caller, replay_into, run_info, scripted_run

from cashloop.errors import ConfigError, StorageError
from cashloop.persistence import ExperimentRepository, wal_sync
from cashloop_sqlite import SqliteOptions, SqliteStorageBackend


def _synchronous(repo: ExperimentRepository) -> int:
    """SQLite's ``synchronous`` setting on the repository's connection (1 NORMAL, 2 FULL)."""
    return int(repo._db.read(lambda c: c.execute("PRAGMA synchronous").fetchone()[0], what="t"))


def _record(backend: SqliteStorageBackend, run_id: str = "run-d", iterations: int = 3) -> None:
    backend.create_run(run_info(run_id), config_snapshot())
    replay_into(scripted_run(iterations, run_id), direct_caller(backend, run_info(run_id)))


def _watch_fsync(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The inode of every file the WAL syncer flushes to disk."""
    synced: list[int] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(os.fstat(fd).st_ino)
        real_fsync(fd)

    monkeypatch.setattr(wal_sync.os, "fsync", fsync)
    return synced


def test_deferred_commits_are_flushed_to_disk_by_the_syncer(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced = _watch_fsync(monkeypatch)
    backend = SqliteStorageBackend(db_path)
    try:
        _record(backend)
        assert _synchronous(backend.repository) == 1  # commits do not wait for the disk
        backend.repository.flush()
        wal = Path(f"{db_path}-wal")
        assert synced, "no iteration commit was synced"
        assert set(synced) == {wal.stat().st_ino}
        backend.set_status("run-d", "completed")
    finally:
        backend.close()
    with sqlite3.connect(db_path) as raw:  # everything committed is there, in order
        seqs = [r[0] for r in raw.execute("SELECT seq FROM events WHERE run_id = 'run-d'")]
        assert seqs == list(range(len(seqs))) and len(seqs) > 10
        assert raw.execute("SELECT status FROM runs").fetchone()[0] == "completed"


def test_a_failed_sync_is_reported_with_the_file_and_what_it_means(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    backend = SqliteStorageBackend(db_path)
    try:
        backend.create_run(run_info("run-d"), config_snapshot())
        monkeypatch.setattr(wal_sync.os, "fsync", broken)
        backend.repository.append_events("run-d", [])  # an iteration's commit: not waited for
        with pytest.raises(StorageError) as caught:
            backend.repository.flush()
        message = str(caught.value)
        assert f"{db_path}-wal" in message
        assert "Input/output error" in message
        assert "power cut" in message
    finally:
        monkeypatch.undo()
        backend.close()


def test_full_durability_syncs_in_every_commit(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced = _watch_fsync(monkeypatch)
    backend = SqliteStorageBackend.from_options(SqliteOptions(path=db_path, durability="full"))
    try:
        _record(backend)
        assert _synchronous(backend.repository) == 2
        backend.repository.flush()
        assert synced == []  # SQLite syncs each commit itself; no thread is involved
    finally:
        backend.close()


def test_durable_writes_leave_the_connection_deferred(db_path: Path) -> None:
    with ExperimentRepository(db_path) as repo:
        repo.create_run(run_info("run-e"), config_snapshot())
        repo.set_status("run-e", "interrupted")
        assert _synchronous(repo) == 1


def test_unknown_durability_is_a_config_error_naming_the_key(db_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        SqliteStorageBackend.from_options(SqliteOptions(path=db_path, durability="sometimes"))
    assert "storage.durability: must be one of deferred, full" in str(caught.value)
    assert not db_path.exists()


def test_closing_waits_for_outstanding_syncs(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    finished: list[int] = []
    real_fsync = os.fsync

    def slow_fsync(fd: int) -> None:
        time.sleep(0.05)  # a slow disk: the sync is still running when close() is called
        real_fsync(fd)
        finished.append(fd)

    monkeypatch.setattr(wal_sync.os, "fsync", slow_fsync)
    backend = SqliteStorageBackend(db_path)
    _record(backend, iterations=1)
    syncer = backend.repository._db._syncer
    assert syncer is not None
    backend.close()
    assert finished
    assert syncer._done == syncer._requested
