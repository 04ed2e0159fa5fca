"""Ctrl-C and SIGTERM stop a run at once, resumable, and say how to resume; a signal after the run
recorded its end changes nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cashloop.persistence import ExperimentRepository
from cashloop.runner.interrupts import watch_interrupts
from hostile.hostile_helpers import EXAMPLES

CASHLOOP = str(Path(sys.executable).with_name("cashloop"))


def _signal_after_first_commit(db: Path, tmp_path: Path, signum: int) -> tuple[str, int, str]:
    env = {k: v for k, v in os.environ.items() if k != "CASHLOOP_DB"}
    process = subprocess.Popen(
        [CASHLOOP, "run", str(EXAMPLES / "castro_exp2.yaml"), "--db", str(db)],
        cwd=tmp_path,
        env=env,
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
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    return run_id, process.returncode, stderr


@pytest.mark.parametrize(
    ("signum", "name"), [(signal.SIGTERM, "SIGTERM"), (signal.SIGINT, "Ctrl-C")]
)
def test_a_stop_signal_interrupts_the_run_and_says_how_to_resume(
    tmp_path: Path, signum: int, name: str
) -> None:
    db = tmp_path / "runs.db"

    run_id, returncode, stderr = _signal_after_first_commit(db, tmp_path, signum)

    assert returncode == 130, stderr
    assert "Traceback" not in stderr
    assert f"{name}: stopping after iteration" in stderr
    assert f"resume with `cashloop resume {run_id}`" in stderr
    with ExperimentRepository(db) as repo:
        assert repo.get_run(run_id).status == "interrupted"


def test_a_signal_after_the_run_ended_is_noted_and_ignored() -> None:
    with watch_interrupts(ended=lambda: True) as watch:
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGINT)
    assert watch.late and not watch.seen


def test_a_signal_before_the_end_interrupts_at_once() -> None:
    with pytest.raises(KeyboardInterrupt), watch_interrupts(resume_hint=lambda: "soon") as watch:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # never reached: the handler raises as soon as the signal arrives
    assert watch.seen
