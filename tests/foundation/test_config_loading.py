"""ExperimentConfig (DESIGN §5): every error at once with its path, --set overrides, paths."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cashloop.config import ExperimentConfig
from cashloop.config.overrides import parse_set_options
from cashloop.errors import ConfigError, UserError

MINIMAL = {"name": "x", "evaluator": {"type": "toy"}}


def _write(path: Path, data: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_every_mistake_is_reported_at_once_with_its_path(tmp_path):
    data = {
        **MINIMAL,
        "evaluation": {"num_samples": "many", "acceptance": {"rule": "vibes"}},
        "llm": {"type": "local-search", "max_retries": -1},
        "convergence": {"max_iterations": 0},
        "colour": "blue",
    }
    path = _write(tmp_path / "exp.yaml", data)
    with pytest.raises(ConfigError) as info:
        ExperimentConfig.from_yaml(path)
    errors = info.value.errors
    assert "evaluation.num_samples: expected int, got 'many'" in errors
    assert "llm.max_retries: must be >= 0" in errors
    assert "convergence.max_iterations: must be >= 1" in errors
    assert any(e.startswith("colour: unknown key; allowed: name, evaluator") for e in errors)
    assert info.value.source == str(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, UserError) and info.value.exit_code == 2


def test_a_missing_required_key_is_named():
    with pytest.raises(ConfigError) as info:
        ExperimentConfig.from_dict({"name": "x"})
    assert info.value.errors == ("evaluator: required key is missing",)


@pytest.mark.parametrize(
    ("key", "value", "where"),
    [
        ("optimized_agents", "BANK_A", "optimized_agents"),
        ("policy_constraints", {"allowed_fields": "balance"}, "policy_constraints.allowed_fields"),
        ("plugins", {"modules": "my_plugin"}, "plugins.modules"),
        ("validators", "bounds", "validators"),
        ("outputs", "console", "outputs"),
    ],
)
def test_a_single_text_where_a_list_belongs_is_an_error_not_a_list_of_letters(key, value, where):
    with pytest.raises(ConfigError) as info:
        ExperimentConfig.from_dict({**MINIMAL, key: value})
    text = value if isinstance(value, str) else next(iter(value.values()))
    assert info.value.errors == (
        f"{where}: expected a list, got the text '{text}'; write [{text}]",
    )


def test_a_list_of_texts_names_the_item_that_is_not_text():
    with pytest.raises(ConfigError) as info:
        ExperimentConfig.from_dict({**MINIMAL, "optimized_agents": ["BANK_A", {"id": 1}]})
    assert info.value.errors[0].startswith("optimized_agents[1]: expected str, got {")


@pytest.mark.parametrize(
    ("value", "shown"), [("weird", "'weird'"), (["full"], "['full']"), (True, "True")]
)
def test_a_value_outside_a_fixed_set_lists_the_allowed_ones(value, shown):
    from cashloop.converter import structure
    from cashloop_rtgs.options import RtgsOptions

    with pytest.raises(ConfigError) as info:
        structure({"scenario": "s.yaml", "sampling": value}, RtgsOptions, prefix="evaluator")
    assert info.value.errors == (
        f"evaluator.sampling: {shown} is not one of full, bootstrap-sandbox",
    )


def test_set_overrides_are_typed_as_yaml(tmp_path):
    path = _write(tmp_path / "exp.yaml", {**MINIMAL, "outputs": ["console"]})
    overrides = parse_set_options(
        [
            "evaluation.num_samples=7",
            "evaluation.acceptance.alpha=0.1",
            "optimized_agents=[BANK_A, BANK_B]",
            "outputs.0=silent",
            "llm.type=local-search",
            "storage.type=sqlite",
            "storage.path=db/runs.db",
            "description=3",
        ]
    )
    cfg = ExperimentConfig.from_yaml(path, overrides)
    assert cfg.evaluation.num_samples == 7
    assert cfg.evaluation.acceptance.alpha == 0.1
    assert cfg.optimized_agents == ("BANK_A", "BANK_B")
    assert [o.type for o in cfg.outputs] == ["silent"]
    assert cfg.storage.type == "sqlite" and cfg.storage.options == {"path": "db/runs.db"}


@pytest.mark.parametrize("key", ["storage", "evaluator", "executor"])
def test_a_component_mapping_without_type_is_a_path_error_not_a_crash(key):
    data = {**MINIMAL, key: {"path": "x.db"}}
    with pytest.raises(ConfigError) as info:
        ExperimentConfig.from_dict(data)
    (error,) = info.value.errors
    assert error.startswith(key) and "type" in error


def test_a_set_override_of_the_wrong_type_is_a_path_error(tmp_path):
    path = _write(tmp_path / "exp.yaml", MINIMAL)
    with pytest.raises(ConfigError) as info:
        ExperimentConfig.from_yaml(path, parse_set_options(["convergence.max_iterations=lots"]))
    assert info.value.errors == ("convergence.max_iterations: expected int, got 'lots'",)


def test_a_set_without_equals_sign_is_a_user_error():
    with pytest.raises(UserError, match="expected KEY=VALUE"):
        parse_set_options(["evaluation.num_samples"])


def test_relative_paths_are_kept_for_the_components_and_anchored_at_the_config_folder(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    path = _write(
        tmp_path / "configs" / "exp.yaml",
        {**MINIMAL, "evaluator": {"type": "toy", "scenario": "scenarios/a.yaml"}},
    )
    cfg = ExperimentConfig.from_yaml(Path("configs/exp.yaml"))
    assert cfg.config_dir == path.parent.resolve()
    assert cfg.config_dir.is_absolute()
    assert cfg.evaluator.options == {"scenario": "scenarios/a.yaml"}


def test_a_round_trip_through_the_stored_snapshot_gives_the_same_config(tmp_path):
    cfg = ExperimentConfig.from_dict(
        {**MINIMAL, "outputs": ["silent", {"type": "jsonl", "path": "e.jsonl"}]}, base_dir=tmp_path
    )
    again = ExperimentConfig.from_dict(cfg.to_dict())
    assert again == cfg
    assert again.config_dir == cfg.config_dir


def test_an_error_of_several_lines_stays_indented_under_its_bullet():
    error = ConfigError(["scenario: not valid YAML: expected ']'\n  in line 2:\n    a: [1"])
    lines = str(error).splitlines()
    assert lines[0] == "invalid configuration (1 error):"
    assert lines[1] == "  scenario: not valid YAML: expected ']'"
    assert all(line.startswith("    ") for line in lines[2:])
