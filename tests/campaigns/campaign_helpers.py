"""Helpers for campaign tests: a folder with scenarios, a base config and a sweep file, and a way
to run the real CLI in a subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CASHLOOP = [sys.executable, "-m", "cashloop.cli.main"]


def policy_text(fraction: float) -> str:
    return json.dumps(
        {
            "version": "2.0",
            "policy_id": f"fraction-{fraction}",
            "parameters": {"initial_liquidity_fraction": fraction},
            "payment_tree": {"type": "action", "node_id": "root", "action": "Release"},
        }
    )


def base_config(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "campaign",
        "master_seed": 1,
        "evaluator": {"type": "rtgs", "scenario": "scenarios/castro_exp2.yaml"},
        "optimized_agents": ["BANK_A", "BANK_B"],
        "evaluation": {"mode": "paired", "num_samples": 6},
        "convergence": {"max_iterations": 3},
        "llm": {"type": "local-search"},
        "outputs": ["silent"],
    }
    data.update(changes)
    return data


@pytest.fixture
def campaign_dir(tmp_path: Path) -> Path:
    """A folder holding the example scenarios and ``base.yaml`` (offline local search)."""
    shutil.copytree(ROOT / "examples" / "scenarios", tmp_path / "scenarios")
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(base_config()), encoding="utf-8")
    return tmp_path


@pytest.fixture
def cli(campaign_dir: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``cashloop ARGS`` in the campaign folder; returns the finished process."""

    def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CASHLOOP, *args],
            cwd=campaign_dir,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "COLUMNS": "200"},
            check=False,
        )

    return run


def write_sweep(folder: Path, **spec: Any) -> Path:
    path = folder / "sweep.yaml"
    path.write_text(
        yaml.safe_dump({"base": "base.yaml", **spec}, sort_keys=False), encoding="utf-8"
    )
    return path
