"""Config options of the ``sqlite`` storage backend (``storage: {type: sqlite, path: ...}``)."""

from __future__ import annotations

from pathlib import Path

import attrs

__all__ = ["DEFAULT_DB_PATH", "SqliteOptions"]

DEFAULT_DB_PATH = Path("results/cashloop.db")


@attrs.frozen(kw_only=True)
class SqliteOptions:
    """``path``: the database file; a relative path is resolved against the config's folder."""

    path: Path = DEFAULT_DB_PATH
