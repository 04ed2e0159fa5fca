"""``cashloop validate`` finds what a run would trip over at its start, and ``cashloop run`` of an
invalid config reports every problem at once, storing nothing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from foundation_helpers import ROOT

SCENARIO = ROOT / "examples" / "scenarios" / "castro_exp1.yaml"


def _config(tmp_path: Path, text: str) -> Path:
    config = tmp_path / "exp.yaml"
    config.write_text(text)
    return config


def _rtgs_config(tmp_path: Path, extra: str) -> Path:
    """A config of the rtgs evaluator on Castro's first scenario, with ``extra`` lines."""
    return _config(tmp_path, f"name: x\nevaluator: {{type: rtgs, scenario: {SCENARIO}}}\n{extra}")


def test_validate_reports_a_missing_scenario_file_with_the_config_field(cli, tmp_path):
    config = _config(tmp_path, "name: x\nevaluator: {type: rtgs, scenario: nope.yaml}\n")
    result = cli("validate", str(config))
    assert result.exit_code == 2
    assert f"invalid configuration in {config} (1 error)" in result.stderr
    missing = tmp_path / "nope.yaml"
    assert f"evaluator: {missing}: cannot read the scenario file" in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_names_the_scenario_file_and_path_of_a_mistake_inside_it(cli, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(SCENARIO.read_text().replace("num_days: 1", "num_days: one"))
    config = _config(tmp_path, "name: x\nevaluator: {type: rtgs, scenario: broken.yaml}\n")
    result = cli("validate", str(config))
    assert result.exit_code == 2
    assert f"evaluator: {broken}: simulation.num_days: expected int" in result.stderr


def test_validate_reports_an_optimized_agent_the_evaluator_does_not_have(cli, tmp_path):
    config = _rtgs_config(tmp_path, "optimized_agents: [BANK_A, BANK_Q]\n")
    result = cli("validate", str(config))
    assert result.exit_code == 2
    assert "optimized_agents[1]: unknown agent 'BANK_Q'; the evaluator has BANK_A, BANK_B" in (
        result.stderr
    )


def test_run_of_an_invalid_config_lists_every_problem_and_stores_nothing(cli, tmp_path):
    config = _config(
        tmp_path,
        "name: x\nevaluator: {type: rtgs, scenario: nope.yaml}\n"
        "evaluation: {num_samples: 0}\nllm: {type: gpt}\n",
    )
    db = tmp_path / "runs.db"
    result = cli("run", str(config), "--db", str(db))
    assert result.exit_code == 2
    assert "(3 errors)" in result.stderr
    assert "evaluation.num_samples: must be >= 1" in result.stderr
    assert "unknown LLM client 'gpt' at llm" in result.stderr
    assert "cannot read the scenario file" in result.stderr
    assert not db.exists()


def test_run_of_a_config_whose_components_fail_to_build_lists_every_problem(cli, tmp_path):
    # the config's own values are valid: the problems show only when components are built
    config = _config(
        tmp_path, "name: x\nevaluator: {type: rtgs, scenario: nope.yaml}\nllm: {type: gpt}\n"
    )
    db = tmp_path / "runs.db"
    result = cli("run", str(config), "--db", str(db))
    assert result.exit_code == 2
    assert f"invalid configuration in {config} (2 errors)" in result.stderr
    assert "unknown LLM client 'gpt' at llm" in result.stderr
    assert "cannot read the scenario file" in result.stderr
    assert "Traceback" not in result.stderr
    assert not db.exists()


def test_run_of_an_unknown_agent_names_the_config_file(cli, tmp_path):
    config = _rtgs_config(tmp_path, "optimized_agents: [BANK_Q]\n")
    result = cli("run", str(config), "--db", str(tmp_path / "runs.db"))
    assert result.exit_code == 2
    assert f"invalid configuration in {config} (1 error)" in result.stderr
    assert "optimized_agents[0]: unknown agent 'BANK_Q'" in result.stderr


def test_validate_of_malformed_plugin_lists_reports_them_without_a_traceback(cli, tmp_path):
    config = _rtgs_config(tmp_path, "plugins: {modules: 3, disabled: [1, 2]}\n")
    result = cli("validate", str(config))
    assert result.exit_code == 2
    assert "plugins.modules: expected a list, got 3" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_reports_a_missing_api_key_together_with_the_configs_problems(
    cli, tmp_path, monkeypatch
):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    config = _rtgs_config(tmp_path, "optimized_agents: [BANK_Q]\n")
    db = tmp_path / "runs.db"
    result = cli("run", str(config), "--db", str(db), "--llm", "openai:gpt-4.1")
    assert result.exit_code == 2
    assert f"invalid configuration in {config} (2 errors)" in result.stderr
    assert "optimized_agents[0]: unknown agent 'BANK_Q'" in result.stderr
    assert "needs an API key in the environment variable OPENAI_API_KEY" in result.stderr
    assert not db.exists()


INHOUSE_EVALUATORS = """
import attrs
from cashloop.plugin import EvaluatorSpec, hookimpl


@attrs.frozen(kw_only=True)
class Options:
    mode: str = "a"


def crashes(options):
    raise RuntimeError("factory exploded")


@hookimpl
def register_evaluators():
    return [EvaluatorSpec(name="crashes", factory=crashes, options=Options)]
"""


@pytest.fixture
def inhouse(tmp_path, monkeypatch):
    """A folder on sys.path for in-house plugin modules written by a test."""
    folder = tmp_path / "inhouse"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    written: list[str] = []

    def write(name: str, text: str) -> None:
        (folder / f"{name}.py").write_text(text)
        written.append(name)

    yield write
    for name in written:
        sys.modules.pop(name, None)


@pytest.mark.parametrize("command", ["validate", "run"])
def test_an_evaluator_whose_factory_crashes_is_one_problem_among_the_others(
    cli, tmp_path, inhouse, command
):
    inhouse("crashing_evaluator", INHOUSE_EVALUATORS)
    config = _config(
        tmp_path,
        "name: x\nplugins: {modules: [crashing_evaluator]}\nevaluator: {type: crashes}\n"
        "evaluation: {num_samples: 0}\n",
    )
    extra = ("--db", str(tmp_path / "x.db")) if command == "run" else ()
    result = cli(command, str(config), *extra)
    assert result.exit_code == 2
    assert "(2 errors)" in result.stderr
    assert "evaluation.num_samples: must be >= 1" in result.stderr
    assert "evaluator: 'crashes' could not be built (RuntimeError: factory exploded)" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr


def test_an_inhouse_module_that_fails_to_import_is_reported_with_the_configs_problems(
    cli, tmp_path, inhouse
):
    inhouse("explodes_on_import", "raise RuntimeError('kaboom at import')\n")
    config = _rtgs_config(
        tmp_path, "plugins: {modules: [explodes_on_import]}\nevaluation: {num_samples: 0}\n"
    )
    result = cli("validate", str(config))
    assert result.exit_code == 2
    assert "evaluation.num_samples: must be >= 1" in result.stderr
    assert (
        "plugins.modules: in-house plugin module 'explodes_on_import' failed while importing "
        "(RuntimeError: kaboom at import)"
    ) in result.stderr
    assert "Traceback" not in result.stderr


def test_option_checks_of_a_component_show_in_validate_and_beside_other_problems_in_run(
    cli, tmp_path
):
    config = _rtgs_config(
        tmp_path, "optimized_agents: [BANK_A, BANK_Z]\nexecutor: {type: process, workers: 0}\n"
    )
    for result in (
        cli("validate", str(config)),
        cli("run", str(config), "--db", str(tmp_path / "x.db")),
    ):
        assert result.exit_code == 2
        assert f"invalid configuration in {config} (2 errors)" in result.stderr
        assert "optimized_agents[1]: unknown agent 'BANK_Z'" in result.stderr
        assert "executor.workers: must be >= 1" in result.stderr


@pytest.mark.parametrize("section", ["evaluation", "convergence", "plugins", "budget"])
def test_a_list_where_a_section_belongs_is_a_path_error_not_a_traceback(cli, tmp_path, section):
    config = _rtgs_config(tmp_path, f"{section}: [1, 2]\n")
    result = cli("validate", str(config))
    assert result.exit_code == 2
    assert f"{section}: expected a mapping of keys (name: value)" in result.stderr
    assert "Traceback" not in result.stderr


def test_llm_options_without_a_type_are_checked_as_the_default_proposers(cli, tmp_path):
    config = _rtgs_config(tmp_path, "llm: {temperature: 0.5}\n")
    result = cli("validate", str(config))
    assert result.exit_code == 2
    assert "llm: unknown key(s) temperature" in result.stderr


@pytest.mark.parametrize(
    ("llm", "problem"),
    [
        ("{type: openai, model: gpt-4.1, temperature: 5}", "llm.temperature: must be <= 2.0"),
        ("{type: anthropic, model: claude, temperature: 1.5}", "llm.temperature: must be <= 1.0"),
        ("{type: local-search, grow: 0.5}", "llm.grow: must be >= 1"),
        ("{type: openai, model: m, base_url: ftp://x}", "llm.base_url: must start with http"),
    ],
)
def test_validate_reports_llm_option_values_without_building_the_client(
    cli, tmp_path, monkeypatch, llm, problem
):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)  # validate never needs the key
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    result = cli("validate", str(_rtgs_config(tmp_path, f"llm: {llm}\n")))
    assert result.exit_code == 2
    assert problem in result.stderr
