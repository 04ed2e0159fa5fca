"""``cashloop validate`` finds what a run would trip over at its start, and ``cashloop run`` of an
invalid config reports every problem at once, storing nothing."""

from __future__ import annotations

from pathlib import Path

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
