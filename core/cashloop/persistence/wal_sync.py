"""``WalSyncer``: flushes a database's write-ahead log to disk from a background thread.

With ``durability: deferred`` an iteration's commit returns once SQLite has appended it to the
WAL file (``synchronous=NORMAL``): from then on a crash of the process loses nothing of it. This
thread then asks the operating system to put the WAL on disk (``fsync``), so that a power cut or a
crash of the whole machine can lose at most the commits of the last moment, and never the
database's consistency (SQLite syncs the WAL itself before every checkpoint). The loop does not
wait for the disk; :meth:`flush` does, for the writes that must be on disk when they return (a
run's creation, its final result, status changes).

Syncs are paced: at most one per ``interval`` (50 ms), covering every commit made before it
started. A commit is therefore on disk within about ``interval`` plus one sync, and the thread
wakes a few times per interval at most (each wake-up has to take Python's interpreter lock from
the loop, which costs the loop more than the sync itself when it happens every iteration).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Final, final

from cashloop.errors import StorageError

__all__ = ["SYNC_INTERVAL_SECONDS", "WalSyncer"]

#: The shortest time between two syncs of the WAL.
SYNC_INTERVAL_SECONDS: Final = 0.05


@final
class WalSyncer:
    """Syncs ``<database>-wal`` after each :meth:`request`, one sync covering every request
    made before it started. A failed sync is reported once, by the next :meth:`flush` or
    :meth:`request`."""

    __slots__ = (
        "_closed",
        "_done",
        "_error",
        "_hurry",
        "_idle",
        "_requested",
        "_thread",
        "_wake",
        "db_path",
        "interval",
    )

    def __init__(self, db_path: Path, interval: float = SYNC_INTERVAL_SECONDS) -> None:
        self.db_path = db_path
        self.interval = interval
        self._wake = threading.Condition()
        self._requested = 0
        self._done = 0
        self._error: OSError | None = None
        self._closed = False
        self._hurry = False  # someone waits in flush() or close(): no pause before the next sync
        self._idle = False  # the thread waits for a request (rather than pausing between syncs)
        self._thread: threading.Thread | None = None

    def request(self) -> None:
        """Ask for a sync of everything committed so far; returns at once."""
        with self._wake:
            self._raise_failure()
            if self._closed:
                raise StorageError(f"the database {self.db_path} is closed")
            self._requested += 1
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._serve, name="cashloop-wal-sync", daemon=True
                )
                self._thread.start()
            elif self._idle:  # a pausing thread looks again when its pause ends
                self._wake.notify_all()

    def flush(self) -> None:
        """Wait until every requested sync is done (raises a sync failure as StorageError)."""
        with self._wake:
            self._hurry = True
            self._wake.notify_all()
            try:
                while self._done < self._requested and self._error is None:
                    self._wake.wait()
            finally:
                self._hurry = False
            self._raise_failure()

    def close(self) -> None:
        """Finish outstanding syncs and stop the thread."""
        with self._wake:
            self._closed = self._hurry = True
            self._wake.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join()

    def _serve(self) -> None:
        while True:
            with self._wake:
                self._idle = True
                while self._done >= self._requested and not self._closed:
                    self._wake.wait()
                self._idle = False
                if self._done >= self._requested:  # closed, nothing left to sync
                    return
                target = self._requested
            error = self._sync()
            with self._wake:
                if error is not None and self._error is None:
                    self._error = error
                self._done = target
                self._wake.notify_all()
                if not self._hurry:  # pace the syncs (see the module docstring)
                    self._wake.wait_for(lambda: self._hurry, self.interval)

    @property
    def wal_path(self) -> Path:
        return Path(f"{self.db_path}-wal")

    def _sync(self) -> OSError | None:
        try:
            fd = os.open(self.wal_path, os.O_RDONLY)
        except FileNotFoundError:
            return None  # checkpointed and removed by SQLite: its content is in the database
        except OSError as exc:
            return exc
        try:
            os.fsync(fd)
        except OSError as exc:
            return exc
        finally:
            os.close(fd)
        return None

    def _raise_failure(self) -> None:
        """Report a failed sync, once (later syncs are tried afresh)."""
        error, self._error = self._error, None
        if error is not None:
            raise StorageError(
                f"could not flush {self.wal_path} to disk: {error}; the last committed "
                "iterations may not survive a power cut (the database stays consistent)"
            )
