"""The ``sqlite`` storage plugin (the default): runs in a local SQLite file, WAL mode.

The engine is imported when the backend is built, so a run on another backend never imports
``sqlite3``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from cashloop.hookspecs import hookimpl
from cashloop.specs import StorageBackendSpec
from cashloop_sqlite.options import DEFAULT_DB_PATH, SqliteOptions

if TYPE_CHECKING:
    from cashloop_sqlite.backend import SqliteStorageBackend


def _build(options: SqliteOptions) -> SqliteStorageBackend:
    from cashloop_sqlite.backend import SqliteStorageBackend

    return SqliteStorageBackend.from_options(options)


def __getattr__(name: str) -> Any:
    if name == "SqliteStorageBackend":
        from cashloop_sqlite.backend import SqliteStorageBackend

        return SqliteStorageBackend
    raise AttributeError(f"module 'cashloop_sqlite' has no attribute {name!r}")


__all__ = ["DEFAULT_DB_PATH", "SqliteOptions", "SqliteStorageBackend", "register_storage_backends"]


@hookimpl
def register_storage_backends() -> Iterable[StorageBackendSpec]:
    return [
        StorageBackendSpec(
            name="sqlite",
            factory=_build,
            options=SqliteOptions,
            description="SQLite file (WAL): every event, iteration and result; resumable",
        )
    ]
