"""``validate`` refuses, naming the field, every value ``run`` would crash on or refuse."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostile.hostile_helpers import cli, write_config


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("master_seed=.inf", "master_seed: must be a whole number, got inf"),
        ("master_seed=9223372036854775808", "master_seed: must be between 0 and 2**63 - 1"),
        ("evaluation.num_samples=1000000000", "evaluation.num_samples: must be <= 100,000"),
        ("llm.max_retries=.nan", "llm.max_retries: must be a whole number, got nan"),
        ("llm.type=0.5", "'type' must be a component name, got 0.5"),
        ("optimized_agents=[.nan]", "optimized_agents[0]: expected str"),
        ("convergence.stability_threshold=.nan", "convergence.stability_threshold: must be a"),
        ("budget.max_usd=5", "budget.max_usd: cannot be enforced without a price"),
        ("llm.max_policy_depth=0", "llm.max_policy_depth: must be >= 1"),
    ],
)
def test_validate_names_the_field_of_an_out_of_range_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], override: str, message: str
) -> None:
    config = write_config(tmp_path)

    assert cli("validate", config, "--set", override) == 2
    assert cli("run", config, "--set", override, "--db", tmp_path / "runs.db") == 2

    err = capsys.readouterr().err
    assert err.count(message) == 2, err
    assert "Traceback" not in err


def test_an_override_keeps_the_type_of_a_defaulted_section(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    text = config.read_text("utf-8")
    assert "storage" not in text  # the storage section is left to its default (sqlite)

    assert cli("validate", config, "--set", "storage.durability=full") == 0


def test_scenario_money_that_could_overflow_64_bit_cents_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path)
    scenario = tmp_path / "scenarios" / "castro_exp1.yaml"
    text = scenario.read_text("utf-8")
    huge = "liquidity_pool: 1000000000000000}"  # 10**15 cents
    scenario.write_text(text.replace("liquidity_pool: 100000}", huge), encoding="utf-8")

    assert cli("validate", config) == 2
    assert "liquidity_pool: must be at most 100,000,000,000 cents" in capsys.readouterr().err


def test_a_missing_api_key_is_found_by_validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    config = write_config(tmp_path, llm={"type": "openai", "model": "gpt-4.1"})

    assert cli("validate", config) == 2
    assert "variable OPENAI_API_KEY" in capsys.readouterr().err
