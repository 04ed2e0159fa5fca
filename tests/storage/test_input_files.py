"""A run stores the files it read (its scenario); resume and rerun refuse a changed one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MAIN = "import sys; from cashloop.cli.main import main; sys.exit(main())"


def cashloop(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", MAIN, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def test_a_scenario_edited_between_crash_and_resume_is_refused_by_name(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES / "scenarios", tmp_path / "scenarios")
    config = tmp_path / "exp1.yaml"
    shutil.copy(EXAMPLES / "castro_exp1.yaml", config)
    scenario = tmp_path / "scenarios" / "castro_exp1.yaml"
    db = str(tmp_path / "runs.db")
    crashed = cashloop(
        *("run", str(config), "--db", db, "--set", "plugins.modules=[cashloop.testing.kit_plugin]"),
        env={"CASHLOOP_KIT_STOP": "3:policy_change:crash"},
    )
    assert crashed.returncode == 9, crashed.stderr
    run_id = json.loads(cashloop("runs", "--db", db, "--json").stdout)[0]["run_id"]
    stored = json.loads(cashloop("events", run_id, "--db", db).stdout.splitlines()[0])
    assert stored["event_type"] == "experiment_start"
    original = scenario.read_text()
    scenario.write_text(original + "\n# edited after the crash\n")

    refused = cashloop("resume", run_id, "--db", db)
    assert refused.returncode == 2
    assert f"{scenario} (evaluator.scenario) changed since run {run_id}" in refused.stderr
    assert "--use-current-files" in refused.stderr and "--use-stored-files" in refused.stderr

    scenario.write_text(original)  # restored: the resume goes on
    resumed = cashloop("resume", run_id, "--db", db)
    assert resumed.returncode == 0, resumed.stderr


def test_a_resume_can_read_the_scenario_the_run_stored(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES / "scenarios", tmp_path / "scenarios")
    config = tmp_path / "exp1.yaml"
    shutil.copy(EXAMPLES / "castro_exp1.yaml", config)
    db = str(tmp_path / "runs.db")
    crashed = cashloop(
        *("run", str(config), "--db", db, "--set", "plugins.modules=[cashloop.testing.kit_plugin]"),
        env={"CASHLOOP_KIT_STOP": "3:policy_change:crash"},
    )
    assert crashed.returncode == 9, crashed.stderr
    run_id = json.loads(cashloop("runs", "--db", db, "--json").stdout)[0]["run_id"]
    (tmp_path / "scenarios" / "castro_exp1.yaml").unlink()  # gone: only the stored copy is left
    resumed = cashloop("resume", run_id, "--db", db, "--use-stored-files")
    assert resumed.returncode == 0, resumed.stderr
    (row,) = json.loads(cashloop("runs", "--db", db, "--json").stdout)
    assert (row["status"], row["final_cost"]) == ("completed", 2000)  # Castro's equilibrium


def test_the_stored_config_holds_each_input_file_with_its_hash(tmp_path: Path) -> None:
    db = str(tmp_path / "runs.db")
    done = cashloop("run", str(EXAMPLES / "castro_exp1.yaml"), "--db", db)
    assert done.returncode == 0, done.stderr
    run_id = json.loads(cashloop("runs", "--db", db, "--json").stdout)[0]["run_id"]
    from cashloop.persistence import ExperimentRepository

    with ExperimentRepository(db) as repo:
        snapshot = repo.get_config_snapshot(run_id)
    entry = snapshot["input_files"]["evaluator.scenario"]
    scenario = EXAMPLES / "scenarios" / "castro_exp1.yaml"
    assert entry["path"] == str(scenario.resolve())
    assert entry["content"] == scenario.read_text()
    import hashlib

    assert entry["sha256"] == hashlib.sha256(scenario.read_bytes()).hexdigest()
    offline = cashloop("rerun", run_id, "--offline", "--db", db)
    assert offline.returncode == 0, offline.stderr
