"""One SQLite connection with the cashloop settings, checked before anything is written.

WAL lets other processes read a run while it is written; every write is one ``BEGIN IMMEDIATE``
transaction. Durability (``DURABILITY``): ``full`` syncs each commit to disk before it returns;
``deferred`` (the default) returns once the commit is in the WAL file, where a crash of the process
cannot lose it, and a :class:`WalSyncer` thread puts it on disk moments later, so only a power cut
or an operating-system crash at that moment can lose the last commits (the file stays consistent
either way). Writes marked ``durable`` (a run's creation, its final result, status changes) are
synced before they return in both modes.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Final, TypeVar, final

from cashloop.errors import StorageError
from cashloop.persistence.errors import (
    DatabasePathError,
    NotACashloopDatabaseError,
    SchemaTooNewError,
)
from cashloop.persistence.schema import APPLICATION_ID, SCHEMA_VERSION, migrate, schema_version
from cashloop.persistence.wal_sync import WalSyncer

__all__ = ["BUSY_TIMEOUT_SECONDS", "DURABILITY", "Database"]

#: How commits reach the disk: ``full`` (synced before returning) or ``deferred`` (module doc).
DURABILITY: Final = ("deferred", "full")

#: How long a write waits for another process's write transaction before failing.
BUSY_TIMEOUT_SECONDS: Final = 30.0

T = TypeVar("T")


@final
class Database:
    """A checked, migrated connection; ``read``/``write`` run actions under a lock and a
    transaction and turn SQLite failures into :class:`cashloop.errors.StorageError`."""

    __slots__ = ("_conn", "_lock", "_syncer", "path")

    def __init__(self, path: Path, *, create: bool = True, durability: str = "deferred") -> None:
        if durability not in DURABILITY:
            raise ValueError(f"durability must be one of {', '.join(DURABILITY)}")
        self.path = Path(path)
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = _open(self.path, create=create)
        self._syncer = WalSyncer(self.path) if durability == "deferred" else None
        if self._syncer is not None:
            self._conn.execute("PRAGMA synchronous = NORMAL")

    def read(self, action: Callable[[sqlite3.Connection], T], *, what: str) -> T:
        """Run ``action`` on one consistent snapshot of committed data."""
        with self._lock:
            conn = self._connection()
            try:
                if conn.in_transaction:
                    return action(conn)
                conn.execute("BEGIN")
                try:
                    return action(conn)
                finally:
                    conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise StorageError(f"{what} failed in {self.path}: {exc}") from exc

    def write(
        self, action: Callable[[sqlite3.Connection], T], *, what: str, durable: bool = False
    ) -> T:
        """Run ``action`` in one write transaction: all of it is committed, or none of it.
        ``durable`` writes are on disk when this returns, whatever the durability mode."""
        with self._lock:
            conn = self._connection()
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    result = action(conn)
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        with contextlib.suppress(sqlite3.Error):
                            conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise StorageError(f"{what} failed in {self.path}: {exc}") from exc
            if self._syncer is not None:
                self._syncer.request()
                if durable:
                    self._syncer.flush()
            return result

    def flush(self) -> None:
        """Wait until every commit is on disk (a no-op with ``durability: full``)."""
        if self._syncer is not None:
            self._syncer.flush()

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                try:
                    if self._syncer is not None:
                        self._syncer.close()
                finally:
                    self._conn.close()
                    self._conn = None

    @property
    def closed(self) -> bool:
        return self._conn is None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StorageError(f"the database {self.path} is closed")
        return self._conn


def _open(path: Path, *, create: bool) -> sqlite3.Connection:
    if path.is_dir():
        raise DatabasePathError(
            f"{path} is a directory; give the path of a database file, "
            f"such as {path / 'cashloop.db'}",
            path,
        )
    if not path.exists():
        if not create:
            raise DatabasePathError(
                f"no cashloop database at {path}; run an experiment first or pass --db", path
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabasePathError(f"cannot create the folder for {path}: {exc}", path) from exc
    try:
        conn = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error as exc:
        raise DatabasePathError(f"cannot open {path}: {exc}", path) from exc
    try:
        _check_identity(conn, path)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA journal_mode = WAL")
        if schema_version(conn) < SCHEMA_VERSION:
            # WAL with NORMAL never corrupts the file; the schema becomes durable with the first
            # FULL commit, whose sync covers every earlier frame of the WAL (until then a crash
            # leaves the file to be migrated again)
            conn.execute("PRAGMA synchronous = NORMAL")
            migrate(conn)
        conn.execute("PRAGMA synchronous = FULL")
    except sqlite3.OperationalError as exc:
        conn.close()
        if "unable to open" in str(exc):
            raise DatabasePathError(
                f"cannot open {path}: {exc}; check the path and its permissions", path
            ) from exc
        raise StorageError(f"cannot prepare the database {path}: {exc}") from exc
    except sqlite3.Error as exc:
        conn.close()
        raise StorageError(f"cannot prepare the database {path}: {exc}") from exc
    except BaseException:
        conn.close()
        raise
    return conn


_IDENTITY_QUERY = (
    "SELECT (SELECT application_id FROM pragma_application_id()),"
    " (SELECT user_version FROM pragma_user_version()),"
    " (SELECT count(*) FROM sqlite_master WHERE type = 'table')"
)


def _check_identity(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse foreign files and newer schemas before anything is written to them."""
    try:
        # one statement, so one snapshot: a file another process is creating right now reads
        # as empty or as complete, never as tables without the cashloop mark
        application_id, version, tables = (int(v) for v in conn.execute(_IDENTITY_QUERY).fetchone())
    except sqlite3.OperationalError:
        raise  # busy or I/O trouble, not a question of what the file is
    except sqlite3.DatabaseError as exc:
        raise NotACashloopDatabaseError(path, f"SQLite says: {exc}") from exc
    is_empty = application_id == 0 and version == 0 and tables == 0
    if is_empty:
        return
    if application_id != APPLICATION_ID:
        raise NotACashloopDatabaseError(path, "it is an SQLite database of another program")
    if version > SCHEMA_VERSION:
        raise SchemaTooNewError(path, version, SCHEMA_VERSION)
