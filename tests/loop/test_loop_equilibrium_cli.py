"""``cashloop equilibrium RUN_ID`` recomputes a stored run's report; ``replay`` shows it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from loop_helpers import EXAMPLES

CASHLOOP = str(Path(sys.executable).with_name("cashloop"))


def cashloop(*args: str, cwd: Path, check: int = 0) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CASHLOOP_DB"}
    env["COLUMNS"] = "200"
    done = subprocess.run(
        [CASHLOOP, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120
    )
    assert done.returncode == check, (done.returncode, done.stdout, done.stderr)
    return done


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict[str, Any]]:
    """A short castro_exp2 run: its folder, run id and stored equilibrium event."""
    cwd = tmp_path_factory.mktemp("equilibrium")
    run = cashloop(
        "run", str(EXAMPLES / "castro_exp2.yaml"), "--db", "r.db", "--json",
        "--set", "evaluation.num_samples=4", "--set", "convergence.max_iterations=2",
        cwd=cwd,
    )  # fmt: skip
    run_id = json.loads(run.stdout)["run_id"]
    events = [json.loads(line) for line in cashloop("events", run_id, "--db", "r.db", cwd=cwd)
              .stdout.splitlines()]  # fmt: skip
    (report,) = [e for e in events if e["event_type"] == "equilibrium"]
    return cwd, run_id, report


def test_the_command_recomputes_the_stored_report(stored: tuple[Path, str, dict[str, Any]]) -> None:
    cwd, run_id, event = stored
    done = cashloop("equilibrium", run_id, "--db", "r.db", "--json", cwd=cwd)
    report = json.loads(done.stdout)
    assert report == {k: v for k, v in event.items() if k not in ("event_type", "iteration")}
    assert set(report["agents"]) == {"BANK_A", "BANK_B"}
    assert report["search_samples"] == 400  # 100 x the run's 4 samples


def test_the_command_prints_the_report_and_takes_a_sample_count(
    stored: tuple[Path, str, dict[str, Any]],
) -> None:
    cwd, run_id, _ = stored
    done = cashloop("equilibrium", run_id, "--db", "r.db", "--samples", "50", cwd=cwd)
    assert "Equilibrium check" in done.stdout
    assert "BANK_A" in done.stdout and "lower bound" in done.stdout
    as_json = cashloop("equilibrium", run_id, "--db", "r.db", "--samples", "50", "--json", cwd=cwd)
    assert json.loads(as_json.stdout)["search_samples"] == 50


def test_replay_and_show_show_the_report(stored: tuple[Path, str, dict[str, Any]]) -> None:
    cwd, run_id, _ = stored
    assert "Equilibrium check" in cashloop("replay", run_id, "--db", "r.db", cwd=cwd).stdout
    assert "Equilibrium check" in cashloop("show", run_id, "--db", "r.db", cwd=cwd).stdout


def test_an_unknown_run_is_a_usage_error(stored: tuple[Path, str, dict[str, Any]]) -> None:
    cwd, _, _ = stored
    done = cashloop("equilibrium", "no-such-run", "--db", "r.db", cwd=cwd, check=2)
    assert "no run 'no-such-run'" in done.stderr
    assert "Traceback" not in done.stderr
