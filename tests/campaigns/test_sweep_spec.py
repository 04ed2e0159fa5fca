"""The sweep file: a base config and a matrix expand into named cells; mistakes are listed at
once with their keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from cashloop.campaigns.spec import load_sweep, parse_sweep
from cashloop.errors import ConfigError


def test_matrix_and_seeds_expand_into_every_combination_with_readable_names(
    campaign_dir: Path,
) -> None:
    spec = parse_sweep(
        {
            "name": "grid",
            "base": "base.yaml",
            "matrix": {
                "llm.model": ["gpt-a", "gpt-b"],
                "evaluator.scenario": {
                    "exp1": "scenarios/castro_exp1.yaml",
                    "exp2": "scenarios/castro_exp2.yaml",
                },
            },
            "seeds": "1..3",
        },
        source=campaign_dir / "sweep.yaml",
    )
    assert len(spec.cells) == 12
    assert spec.factors == ("llm.model", "evaluator.scenario", "master_seed")
    assert spec.group_factors == ("llm.model", "evaluator.scenario")
    first = spec.cells[0]
    assert first.name == "model=gpt-a,scenario=exp1,seed=1"
    assert first.run_id("grid") == "grid/model=gpt-a,scenario=exp1,seed=1"
    assert first.data["llm"]["model"] == "gpt-a"
    assert first.data["evaluator"]["scenario"] == "scenarios/castro_exp1.yaml"
    assert first.data["master_seed"] == 1
    assert len({c.name for c in spec.cells}) == 12
    assert spec.base_dir == campaign_dir.resolve()


def test_labels_come_from_file_names_and_overrides_apply_to_every_cell(campaign_dir: Path) -> None:
    spec = parse_sweep(
        {
            "name": "s",
            "base": "base.yaml",
            "set": {"convergence.max_iterations": 7},
            "matrix": {"evaluator.scenario": ["scenarios/castro_exp1.yaml"]},
            "seeds": [4, 9],
        },
        source=campaign_dir / "sweep.yaml",
    )
    assert [c.name for c in spec.cells] == [
        "scenario=castro_exp1,seed=4",
        "scenario=castro_exp1,seed=9",
    ]
    assert all(c.data["convergence"]["max_iterations"] == 7 for c in spec.cells)


def test_every_mistake_is_reported_with_its_key(campaign_dir: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_sweep(
            {
                "name": "bad name!",
                "base": "missing.yaml",
                "matrix": {"llm.model": []},
                "seeds": "3..1",
                "parallel": 0,
                "budget": {"max_tokens": -5, "dollars": 1},
                "colour": "red",
            },
            source=campaign_dir / "sweep.yaml",
        )
    text = str(caught.value)
    for expected in (
        "name:",
        "base:",
        "matrix.llm.model:",
        "seeds:",
        "parallel:",
        "budget.max_tokens:",
        "budget.dollars:",
        "colour: unknown key",
    ):
        assert expected in text, expected


def test_a_missing_sweep_file_is_a_user_error(tmp_path: Path) -> None:
    from cashloop.errors import UserError

    with pytest.raises(UserError, match="sweep file not found"):
        load_sweep(tmp_path / "nope.yaml")
