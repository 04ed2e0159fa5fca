"""``rerun --offline`` checks the recording first: a run that ended early is explained, and no
stray run is left behind."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from cashloop.config import ExperimentConfig
from cashloop.runner.experiment_runner import GenericExperimentRunner
from cashloop.types import PolicyProposal, PolicyRequest
from hostile.hostile_helpers import cli, policy, stored_runs, write_config


class _InterruptedAt:
    """Answers with a valid policy until ``iteration``, then Ctrl-C."""

    def __init__(self, iteration: int) -> None:
        self.iteration = iteration

    async def propose(self, request: PolicyRequest) -> PolicyProposal:
        if request.iteration >= self.iteration:
            raise KeyboardInterrupt
        return PolicyProposal(policy=policy(0.3), raw_response="{}")


def test_a_recording_that_ends_early_is_explained_and_leaves_no_stray_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(tmp_path, convergence={"max_iterations": 5})
    config = ExperimentConfig.from_yaml(path)
    db = tmp_path / "runs.db"
    runner = GenericExperimentRunner(config, db_path=db, llm_client=_InterruptedAt(3))
    with pytest.raises(KeyboardInterrupt):
        asyncio.run(runner.run())
    (run,) = stored_runs(db)
    assert run.status == "interrupted"

    assert cli("rerun", run.run_id, "--offline", "--db", db) == 2

    err = capsys.readouterr().err
    assert "the recording ends at iteration 2: the original run was interrupted" in err
    assert f"cashloop resume {run.run_id}" in err
    assert [r.run_id for r in stored_runs(db)] == [run.run_id]


def test_a_completed_recording_reruns(tmp_path: Path) -> None:
    path = write_config(tmp_path, answers=[policy(0.3)], convergence={"max_iterations": 2})
    db = tmp_path / "runs.db"
    assert cli("run", path, "--db", db) == 0
    (run,) = stored_runs(db)

    assert cli("rerun", run.run_id, "--offline", "--db", db) == 0
    assert len(stored_runs(db)) == 2
