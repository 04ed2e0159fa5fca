"""The ``sqlite`` storage plugin (the default): runs in a local SQLite file, WAL mode."""

from __future__ import annotations

from collections.abc import Iterable

from cashloop.hookspecs import hookimpl
from cashloop.specs import StorageBackendSpec
from cashloop_sqlite.backend import SqliteStorageBackend
from cashloop_sqlite.options import DEFAULT_DB_PATH, SqliteOptions

__all__ = ["DEFAULT_DB_PATH", "SqliteOptions", "SqliteStorageBackend", "register_storage_backends"]


@hookimpl
def register_storage_backends() -> Iterable[StorageBackendSpec]:
    return [
        StorageBackendSpec(
            name="sqlite",
            factory=SqliteStorageBackend.from_options,
            options=SqliteOptions,
            description="SQLite file (WAL): every event, iteration and result; resumable",
        )
    ]
