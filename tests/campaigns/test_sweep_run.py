"""A sweep of 2 models x 2 scenarios x 3 seeds against a loopback OpenAI-compatible server, with
3 cells at a time: interrupted midway and invoked again, it finishes every cell exactly once,
within its budget; compare, export and plot then read it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from campaign_helpers import CASHLOOP, base_config, policy_text, write_sweep

from cashloop.persistence import ExperimentRepository
from cashloop.persistence.writer import writer_state
from cashloop.testing.llm_stub import LLMStubServer, StubReply

BUDGET_TOKENS = 50_000


def _with_status(db: Path, status: str) -> list[str]:
    if not db.exists():
        return []
    with ExperimentRepository(db, create=False) as repo:
        return [r.run_id for r in repo.list_runs() if r.status == status]


def _all_runs(db: Path) -> list[Any]:
    with ExperimentRepository(db, create=False) as repo:
        return list(repo.list_runs())


def _completed(db: Path) -> int:
    return len(_with_status(db, "completed"))


@pytest.fixture
def llm_sweep(campaign_dir: Path, llm_stub_server: LLMStubServer) -> Path:
    llm_stub_server.default_reply = StubReply(
        text=policy_text(0.4), model="served-snapshot-1", delay_seconds=0.3,
        prompt_tokens=100, completion_tokens=20,
    )  # fmt: skip
    llm = {"type": "openai", "model": "model-a", "base_url": llm_stub_server.openai_base_url}
    (campaign_dir / "base.yaml").write_text(yaml.safe_dump(base_config(llm=llm)), "utf-8")
    return write_sweep(
        campaign_dir,
        name="grid",
        matrix={
            "llm.model": ["model-a", "model-b"],
            "evaluator.scenario": {
                "exp1": "scenarios/castro_exp1.yaml",
                "exp2": "scenarios/castro_exp2.yaml",
            },
        },
        seeds="1..3",
        provider_limits={"openai": 2},
        budget={"max_tokens": BUDGET_TOKENS},
    )


def test_an_interrupted_sweep_continues_and_runs_every_cell_exactly_once(
    llm_sweep: Path, campaign_dir: Path, cli: Callable[..., Any]
) -> None:
    db = campaign_dir / "runs.db"
    first = subprocess.Popen(
        [*CASHLOOP, "sweep", str(llm_sweep), "--db", str(db), "--parallel", "3"],
        cwd=campaign_dir, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while (
        (
            _completed(db) < 2 or not _with_status(db, "running")  # two done, one stored in flight
        )
        and time.monotonic() < deadline
        and first.poll() is None
    ):
        time.sleep(0.05)
    os.killpg(first.pid, signal.SIGINT)  # Ctrl-C in the sweep's terminal: every process
    _, err = first.communicate(timeout=60)
    assert first.returncode == 130, err
    assert "run the same command to continue" in err
    done_before = _completed(db)
    # cells in flight: marked interrupted, or (Ctrl-C before their watch was set up) left
    # "running" by a process that is gone, which the next invocation resumes as well
    interrupted = [
        r.run_id
        for r in _all_runs(db)
        if r.status == "interrupted"
        or (r.status == "running" and writer_state(r.writer_pid, r.writer_host) == "dead")
    ]
    assert interrupted, [(r.run_id, r.status) for r in _all_runs(db)]
    assert 2 <= done_before < 12

    again = cli("sweep", str(llm_sweep), "--db", str(db), "--parallel", "3")
    assert again.returncode == 0, again.stderr
    assert "all 12 cells completed" in again.stderr

    with ExperimentRepository(db, create=False) as repo:
        runs = repo.list_runs()
        assert len(runs) == 12
        assert {r.status for r in runs} == {"completed"}
        tokens = 0
        for record in runs:
            events = list(repo.as_state_provider(record.run_id).get_all_events())
            kinds = [e["event_type"] for e in events]
            assert kinds.count("experiment_start") == 1, record.run_id
            assert kinds.count("experiment_end") == 1, record.run_id
            iterations = [e["iteration"] for e in events if e["event_type"] == "iteration_complete"]
            assert iterations == list(range(1, len(iterations) + 1)), record.run_id
            start = events[0]
            assert start["provenance"]["sweep"]["sweep"] == "grid"
            assert start["model"] == start["provenance"]["sweep"]["factors"]["llm.model"]
            tokens += sum(
                e["prompt_tokens"] + e["completion_tokens"]
                for e in events
                if e["event_type"] == "llm_call"
            )
        assert {r.run_id for r in runs if r.resume_count == 1} == set(interrupted)
        assert {r.resume_count for r in runs} <= {0, 1}
    assert 0 < tokens <= BUDGET_TOKENS

    sweeps = cli("sweeps", "--db", str(db), "--json")
    assert sweeps.returncode == 0, sweeps.stderr
    (row,) = json.loads(sweeps.stdout)
    assert row["sweep"] == "grid" and row["state"] == "complete" and row["completed"] == 12
    assert row["tokens"] == tokens

    compared = cli("compare", "--sweep", "grid", "--db", str(db), "--json")
    assert compared.returncode == 0, compared.stderr
    result = json.loads(compared.stdout)
    assert result["factors"] == ["llm.model", "evaluator.scenario"]
    assert len(result["groups"]) == 4
    for group in result["groups"]:
        assert group["seeds"] == [1, 2, 3]
        final = group["final_cost"]
        assert final["n"] == 3 and final["lower"] <= final["mean"] <= final["upper"]
        assert set(group["final_costs"]) == {"BANK_A", "BANK_B"}
    assert "warning" not in compared.stderr
    text = cli("compare", "--sweep", "grid", "--db", str(db))
    assert text.returncode == 0 and "model-b" in text.stdout and "exp2" in text.stdout

    out = campaign_dir / "export"
    exported = cli(
        "export", "--sweep", "grid", "--db", str(db), "--format", "csv", "--out", str(out)
    )
    assert exported.returncode == 0, exported.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "decisions.csv", "iterations.csv", "llm_calls.csv", "policies.csv", "runs.csv",
    ]  # fmt: skip


def test_no_new_cell_starts_once_the_sweep_budget_is_spent(
    llm_sweep: Path, campaign_dir: Path, cli: Callable[..., Any]
) -> None:
    db = campaign_dir / "runs.db"
    done = cli("sweep", str(llm_sweep), "--db", str(db), "--parallel", "1", "--max-tokens", "100")
    assert done.returncode == 1
    assert "the sweep budget is spent" in done.stderr
    assert _completed(db) == 1  # the first cell spent it; no other cell was started


def test_plot_of_a_sweep_writes_its_chart_and_each_cells_charts(
    campaign_dir: Path, cli: Callable[..., Any]
) -> None:
    (campaign_dir / "sweep.yaml").write_text(
        yaml.safe_dump({"name": "small", "base": "base.yaml", "seeds": "1..2"}), "utf-8"
    )
    db = campaign_dir / "runs.db"
    assert cli("sweep", "sweep.yaml", "--db", str(db), "--parallel", "2").returncode == 0
    out = campaign_dir / "charts"
    done = cli("plot", "--sweep", "small", "--db", str(db), "--out", str(out), "--format", "svg")
    assert done.returncode == 0, done.stderr
    assert (out / "small.final-cost.svg").is_file()
    cells = sorted(p.name for p in (out / "runs").iterdir())
    assert cells == [
        "small_seed=1.costs.svg", "small_seed=1.parameters.svg",
        "small_seed=2.costs.svg", "small_seed=2.parameters.svg",
    ]  # fmt: skip
    chart = (out / "runs" / "small_seed=1.costs.svg").read_text()
    assert "cost per day (USD)" in chart and "BANK_A" in chart and "iteration" in chart
    again = cli("plot", "small/seed=1", "--db", str(db), "--out", str(campaign_dir / "again"),
                "--format", "svg")  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert (campaign_dir / "again" / "small_seed=1.costs.svg").read_text() == chart  # deterministic
