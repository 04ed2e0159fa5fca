"""Config options of the ``sqlite`` storage backend (``storage: {type: sqlite, path: ...}``)."""

from __future__ import annotations

from pathlib import Path

import attrs

__all__ = ["DEFAULT_DB_PATH", "SqliteOptions"]

DEFAULT_DB_PATH = Path("results/cashloop.db")

#: the durability levels (those of ``cashloop.persistence.database``; kept here so reading the
#: options does not import ``sqlite3``)
DURABILITY = ("deferred", "full")


@attrs.frozen(kw_only=True)
class SqliteOptions:
    """``path``: the database file; a relative path is resolved against the config's folder.

    ``durability``: ``deferred`` (default) commits each iteration to the write-ahead log, where a
    crash of the process cannot lose it, and syncs it to disk from a background thread, so the
    loop never waits for the disk; a power cut can then lose the last iteration or two, never the
    database's consistency. ``full`` syncs every commit before the loop goes on (about a
    millisecond per iteration on an SSD, more on network disks)."""

    path: Path = DEFAULT_DB_PATH
    durability: str = "deferred"

    def problems(self) -> list[str]:
        """Every invalid option as ``name: message`` (empty when valid)."""
        if self.durability not in DURABILITY:
            return [f"durability: must be one of {', '.join(DURABILITY)}, not {self.durability!r}"]
        return []
