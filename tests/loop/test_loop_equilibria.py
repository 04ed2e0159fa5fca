"""With the offline local search, the Castro examples reach their known equilibria."""

from __future__ import annotations

import copy
from pathlib import Path

from loop_helpers import EXAMPLES, FRACTION, fraction, run_experiment

from cashloop.config import ExperimentConfig
from cashloop.host import PluginHost

GRID = [i / 100 for i in range(101)]


def _example(name: str) -> ExperimentConfig:
    config = ExperimentConfig.from_yaml(EXAMPLES / f"{name}.yaml")
    data = config.to_dict()
    data["outputs"] = ["silent"]
    return ExperimentConfig.from_dict(data, base_dir=EXAMPLES)


async def test_castro_exp1_reaches_castros_equilibrium(tmp_path: Path) -> None:
    result, _, _ = await run_experiment(_example("castro_exp1"), tmp_path / "runs.db")
    assert result.converged is True
    assert abs(fraction(result.final_policies["BANK_A"]) - 0.0) <= 0.01
    assert abs(fraction(result.final_policies["BANK_B"]) - 0.2) <= 0.01


def _pure_equilibria(config: ExperimentConfig) -> list[tuple[float, float]]:
    """Brute force over the 0.01 grid with the evaluator's public API: profiles where each
    bank's fraction is a best response to the other's."""
    host = PluginHost.load()
    evaluator = host.registry.create(
        "evaluator", config.evaluator.type, config.evaluator.options, "evaluator", EXAMPLES
    )
    initial = {agent: evaluator.initial_policy(agent) for agent in evaluator.agents()}
    assert sorted(initial) == ["BANK_A", "BANK_B"]
    costs: dict[tuple[float, float], tuple[int, int]] = {}
    for a in GRID:
        for b in GRID:
            profile = copy.deepcopy(initial)
            profile["BANK_A"]["parameters"][FRACTION] = a
            profile["BANK_B"]["parameters"][FRACTION] = b
            (sample,) = evaluator.evaluate(profile, [config.master_seed])
            costs[a, b] = (sample.costs["BANK_A"], sample.costs["BANK_B"])
    best_a = {b: min(costs[x, b][0] for x in GRID) for b in GRID}
    best_b = {a: min(costs[a, y][1] for y in GRID) for a in GRID}
    return [
        (a, b)
        for a in GRID
        for b in GRID
        if costs[a, b][0] == best_a[b] and costs[a, b][1] == best_b[a]
    ]


async def test_castro_exp3_reaches_its_unique_pure_equilibrium(tmp_path: Path) -> None:
    config = _example("castro_exp3")
    equilibria = _pure_equilibria(config)
    assert len(equilibria) == 1, equilibria
    (a_star, b_star) = equilibria[0]

    result, _, _ = await run_experiment(config, tmp_path / "runs.db")
    assert result.converged is True
    assert abs(fraction(result.final_policies["BANK_A"]) - a_star) <= 0.01
    assert abs(fraction(result.final_policies["BANK_B"]) - b_star) <= 0.01
