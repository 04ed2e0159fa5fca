"""Choosing components by ``type:`` name and building them from options (DESIGN §2.1, §2.3)."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from cashloop.config import ExperimentConfig
from cashloop.errors import ConfigError, PluginError
from cashloop.host import PluginHost
from cashloop.plugin import EvaluatorSpec, OutputHandlerSpec
from cashloop.runner.components import build_outputs, build_storage
from cashloop.testing import run_component


@attrs.frozen(kw_only=True)
class _Options:
    path: Path
    level: int = 1
    nested_dir: Path = Path("nested")


def _spec(options: type | None = _Options) -> OutputHandlerSpec:
    return OutputHandlerSpec(name="probe", factory=lambda value: value, options=options)


def test_an_unknown_type_names_the_place_and_the_available_handlers(tmp_path):
    cfg = ExperimentConfig.from_dict(
        {"name": "x", "evaluator": "toy", "outputs": ["silent", "foo"]}, base_dir=tmp_path
    )
    host = PluginHost.load()
    with pytest.raises(PluginError) as info:
        build_outputs(cfg, host)
    available = ", ".join(host.registry.names("output"))
    assert str(info.value).startswith(
        f"unknown output handler 'foo' at outputs[1]; available: {available}"
    )
    assert {"console", "jsonl", "silent"} <= set(available.split(", "))


def test_options_are_structured_into_the_spec_options_class(tmp_path):
    built = run_component(_spec(), {"path": "log.txt", "level": 3}, base_dir=tmp_path)
    assert built == _Options(path=tmp_path / "log.txt", level=3, nested_dir=tmp_path / "nested")


def test_without_an_options_class_the_factory_gets_the_plain_dict():
    assert run_component(_spec(options=None), {"anything": [1, 2]}) == {"anything": [1, 2]}


def test_extra_and_mistyped_option_keys_are_errors_with_their_config_paths():
    with pytest.raises(ConfigError) as info:
        run_component(_spec(), {"path": "x", "level": "high", "colour": "red"}, where="outputs[2]")
    errors = info.value.errors
    assert "outputs[2]: unknown key(s) colour; allowed: path, level, nested_dir" in errors
    assert any(e.startswith("outputs[2].level: expected int") for e in errors)
    assert len(errors) == 2


def test_a_missing_required_option_is_reported_at_its_path():
    spec = EvaluatorSpec(name="probe", factory=lambda v: v, options=_Options)
    with pytest.raises(ConfigError) as info:
        run_component(spec, {})
    assert info.value.errors == ("evaluator.path: required key is missing",)


def test_path_options_resolve_against_the_config_folder_and_absolute_ones_stay(tmp_path):
    config_dir = tmp_path / "experiments"
    cfg = ExperimentConfig.from_dict(
        {
            "name": "x",
            "evaluator": "toy",
            "outputs": [{"type": "jsonl", "path": "logs/events.jsonl"}],
            "storage": {"type": "sqlite", "path": str(tmp_path / "abs.db")},
        },
        base_dir=config_dir,
    )
    host = PluginHost.load()
    options = host.registry.structure_options(
        "output", "jsonl", cfg.outputs[0].options, "outputs[0]", cfg.config_dir
    )
    assert options.path == config_dir.resolve() / "logs" / "events.jsonl"
    storage = build_storage(cfg, host)
    try:
        assert Path(storage.db_path) == tmp_path / "abs.db"
    finally:
        storage.close()


def test_a_component_factory_receives_the_options_of_its_own_item_only(tmp_path):
    cfg = ExperimentConfig.from_dict(
        {
            "name": "x",
            "evaluator": "toy",
            "outputs": ["silent", {"type": "jsonl", "path": "a.jsonl"}],
        },
        base_dir=tmp_path,
    )
    handlers = build_outputs(cfg, PluginHost.load())
    assert [name for name, _ in handlers] == ["output:silent#0", "output:jsonl#1"]
