"""The ``postgres`` storage backend: runs from several machines in one PostgreSQL database.

Select it with ``--storage postgresql://USER@HOST:PORT/DBNAME`` or in a config::

    storage: {type: postgres, url: "postgresql://cashloop@db.example/cashloop",
              password_env: CASHLOOP_PG_PASSWORD}

psycopg is imported when the backend is built, never when cashloop starts.
"""

from __future__ import annotations

from cashloop.plugin import StorageBackendSpec, hookimpl
from cashloop_postgres.options import PostgresOptions

__all__ = ["PostgresOptions", "register_storage_backends"]


def _build(options: PostgresOptions) -> object:
    from cashloop_postgres.backend import PostgresStorage

    return PostgresStorage(options)


@hookimpl
def register_storage_backends() -> list[StorageBackendSpec]:
    return [
        StorageBackendSpec(
            name="postgres",
            factory=_build,
            options=PostgresOptions,
            description="PostgreSQL database (psycopg 3): one transaction per iteration, "
            "concurrent writers, watch woken by LISTEN/NOTIFY",
        )
    ]
