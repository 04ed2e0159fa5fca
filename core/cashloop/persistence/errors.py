"""Storage mistakes a user can fix; each message names the database file and what to do."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cashloop.errors import UserError

__all__ = [
    "AmbiguousRunIdError",
    "DatabasePathError",
    "DatabaseUserError",
    "NotACashloopDatabaseError",
    "RunNotResumableError",
    "SchemaTooNewError",
    "UnknownRunError",
]


class DatabaseUserError(UserError):
    """Base of every storage error caused by the user's input; carries the database path."""

    def __init__(self, message: str, db_path: Path) -> None:
        self.db_path = db_path
        super().__init__(message)


class DatabasePathError(DatabaseUserError):
    """The database path cannot hold a database (a directory, a missing file when reading)."""


class NotACashloopDatabaseError(DatabaseUserError):
    """The file exists but is not a cashloop database; it is left untouched."""

    def __init__(self, db_path: Path, detail: str) -> None:
        super().__init__(
            f"{db_path} is not a cashloop database ({detail}); "
            "choose another file with --db or storage.path",
            db_path,
        )


class SchemaTooNewError(DatabaseUserError):
    """The database was written by a newer cashloop; it is left untouched."""

    def __init__(self, db_path: Path, found: int, supported: int) -> None:
        self.found = found
        self.supported = supported
        super().__init__(
            f"{db_path} has database schema version {found}, but this cashloop supports up to "
            f"version {supported}; upgrade cashloop to read it",
            db_path,
        )


class UnknownRunError(DatabaseUserError):
    """No run matches the given id or id prefix."""

    def __init__(self, run_id: str, db_path: Path) -> None:
        self.run_id = run_id
        super().__init__(
            f"no run {run_id!r} in {db_path}; `cashloop runs` lists the stored runs", db_path
        )


class AmbiguousRunIdError(DatabaseUserError):
    """A run id prefix matches more than one run."""

    def __init__(self, prefix: str, matches: Sequence[str], db_path: Path) -> None:
        self.prefix = prefix
        self.matches = tuple(matches)
        shown = ", ".join(self.matches)
        super().__init__(
            f"run id prefix {prefix!r} matches several runs in {db_path} ({shown}); "
            "give more characters",
            db_path,
        )


class RunNotResumableError(DatabaseUserError):
    """The run cannot be resumed (it completed, or another process is still writing it)."""
