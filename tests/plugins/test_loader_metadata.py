"""Per-run setup cost: the loader reads each distribution's metadata once, and YAML files are
parsed by libyaml when present, with the pure-Python parser's results and error messages."""

from __future__ import annotations

import importlib.metadata as md
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from cashloop.config.yaml_io import read_yaml_mapping
from cashloop.errors import ConfigError
from cashloop.loader import load_plugins
from cashloop.plugin_manager import new_plugin_manager
from cashloop.yaml_text import safe_load_text
from cashloop_rtgs.errors import ScenarioError
from cashloop_rtgs.scenario import load_scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
YAML_FILES = sorted(EXAMPLES.rglob("*.yaml"))

BAD_YAML = [
    "a: [1, 2\nb: 3\n",  # unclosed flow sequence
    "a: b: c\n",
    "a:\n  - 1\n - 2\n",
    'x: "unterminated\n',
    "a:\t1\n",  # libyaml would accept this tab; the pure-Python parser does not
    "a:\n\t- 1\n",
    "a: &x 1\nb: *y\n",  # libyaml's message would not name the alias
    "--- a\n--- b\n",
    "a: !!python/object:os.system x\n",
    "a: \x07\n",
    "a: \ud800\n",  # lone surrogate: libyaml cannot even encode it
]


def _pure_error(text: str) -> str:
    with pytest.raises(yaml.YAMLError) as info:
        yaml.load(text, Loader=yaml.SafeLoader)
    return str(info.value)


def test_each_distribution_metadata_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    reads: Counter[str] = Counter()
    original = md.Distribution.metadata

    def counting(self: md.Distribution) -> Any:
        reads[str(getattr(self, "_path", id(self)))] += 1
        return original.fget(self)  # type: ignore[attr-defined]

    with monkeypatch.context() as patch:
        patch.setattr(md.Distribution, "metadata", property(counting))
        records = load_plugins(new_plugin_manager())
    assert len(records) > 1
    assert reads and set(reads.values()) == {1}
    for record in records:  # still the name and version the distribution declares
        assert record.distribution is not None
        assert record.version == md.distribution(record.distribution).version


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: p.name)
def test_the_fast_parse_gives_the_same_data(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert safe_load_text(text) == yaml.load(text, Loader=yaml.SafeLoader)


@pytest.mark.parametrize("text", BAD_YAML)
def test_yaml_errors_are_the_pure_python_parser_s(text: str) -> None:
    with pytest.raises(yaml.YAMLError) as info:
        safe_load_text(text)
    assert str(info.value) == _pure_error(text)


def test_without_libyaml_the_pure_python_parser_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(yaml, "CSafeLoader")
    assert safe_load_text("a: [1, 2]\n") == {"a": [1, 2]}
    scenario = load_scenario(EXAMPLES / "scenarios" / "castro_exp2.yaml")
    assert scenario.agent_ids == ("BANK_A", "BANK_B")


def test_a_config_syntax_error_names_the_line_and_problem(tmp_path: Path) -> None:
    path = tmp_path / "exp.yaml"
    path.write_text("name: x\nevaluation: {mode: paired\nmaster_seed: 1\n")
    with pytest.raises(ConfigError) as info:
        read_yaml_mapping(path, what="experiment config")
    message = str(info.value)
    assert str(path) in message
    assert "YAML syntax error at line 3, column 12: expected ',' or '}', but got ':'" in message


@pytest.mark.parametrize("text", BAD_YAML[:4])
def test_a_scenario_syntax_error_quotes_the_line(tmp_path: Path, text: str) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.errors == (f"not valid YAML: {_pure_error(text)}",)
