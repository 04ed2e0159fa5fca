"""A real PostgreSQL server for the whole session, one fresh database per test."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest
from pg_server import REQUIRE_ENV, PostgresServer, find_binaries

_names = itertools.count()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    try:
        import cashloop_postgres  # noqa: F401 - the distribution under test must be installed
    except ImportError:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(
                "cashloop-postgres is not installed (pip install -e contrib/cashloop-postgres)"
            )
        pytest.skip("cashloop-postgres is not installed (pip install -e contrib/cashloop-postgres)")
    binaries = find_binaries()
    if binaries is None:
        message = "PostgreSQL server binaries (initdb, pg_ctl) are not installed"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{message}, and {REQUIRE_ENV}=1 requires them")
        pytest.skip(f"{message} (apt-get install postgresql)")
    server = PostgresServer(binaries)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: PostgresServer) -> str:
    """The URL of a new, empty database."""
    return pg_server.create_database(f"kit_{os.getpid()}_{next(_names)}")
