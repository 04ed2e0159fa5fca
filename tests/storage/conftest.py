"""Fixtures for the storage tests: a fresh database file, the real plugin object, a fresh
pluggy manager with the lifecycle specs (never a global one)."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import pluggy
import pytest

from cashloop.hookspecs import PROJECT_NAME, LifecycleSpecs
from cashloop.persistence import ExperimentRepository


def _load_plugin_package() -> None:
    """Work around a stale editable install: when ``pip install -e .`` ran while
    plugins/cashloop_sqlite was still empty, it is imported as a namespace package and its
    ``__init__`` never runs. Re-running ``pip install -e .`` makes this a no-op."""
    module = importlib.import_module("cashloop_sqlite")
    if getattr(module, "__file__", None) is not None:
        return
    folder = Path(next(iter(module.__path__)))
    spec = importlib.util.spec_from_file_location(
        "cashloop_sqlite", folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    assert spec is not None and spec.loader is not None
    real = importlib.util.module_from_spec(spec)
    sys.modules["cashloop_sqlite"] = real
    spec.loader.exec_module(real)


_load_plugin_package()

from cashloop_sqlite import SqliteOptions, SqliteStorageBackend  # noqa: E402


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "results" / "cashloop.db"


@pytest.fixture
def backend(db_path: Path) -> Iterator[SqliteStorageBackend]:
    storage = SqliteStorageBackend.from_options(SqliteOptions(path=db_path))
    yield storage
    storage.close()


@pytest.fixture
def repo(db_path: Path) -> Iterator[ExperimentRepository]:
    with ExperimentRepository(db_path) as repository:
        yield repository


@pytest.fixture
def lifecycle_pm(backend: SqliteStorageBackend) -> pluggy.PluginManager:
    """The backend registered the way the core registers it for a run."""
    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(LifecycleSpecs)
    pm.register(backend, name="storage:sqlite")
    pm.check_pending()
    return pm
