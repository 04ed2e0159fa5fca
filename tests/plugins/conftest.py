"""Fail early, with the fix, when the editable install predates the plugin packages.

setuptools' editable finder records packages that had no ``__init__.py`` at install time as
namespace packages; their hooks (in ``__init__``) are then invisible to the entry points.
"""

from __future__ import annotations

import importlib.util

import pytest

_MINE = ("cashloop_bounds", "cashloop_local_search", "cashloop_executors")


def pytest_configure(config: pytest.Config) -> None:
    stale = []
    for name in _MINE:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            stale.append(name)
    if stale:
        raise pytest.UsageError(
            f"{', '.join(stale)} import as namespace packages: the editable install predates "
            "their __init__.py. Reinstall: .venv/bin/pip install --no-deps -e /work/main"
        )
