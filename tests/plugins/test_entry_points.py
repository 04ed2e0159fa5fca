"""The three built-in plugins are found through the real ``cashloop`` entry points, and their
options structure from config data with the core's converter (extra keys are errors)."""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
from pathlib import Path
from typing import Any

import pluggy
import pytest

import cashloop.hookspecs
from cashloop.converter import structure
from cashloop.errors import ConfigError
from cashloop.plugin import ExecutorSpec, LLMClientSpec, PolicyConstraints, ValidatorSpec
from cashloop_bounds import BoundsOptions
from cashloop_executors import ProcessOptions, SerialOptions
from cashloop_local_search import LocalSearchOptions

MINE = {"bounds", "local-search", "executors"}


@pytest.fixture
def pm() -> pluggy.PluginManager:
    """A fresh manager holding only these three plugins, loaded from their entry points."""
    manager = pluggy.PluginManager(cashloop.hookspecs.PROJECT_NAME)
    manager.add_hookspecs(cashloop.hookspecs.RegistrationSpecs)
    found = {ep.name: ep for ep in importlib.metadata.entry_points(group="cashloop")}
    assert set(found) >= MINE
    for name in sorted(MINE):
        manager.register(found[name].load(), name)
    manager.check_pending()
    return manager


def _flat(results: list[Any]) -> list[Any]:
    return [spec for batch in results for spec in batch]


def test_hooks_are_found(pm: pluggy.PluginManager) -> None:
    validators = _flat(pm.hook.register_validators())
    clients = _flat(pm.hook.register_llm_clients())
    executors = _flat(pm.hook.register_executors())
    assert [(type(s), s.name) for s in validators] == [(ValidatorSpec, "bounds")]
    assert [(type(s), s.name) for s in clients] == [(LLMClientSpec, "local-search")]
    assert sorted(s.name for s in executors) == ["process", "serial"]
    assert all(isinstance(s, ExecutorSpec) for s in executors)


@pytest.mark.parametrize(
    "package", ["cashloop_bounds", "cashloop_executors", "cashloop_local_search"]
)
def test_a_plugin_never_imports_another_plugin(package: str) -> None:
    module = importlib.import_module(package)
    assert module.__file__ and module.__file__.endswith("__init__.py"), (
        f"{package} imports as a namespace package: the editable install predates its "
        "__init__.py; reinstall with .venv/bin/pip install --no-deps -e ."
    )
    for source in Path(module.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                roots = [node.module.split(".")[0]]
            else:
                continue
            others = [r for r in roots if r.startswith("cashloop_") and r != package]
            assert not others, f"{source.name} imports {others}"


def test_options_structure_from_config_data() -> None:
    bounds = structure(
        {
            "constraints": {
                "allowed_parameters": [
                    {
                        "name": "initial_liquidity_fraction",
                        "param_type": "float",
                        "min_value": 0.0,
                        "max_value": 1.0,
                    }
                ],
                "allowed_fields": ["balance"],
                "allowed_actions": {"payment_tree": ["Release", "Hold"]},
            }
        },
        BoundsOptions,
    )
    assert isinstance(bounds.constraints, PolicyConstraints)
    assert bounds.constraints.allowed_actions["payment_tree"] == ("Release", "Hold")
    assert structure({"grow": 3, "precision": 3}, LocalSearchOptions).grow == 3.0
    assert structure({"workers": 2, "start_method": "spawn"}, ProcessOptions).workers == 2
    assert structure({}, SerialOptions) == SerialOptions()


@pytest.mark.parametrize(
    ("cls", "data", "where"),
    [
        (LocalSearchOptions, {"temperature": 1}, "llm"),
        (ProcessOptions, {"threads": 2}, "executor"),
        (SerialOptions, {"workers": 2}, "executor"),
    ],
)
def test_extra_option_keys_are_config_errors(cls: type, data: dict[str, Any], where: str) -> None:
    with pytest.raises(ConfigError) as caught:
        structure(data, cls, prefix=where)
    assert caught.value.errors[0].startswith(f"{where}")
    assert "unknown key" in caught.value.errors[0]
