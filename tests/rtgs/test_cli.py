"""``cashloop simulate`` through a click group built for the test (as the core CLI will)."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner
from rtgs_helpers import SCENARIOS, policy

from cashloop.errors import UserError
from cashloop_rtgs.plugin import register_commands


@pytest.fixture
def cli() -> click.Group:
    group = click.Group("cashloop")
    register_commands(group)
    return group


def run(cli, *args):
    return CliRunner().invoke(cli, ["simulate", *map(str, args)])


def test_table_output(cli) -> None:
    result = run(
        cli, SCENARIOS / "castro_exp1.yaml", "--fraction", "BANK_A=0", "--fraction", "BANK_B=0.2"
    )
    assert result.exit_code == 0, result.output
    assert "seed 42" in result.output
    assert "2,000" in result.output and "BANK_A" in result.output


def test_json_output_one_object_per_seed(cli, tmp_path) -> None:
    file = tmp_path / "a.json"
    file.write_text(json.dumps(policy(0.1)))
    result = run(
        cli,
        SCENARIOS / "castro_exp2.yaml",
        "--policy",
        f"BANK_A={file}",
        "--seeds",
        "3:2",
        "--seed",
        "9",
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [d["seed"] for d in data] == [9, 3, 4]
    first = data[0]
    assert set(first) == {"seed", "costs", "breakdown", "settled", "total", "settlement_rate"}
    assert first["costs"]["BANK_A"] == sum(first["breakdown"]["BANK_A"].values())
    assert isinstance(first["settled"], int)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fraction", "BANK_C=0.1"], "unknown agent 'BANK_C'"),
        (["--fraction", "BANK_A=1.5"], "must be between 0 and 1"),
        (["--fraction", "BANK_A"], "expects AGENT=VALUE"),
        (["--seeds", "3"], "--seeds expects START:COUNT"),
        (["--policy", "BANK_A=/nonexistent.json"], "cannot read policy file"),
    ],
)
def test_bad_arguments_are_usage_errors(cli, args, message) -> None:
    result = run(cli, SCENARIOS / "castro_exp1.yaml", *args)
    assert result.exit_code == 2
    assert message in result.output


def test_bad_scenario_and_policy_are_user_errors(cli, tmp_path) -> None:
    result = run(cli, tmp_path / "missing.yaml")
    assert isinstance(result.exception, UserError)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"version": "2", "policy_id": "x", "payment_tree": {}}))
    result = run(cli, SCENARIOS / "castro_exp1.yaml", "--policy", f"BANK_A={bad}")
    assert isinstance(result.exception, UserError)
    assert "payment_tree" in str(result.exception)
