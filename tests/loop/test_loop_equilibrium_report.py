"""The equilibrium report: each agent's best unilateral deviation from a profile, its gain ε
with an interval, on hold-out seeds; castro_exp2's (0.10, 0.10) is exploitable, (0.145, 0.145)
is not (each bank's best response is about 0.145 whatever the other plays)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from loop_helpers import EXAMPLES, FRACTION, FractionScript, example_config, of_type, run_experiment

from cashloop import events as ev
from cashloop.config import ExperimentConfig
from cashloop.host import PluginHost
from cashloop.runner.equilibrium import report_for_run
from cashloop.runner.evaluation import EvaluationService

AGENTS = ["BANK_A", "BANK_B"]


def _report(config: ExperimentConfig, a: float, b: float) -> dict[str, Any]:
    host = PluginHost.load()
    evaluator = host.registry.create(
        "evaluator", config.evaluator.type, config.evaluator.options, "evaluator", EXAMPLES
    )
    profile = {agent: copy.deepcopy(evaluator.initial_policy(agent)) for agent in AGENTS}
    profile["BANK_A"]["parameters"][FRACTION] = a
    profile["BANK_B"]["parameters"][FRACTION] = b
    service = EvaluationService(evaluator, None)
    report = report_for_run(config, service.evaluate_many, profile, AGENTS)
    assert report is not None
    return report


def test_castro_exp2_flags_the_profile_where_both_banks_underfund() -> None:
    report = _report(example_config("castro_exp2"), 0.10, 0.10)
    assert report["passes"] is False
    for agent in AGENTS:
        entry = report["agents"][agent]
        # each bank gains thousands of cents by committing more liquidity alone
        assert entry["epsilon_lower"] > 0.02 * entry["cost"]
        assert entry["epsilon_lower"] <= entry["epsilon"] <= entry["epsilon_upper"]
        assert 0.12 <= entry["best_deviation"][FRACTION] <= 0.17
        assert entry["relative_epsilon"] > 0.1
        assert entry["samples"] == report["confirm_samples"]


def test_castro_exp2_passes_its_equilibrium() -> None:
    report = _report(example_config("castro_exp2"), 0.145, 0.145)
    assert report["passes"] is True
    assert report["tolerance"] == 0.02
    assert report["lower_bound_only"] is True  # the payment trees were not searched
    for agent in AGENTS:
        entry = report["agents"][agent]
        assert entry["epsilon"] <= 0.02 * entry["cost"]
        assert isinstance(entry["epsilon"], int) and isinstance(entry["cost"], int)


def test_a_deterministic_scenario_needs_one_sample_and_finds_the_exact_best_response() -> None:
    # castro_exp1: B's best response to A = 0 is 0.2 (Castro's equilibrium)
    report = _report(example_config("castro_exp1"), 0.0, 0.5)
    assert report["search_samples"] == 1
    b = report["agents"]["BANK_B"]
    assert b["best_deviation"][FRACTION] == pytest.approx(0.2, abs=0.005)
    assert b["epsilon"] == b["epsilon_lower"] == b["epsilon_upper"] > 0
    assert report["passes"] is False
    assert _report(example_config("castro_exp1"), 0.0, 0.2)["passes"] is True


async def test_a_run_ends_with_the_equilibrium_event_before_its_verdict(tmp_path: Path) -> None:
    # a proposer stuck at exp1's equilibrium stalls, yet the check shows it converged
    client = FractionScript({"BANK_A": [0.0], "BANK_B": [0.2]})
    config = example_config("castro_exp1", convergence={"no_change_window": 3})
    result, events, _ = await run_experiment(config, tmp_path / "runs.db", client=client)
    kinds = [e["event_type"] for e in events][-3:]
    assert kinds == [ev.EQUILIBRIUM, ev.CONVERGENCE, ev.EXPERIMENT_END]
    (report,) = of_type(events, ev.EQUILIBRIUM)
    assert report["passes"] is True
    assert (result.converged, result.convergence_reason) == (True, "no_accepted_changes")


async def test_the_report_can_be_turned_off(tmp_path: Path) -> None:
    config = example_config(
        "castro_exp1", convergence={"max_iterations": 2, "equilibrium_report": False}
    )
    _, events, _ = await run_experiment(config, tmp_path / "runs.db")
    assert of_type(events, ev.EQUILIBRIUM) == []


async def test_equilibrium_epsilon_makes_the_check_a_criterion_even_for_one_agent(
    tmp_path: Path,
) -> None:
    # BANK_B alone, stuck at 0.5 while its best response to A = 0.5 is elsewhere: exhausted
    # or not, a run whose profile fails the check does not converge
    client = FractionScript({"BANK_B": [0.5]})
    config = example_config(
        "castro_exp1",
        optimized_agents=["BANK_B"],
        convergence={"no_change_window": 2, "equilibrium_epsilon": 0.0},
    )
    result, events, _ = await run_experiment(config, tmp_path / "runs.db", client=client)
    (report,) = of_type(events, ev.EQUILIBRIUM)
    assert list(report["agents"]) == ["BANK_B"]
    assert report["tolerance"] == 0.0
    assert report["agents"]["BANK_B"]["epsilon"] > 0
    assert report["passes"] is False
    assert (result.converged, result.convergence_reason) == (False, "stalled")


@pytest.mark.parametrize(
    ("key", "value"),
    [("equilibrium_tolerance", -0.1), ("equilibrium_epsilon", -1.0), ("equilibrium_samples", 0)],
)
def test_bad_equilibrium_settings_are_config_errors(key: str, value: float) -> None:
    from cashloop.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        example_config("castro_exp2", convergence={key: value})
    assert f"convergence.{key}: must be >= " in str(caught.value)
