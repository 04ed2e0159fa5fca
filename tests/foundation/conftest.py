"""Fixtures of the foundation tests: fake plugin distributions put on the path one case at a time,
the in-house toy evaluator, and the CLI run in-process with CliRunner's stream isolation."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from types import ModuleType

import pytest
import structlog
from click.testing import CliRunner
from foundation_helpers import FAKE_CASES, FAKE_SITE, INHOUSE, CliResult


@pytest.fixture(autouse=True)
def _clean_plugin_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's plugin switches; the loader's once-per-process warning memory
    starts empty so each test sees its own warnings."""
    monkeypatch.delenv("CASHLOOP_STRICT_PLUGINS", raising=False)
    monkeypatch.delenv("CASHLOOP_DISABLE_PLUGINS", raising=False)
    monkeypatch.setattr("cashloop.loader._warned", set())


@pytest.fixture
def fake_case(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Put one fake distribution (``ok``, ``import_error``, ...) on ``sys.path`` for this test."""
    added: list[str] = []

    def use(case: str) -> None:
        monkeypatch.syspath_prepend(str(FAKE_SITE / case))
        importlib.invalidate_caches()
        added.append(FAKE_CASES[case][1])

    yield use
    for module in added:
        sys.modules.pop(module, None)
    importlib.invalidate_caches()


@pytest.fixture
def toy_on_path(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Make ``toy_evaluator`` importable (config ``plugins.modules: [toy_evaluator]``)."""
    monkeypatch.syspath_prepend(str(INHOUSE))
    yield
    sys.modules.pop("toy_evaluator", None)


@pytest.fixture
def cli() -> Iterator[Callable[..., CliResult]]:
    """Run ``cashloop.cli.main.main(argv)`` in-process with CliRunner's stream isolation."""
    from cashloop.cli.main import main

    saved = structlog.get_config()

    def invoke(*args: str) -> CliResult:
        runner = CliRunner()
        with runner.isolation() as (out, err, _):
            code = main(list(args))
            stdout, stderr = out.getvalue().decode(), err.getvalue().decode()
        return CliResult(exit_code=code, stdout=stdout, stderr=stderr)

    yield invoke
    structlog.configure(**saved)  # main() pointed structlog at the isolated (now closed) stderr


@pytest.fixture
def toy(toy_on_path: None) -> ModuleType:
    """The ``toy_evaluator`` module itself."""
    return importlib.import_module("toy_evaluator")
