"""compare warns when runs differ in an unswept key; export writes typed tidy tables; every run
stores its provenance fingerprint."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from campaign_helpers import base_config

from cashloop.persistence import ExperimentRepository


def _run(cli: Callable[..., Any], folder: Path, db: Path, name: str, **changes: Any) -> str:
    config = folder / f"{name}.yaml"
    config.write_text(yaml.safe_dump(base_config(name=name, **changes)), encoding="utf-8")
    done = cli("run", str(config), "--db", str(db), "--json")
    assert done.returncode == 0, done.stderr
    return str(json.loads(done.stdout)["run_id"])


def test_compare_of_runs_differing_in_an_unswept_key_warns_naming_it(
    campaign_dir: Path, cli: Callable[..., Any]
) -> None:
    db = campaign_dir / "runs.db"
    a = _run(cli, campaign_dir, db, "a", evaluation={"mode": "paired", "num_samples": 6})
    b = _run(cli, campaign_dir, db, "b", evaluation={"mode": "paired", "num_samples": 8})
    compared = cli("compare", a, b, "--db", str(db))
    assert compared.returncode == 0, compared.stderr
    assert "warning: the compared runs differ in more than the swept factors" in compared.stderr
    assert "evaluation.num_samples (6, 8)" in compared.stderr
    assert "name" not in compared.stderr.split("factors:", 1)[1].split("(")[0]
    grouped = cli("compare", a, b, "--db", str(db), "--by", "evaluation.num_samples", "--json")
    assert grouped.returncode == 0, grouped.stderr
    assert "warning" not in grouped.stderr
    assert len(json.loads(grouped.stdout)["groups"]) == 2


def test_same_runs_with_other_seeds_compare_without_warning(
    campaign_dir: Path, cli: Callable[..., Any]
) -> None:
    db = campaign_dir / "runs.db"
    a = _run(cli, campaign_dir, db, "a", master_seed=1)
    b = _run(cli, campaign_dir, db, "b", master_seed=2)
    compared = cli("compare", a, b, "--db", str(db), "--json")
    assert compared.returncode == 0 and "warning" not in compared.stderr
    (group,) = json.loads(compared.stdout)["groups"]
    assert group["seeds"] == [1, 2] and group["final_cost"]["n"] == 2


def test_compare_needs_runs_or_a_sweep(campaign_dir: Path, cli: Callable[..., Any]) -> None:
    db = campaign_dir / "runs.db"
    _run(cli, campaign_dir, db, "a")
    assert cli("compare", "--db", str(db)).returncode == 2
    missing = cli("compare", "--sweep", "nope", "--db", str(db))
    assert missing.returncode == 2 and "no sweep named 'nope'" in missing.stderr


def test_every_run_stores_its_provenance_fingerprint(
    campaign_dir: Path, cli: Callable[..., Any]
) -> None:
    db = campaign_dir / "runs.db"
    a = _run(cli, campaign_dir, db, "a")
    scenario = campaign_dir / "scenarios" / "castro_exp2.yaml"
    scenario.write_text(scenario.read_text() + "\n# edited\n")
    b = _run(cli, campaign_dir, db, "a")
    with ExperimentRepository(db, create=False) as repo:
        first, second = (
            next(repo.as_state_provider(r).get_all_events())["provenance"] for r in (a, b)
        )
    assert first["cashloop_version"] and first["evaluator"]["name"] == "rtgs"
    assert first["llm"] == {"type": "local-search", "model": "local-search"}
    assert first["config_hash"] == second["config_hash"]  # same config text
    assert first["evaluator"]["inputs_hash"] != second["evaluator"]["inputs_hash"]  # new scenario
    assert first["prompt_template_hash"] == second["prompt_template_hash"]


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_export_writes_five_tables_that_load_into_pandas_with_their_types(
    campaign_dir: Path, cli: Callable[..., Any], fmt: str
) -> None:
    pandas = pytest.importorskip("pandas")
    db = campaign_dir / "runs.db"
    run_id = _run(cli, campaign_dir, db, "a")
    out = campaign_dir / "out"
    done = cli("export", run_id, "--db", str(db), "--format", fmt, "--out", str(out))
    assert done.returncode == 0, done.stderr
    read = {
        "csv": pandas.read_csv,
        "parquet": pandas.read_parquet,
        "jsonl": lambda p: pandas.read_json(p, lines=True),
    }[fmt]
    tables = {name: read(out / f"{name}.{fmt}") for name in
              ("runs", "iterations", "decisions", "llm_calls", "policies")}  # fmt: skip
    runs, iterations, decisions = tables["runs"], tables["iterations"], tables["decisions"]
    assert list(runs["run_id"]) == [run_id]
    assert runs["final_cost"].dtype.kind == "i" and runs["converged"].dtype.kind == "b"
    assert iterations["cost"].dtype.kind == "i" and iterations["accepted"].dtype.kind == "b"
    assert len(iterations) == 2 * runs["iterations"][0]  # two agents per iteration
    assert set(iterations["agent_id"]) == {"BANK_A", "BANK_B"}
    assert decisions["delta"].dtype.kind == "i" and decisions["accepted"].dtype.kind == "b"
    # the sequential rule looks at 500 samples first
    assert decisions["samples"].dtype.kind in "if" and (decisions["samples"] >= 500).all()
    assert "system_prompt" not in tables["llm_calls"].columns
    assert len(tables["policies"]) == len(iterations)
