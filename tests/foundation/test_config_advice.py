"""``cashloop validate`` warns about settings that are valid but give wrong answers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def validate(tmp_path: Path, name: str, **changes: object) -> subprocess.CompletedProcess[str]:
    data = yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text(encoding="utf-8"))
    data["evaluator"]["scenario"] = str(EXAMPLES / data["evaluator"]["scenario"])
    for key, value in changes.items():
        data[key] = value
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "cashloop.cli.main", "validate", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_paired_t_on_one_sample_of_a_stochastic_evaluator_is_warned_about(tmp_path: Path) -> None:
    one = {"num_samples": 1, "acceptance": {"rule": "paired-t"}}
    done = validate(tmp_path, "castro_exp2", evaluation=one)
    assert done.returncode == 0
    assert "warning: evaluation.num_samples: paired-t on 1 sample" in done.stderr
    # a deterministic scenario decides exactly on one sample: no warning
    done = validate(tmp_path, "castro_exp1", evaluation=one)
    assert done.returncode == 0 and "warning" not in done.stderr


def test_temporal_mode_with_local_search_is_warned_about(tmp_path: Path) -> None:
    done = validate(tmp_path, "castro_exp2", evaluation={"mode": "temporal"})
    assert done.returncode == 0
    assert "warning: evaluation.mode: temporal adopts every valid proposal" in done.stderr
    assert "warning" not in validate(tmp_path, "castro_exp2").stderr
