"""Bad database paths and files are refused with a message naming the file; nothing is written."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from storage_helpers import config_snapshot, run_info

from cashloop.errors import UserError
from cashloop.persistence import (
    SCHEMA_VERSION,
    DatabasePathError,
    ExperimentRepository,
    NotACashloopDatabaseError,
    SchemaTooNewError,
)
from cashloop_sqlite import SqliteOptions, SqliteStorageBackend


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DatabasePathError, match="is a directory") as caught:
        ExperimentRepository(tmp_path)
    assert isinstance(caught.value, UserError)
    assert str(tmp_path) in str(caught.value)
    assert "cashloop.db" in str(caught.value)


def test_a_path_below_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "results").write_text("a file where a folder should be")
    with pytest.raises(DatabasePathError, match="results"):
        ExperimentRepository(tmp_path / "results" / "cashloop.db")


def test_a_text_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    notes = tmp_path / "notes.db"
    notes.write_text("these are my notes, not a database\n" * 50)
    before = _digest(notes)
    with pytest.raises(NotACashloopDatabaseError, match="is not a cashloop database") as caught:
        SqliteStorageBackend.from_options(SqliteOptions(path=notes))
    assert str(notes) in str(caught.value)
    assert "--db" in str(caught.value)
    assert _digest(notes) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]


def test_another_programs_sqlite_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    other = tmp_path / "app.sqlite"
    with sqlite3.connect(other) as raw:
        raw.execute("CREATE TABLE users (name TEXT)")
        raw.execute("INSERT INTO users VALUES ('ada')")
    raw.close()
    before = _digest(other)
    with pytest.raises(NotACashloopDatabaseError, match="another program"):
        ExperimentRepository(other)
    assert _digest(other) == before


def test_a_newer_schema_version_is_refused_and_left_untouched(db_path: Path) -> None:
    with ExperimentRepository(db_path) as repo:
        repo.create_run(run_info(), config_snapshot())
    with sqlite3.connect(db_path) as raw:
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    before = _digest(db_path)
    with pytest.raises(SchemaTooNewError) as caught:
        ExperimentRepository(db_path)
    message = str(caught.value)
    assert str(db_path) in message
    assert f"version {SCHEMA_VERSION + 1}" in message
    assert "upgrade cashloop" in message
    assert _digest(db_path) == before


def test_reading_a_missing_database_does_not_create_one(tmp_path: Path) -> None:
    missing = tmp_path / "typo.db"
    with pytest.raises(DatabasePathError, match="no cashloop database at"):
        ExperimentRepository(missing, create=False)
    assert not missing.exists()


def test_writing_creates_the_database_and_its_folder(tmp_path: Path) -> None:
    target = tmp_path / "results" / "nested" / "cashloop.db"
    with ExperimentRepository(target) as repo:
        assert repo.list_runs() == []
    assert target.is_file()


def test_an_empty_file_becomes_a_new_database(tmp_path: Path) -> None:
    empty = tmp_path / "fresh.db"
    empty.touch()
    with ExperimentRepository(empty) as repo:
        repo.create_run(run_info(), {})
        assert [r.run_id for r in repo.list_runs()] == [run_info().run_id]
