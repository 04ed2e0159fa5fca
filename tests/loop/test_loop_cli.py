"""The command line, run as a user runs it: ``cashloop`` in a subprocess."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from loop_helpers import EXAMPLES, example_config, run_experiment, strip_run_id

from cashloop.persistence import ExperimentRepository

CASHLOOP = str(Path(sys.executable).with_name("cashloop"))
EXP1 = str(EXAMPLES / "castro_exp1.yaml")
EXP2 = str(EXAMPLES / "castro_exp2.yaml")
JSON_KEYS = {
    "run_id",
    "converged",
    "convergence_reason",
    "num_iterations",
    "final_costs",
    "final_policies",
    "best_cost",
    "best_policies",
}


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "CASHLOOP_DB"}
    env["COLUMNS"] = "250"  # wide tables: run ids are not cut short
    return env


def cashloop(*args: str, cwd: Path, check: int | None = 0) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [CASHLOOP, *args], capture_output=True, text=True, cwd=cwd, env=_env(), timeout=120
    )
    if check is not None:
        assert done.returncode == check, (done.returncode, done.stdout, done.stderr)
    return done


def _run_id(stderr: str) -> str:
    found = re.search(r"run (\S+) finished", stderr)
    assert found, stderr
    return found.group(1)


def _events(db: Path, run_id: str, cwd: Path) -> list[dict[str, Any]]:
    out = cashloop("events", run_id, "--db", str(db), cwd=cwd).stdout
    return [json.loads(line) for line in out.splitlines()]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli")


@pytest.fixture(scope="module")
def live_run(workdir: Path) -> Iterator[tuple[Path, str, str]]:
    """castro_exp1 run from the command line: (database, run id, the text it printed)."""
    db = workdir / "runs.db"
    done = cashloop(
        "run", EXP1, "--db", str(db), "--set", "convergence.max_iterations=4", cwd=workdir
    )
    yield db, _run_id(done.stderr), done.stdout


def test_run_ids_start_with_the_experiment_name(live_run: tuple[Path, str, str]) -> None:
    _, run_id, _ = live_run
    assert run_id.startswith("castro-exp1-")


def test_replay_prints_the_same_text_as_the_live_run(
    live_run: tuple[Path, str, str], workdir: Path
) -> None:
    db, run_id, live = live_run
    assert "Iteration 4" in live
    replayed = cashloop("replay", run_id, "--db", str(db), cwd=workdir).stdout
    assert replayed == live


def test_events_prints_the_stored_events_one_json_object_per_line(
    live_run: tuple[Path, str, str], workdir: Path
) -> None:
    db, run_id, _ = live_run
    events = _events(db, run_id, workdir)
    with ExperimentRepository(db) as repo:
        stored = list(repo.as_state_provider(run_id).get_all_events())
    assert events == stored
    assert all({"event_type", "iteration"} <= set(e) for e in events)
    assert events[0]["event_type"] == "experiment_start"
    assert events[0]["run_id"] == run_id
    assert events[-1]["event_type"] == "experiment_end"
    assert events[-1]["num_iterations"] == 4


def test_runs_and_show_list_the_stored_run(live_run: tuple[Path, str, str], workdir: Path) -> None:
    db, run_id, live = live_run
    runs = cashloop("runs", "--db", str(db), cwd=workdir).stdout
    (row,) = [line for line in runs.splitlines() if run_id in line]
    assert "completed" in row
    shown = cashloop("show", run_id, "--db", str(db), cwd=workdir).stdout
    assert run_id in shown
    assert "status completed" in shown
    assert "converged: no (max_iterations)" in shown
    rows = [line for line in shown.splitlines() if re.match(r"^\W*[0-9]+\W", line)]
    # four iterations, numbered as the live run and replay number them, with the same costs
    assert [re.match(r"^\W*([0-9]+)", r).group(1) for r in rows] == ["1", "2", "3", "4"]
    for number, line in enumerate(rows, start=1):
        section = live.split(f"Iteration {number} ", 1)[1].split("Incumbent costs", 1)[1]
        costs = re.findall(r"BANK_[AB]\s+(\$[0-9.,]+)", section)[:2]
        assert re.findall(r"\$[0-9.,]+", line) == costs


def test_runs_on_an_80_column_terminal_shows_whole_run_ids_and_costs(
    live_run: tuple[Path, str, str], workdir: Path
) -> None:
    db, run_id, _ = live_run
    env = {**_env(), "COLUMNS": "80"}
    done = subprocess.run(
        [CASHLOOP, "runs", "--db", str(db)], capture_output=True, text=True, cwd=workdir, env=env
    )
    assert done.returncode == 0, done.stderr
    (row,) = [line for line in done.stdout.splitlines() if run_id in line]
    assert "completed" in row and "…" not in row
    assert max(len(line) for line in done.stdout.splitlines()) <= 80


def test_runs_of_an_experiment_with_a_long_name_print_whole_ids_on_80_columns(
    workdir: Path,
) -> None:
    db = workdir / "long.db"
    name = "liquidity-sweep-of-the-twelve-period-stochastic-scenario"
    done = cashloop(
        "run", EXP1, "--db", str(db), "--set", f"name={name}",
        "--set", "convergence.max_iterations=1", cwd=workdir,
    )  # fmt: skip
    run_id = _run_id(done.stderr)
    assert len(run_id) > 80 - 40  # too long for a table beside the other columns
    env = {**_env(), "COLUMNS": "80"}
    listed = subprocess.run(
        [CASHLOOP, "runs", "--db", str(db)], capture_output=True, text=True, cwd=workdir, env=env
    ).stdout
    (line,) = [line for line in listed.splitlines() if run_id in line]
    assert "completed" in line and "…" not in listed


def test_runs_json_lists_each_run_with_costs_in_cents(
    live_run: tuple[Path, str, str], workdir: Path
) -> None:
    db, run_id, _ = live_run
    runs = json.loads(cashloop("runs", "--db", str(db), "--json", cwd=workdir).stdout)
    (run,) = [r for r in runs if r["run_id"] == run_id]
    assert run["experiment_name"] == "castro-exp1"
    assert run["status"] == "completed"
    assert run["num_iterations"] == 4
    assert isinstance(run["final_cost"], int)
    assert run["converged"] is False
    assert run["created_at"] <= run["updated_at"]


def test_run_json_reports_the_result(workdir: Path) -> None:
    db = workdir / "json.db"
    done = cashloop(
        "run",
        EXP1,
        "--db",
        str(db),
        "--json",
        "--seed",
        "7",
        "--set",
        "convergence.max_iterations=2",
        cwd=workdir,
    )
    result = json.loads(done.stdout)
    assert set(result) >= JSON_KEYS
    assert result["run_id"].startswith("castro-exp1-")
    assert result["converged"] is False
    assert result["convergence_reason"] == "max_iterations"
    assert result["num_iterations"] == 2
    assert set(result["final_costs"]) == set(result["final_policies"]) == {"BANK_A", "BANK_B"}
    assert all(type(c) is int for c in result["final_costs"].values())
    assert type(result["best_cost"]) is int
    assert set(result["best_policies"]) == {"BANK_A", "BANK_B"}
    start = _events(db, result["run_id"], workdir)[0]
    assert start["master_seed"] == 7  # --seed
    assert start["max_iterations"] == 2  # --set


def test_llm_option_replaces_the_configured_proposer(workdir: Path) -> None:
    data = yaml.safe_load(Path(EXP1).read_text(encoding="utf-8"))
    data["evaluator"]["scenario"] = str(EXAMPLES / "scenarios" / "castro_exp1.yaml")
    data["llm"] = {
        "type": "openai",
        "model": "gpt-4.1",
        "api_key_env": "CASHLOOP_NO_SUCH_KEY",
        "max_retries": 1,
    }
    config = workdir / "openai.yaml"
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    db = workdir / "llm.db"
    done = cashloop(
        "run",
        str(config),
        "--db",
        str(db),
        "--json",
        "--llm",
        "local-search",
        "--set",
        "convergence.max_iterations=2",
        cwd=workdir,
    )
    result = json.loads(done.stdout)
    start = _events(db, result["run_id"], workdir)[0]
    assert start["model"] == "local-search"
    calls = [e for e in _events(db, result["run_id"], workdir) if e["event_type"] == "llm_call"]
    assert calls and all(c["model"] == "local-search" for c in calls)


def test_a_bad_config_exits_2_naming_the_problem(workdir: Path) -> None:
    done = cashloop(
        "run",
        EXP1,
        "--db",
        str(workdir / "bad.db"),
        "--set",
        "evaluation.mode=sideways",
        "--set",
        "llm.max_retries=-1",
        "--set",
        "colour=blue",
        cwd=workdir,
        check=2,
    )
    assert "Traceback" not in done.stderr
    assert "evaluation.mode: 'sideways' is not one of paired, temporal" in done.stderr
    assert "llm.max_retries: must be >= 0" in done.stderr
    assert "colour: unknown key" in done.stderr
    assert not (workdir / "bad.db").exists()  # nothing was started


@pytest.mark.parametrize("command", ["show", "replay", "events", "resume"])
def test_an_unknown_run_id_exits_2(
    live_run: tuple[Path, str, str], workdir: Path, command: str
) -> None:
    db, _, _ = live_run
    done = cashloop(command, "no-such-run", "--db", str(db), cwd=workdir, check=2)
    assert "no-such-run" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.fixture(scope="module")
def scripted_run(workdir: Path) -> tuple[Path, str, str]:
    """castro_exp1 answered by the ``scripted`` LLM backend, with unparsable and out-of-bounds
    answers among the valid ones, run with -v: (database, run id, the text it printed)."""
    data = yaml.safe_load(Path(EXP1).read_text(encoding="utf-8"))
    data["evaluator"]["scenario"] = str(EXAMPLES / "scenarios" / "castro_exp1.yaml")
    data["llm"] = {"type": "scripted", "path": "answers.yaml", "max_retries": 1}
    data["convergence"]["max_iterations"] = 3
    policy = {
        "version": "2.0",
        "policy_id": "release_all",
        "parameters": {"initial_liquidity_fraction": 0.3},
        "payment_tree": {"type": "action", "node_id": "release", "action": "Release"},
    }
    too_much = {**policy, "parameters": {"initial_liquidity_fraction": 1.7}}
    answers = {
        "BANK_A": ["no idea", json.dumps(too_much), json.dumps(policy)],
        "BANK_B": ["still no idea", "nothing", policy],
    }
    folder = workdir / "scripted"
    folder.mkdir()
    (folder / "exp.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    (folder / "answers.yaml").write_text(yaml.safe_dump(answers), encoding="utf-8")
    db = folder / "runs.db"
    done = cashloop("run", str(folder / "exp.yaml"), "--db", str(db), "-v", cwd=folder)
    return db, _run_id(done.stderr), done.stdout


def test_verbose_replay_prints_the_same_text_as_the_verbose_live_run(
    scripted_run: tuple[Path, str, str], workdir: Path
) -> None:
    db, run_id, live = scripted_run
    assert "REJECTED proposal for BANK_A after 2 attempts (constraint_violation)" in live
    assert "REJECTED proposal for BANK_B after 2 attempts (parse_error)" in live
    replayed = cashloop("replay", run_id, "--db", str(db), "-v", cwd=workdir)
    assert replayed.stdout == live
    quiet = cashloop("replay", run_id, "--db", str(db), cwd=workdir)
    assert len(quiet.stdout) < len(live)  # -v did show more


def test_offline_rerun_reproduces_the_event_log(
    scripted_run: tuple[Path, str, str], workdir: Path
) -> None:
    db, run_id, _ = scripted_run
    (workdir / "scripted" / "answers.yaml").unlink()  # the rerun needs no scripted answers
    done = cashloop("rerun", run_id, "--offline", "--db", str(db), "--json", cwd=workdir)
    rerun_id = json.loads(done.stdout)["run_id"]
    assert rerun_id != run_id
    original = _events(db, run_id, workdir)
    assert {"parse_error", "constraint_violation", "ok"} <= {
        e["outcome"] for e in original if e["event_type"] == "llm_call"
    }
    assert strip_run_id(_events(db, rerun_id, workdir)) == strip_run_id(original)


def test_a_completed_run_cannot_be_resumed(live_run: tuple[Path, str, str], workdir: Path) -> None:
    db, run_id, _ = live_run
    done = cashloop("resume", run_id, "--db", str(db), cwd=workdir, check=2)
    assert "completed" in done.stderr
    assert "Traceback" not in done.stderr


def _interrupt_after_first_commit(
    db: Path, workdir: Path, *extra: str, group: bool = False
) -> tuple[str, int, str]:
    """Start ``cashloop run castro_exp2``; once an iteration is committed, press Ctrl-C (SIGINT
    to the process, or to its whole process group as a terminal does). Returns (run id, exit
    code, stderr)."""
    process = subprocess.Popen(
        [CASHLOOP, "run", EXP2, "--db", str(db), *extra],
        cwd=workdir,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    run_id = None
    deadline = time.monotonic() + 60
    while run_id is None and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
        if db.exists():
            with ExperimentRepository(db) as repo:
                run_id = next((r.run_id for r in repo.list_runs() if r.num_iterations), None)
    assert run_id is not None, "the run committed no iteration"
    if group:
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    return run_id, process.returncode, stderr


async def test_sigint_interrupts_a_run_and_resume_finishes_it(workdir: Path) -> None:
    db = workdir / "sigint.db"
    reference, _, _ = await run_experiment(example_config("castro_exp2"), workdir / "ref.db")

    run_id, returncode, stderr = _interrupt_after_first_commit(db, workdir)
    assert returncode == 130, stderr
    assert "Traceback" not in stderr
    with ExperimentRepository(db) as repo:
        run = repo.get_run(run_id)
        assert run.status == "interrupted"
        assert 1 <= run.num_iterations < reference.num_iterations

    done = cashloop("resume", run_id, "--db", str(db), "--json", cwd=workdir)
    result = json.loads(done.stdout)
    assert result["run_id"] == run_id
    assert result["final_policies"] == reference.final_policies
    assert result["num_iterations"] == reference.num_iterations
    with ExperimentRepository(db) as repo:
        assert repo.get_run(run_id).status == "completed"


def test_ctrl_c_with_the_process_executor_interrupts_cleanly(workdir: Path) -> None:
    db = workdir / "sigint-process.db"
    run_id, returncode, stderr = _interrupt_after_first_commit(
        db,
        workdir,
        "--set",
        "executor.type=process",
        "--set",
        "executor.workers=2",
        "--set",
        "evaluation.min_batch_ms=0",
        group=True,
    )
    with ExperimentRepository(db) as repo:
        status = repo.get_run(run_id).status
    assert (returncode, status) == (130, "interrupted")
    assert "Traceback" not in stderr
