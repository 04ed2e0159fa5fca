"""``cashloop watch``: another process follows a run while it is written, with the live text."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

import pytest
from loop_helpers import EXAMPLES

from cashloop.persistence import ExperimentRepository

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="uses SIGSTOP and SIGKILL")

CASHLOOP = str(Path(sys.executable).with_name("cashloop"))
EXP2 = str(EXAMPLES / "castro_exp2.yaml")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "CASHLOOP_DB"}
    env["COLUMNS"] = "250"
    return env


def _start(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [CASHLOOP, *args],
        cwd=cwd,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _writer_paused_after_first_commit(db: Path, cwd: Path) -> tuple[subprocess.Popen[str], str]:
    """``cashloop run castro_exp2``, frozen (SIGSTOP) once an iteration is committed."""
    writer = _start("run", EXP2, "--db", str(db), cwd=cwd)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and writer.poll() is None:
        if db.exists():
            with ExperimentRepository(db) as repo:
                run = next((r for r in repo.list_runs() if r.num_iterations), None)
            if run is not None:
                writer.send_signal(signal.SIGSTOP)
                return writer, run.run_id
        time.sleep(0.01)
    writer.kill()
    pytest.fail("the run committed no iteration")


class _Lines:
    """A process's stdout read line by line on a thread, so a test can wait for a line with a
    timeout without losing what the stream has already buffered (an event's lines may arrive
    in one write)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, args=(process.stdout,), daemon=True)
        self._thread.start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self._lines.put(line)
        self._lines.put(None)

    def until(self, marker: str, timeout: float = 60) -> str:
        """The lines up to and including the first one holding ``marker``."""
        seen: list[str] = []
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            seen.append(line)
            if marker in line:
                return "".join(seen)
        pytest.fail(f"{marker!r} never appeared; printed so far:\n{''.join(seen)}")

    def rest(self, timeout: float = 120) -> str:
        """Everything after what was read, up to the end of the stream."""
        self._thread.join(timeout)
        lines = []
        while (line := self._lines.get_nowait()) is not None:
            lines.append(line)
        return "".join(lines)


def test_watch_follows_a_run_in_progress_and_prints_the_live_text(tmp_path: Path) -> None:
    db = tmp_path / "watched.db"
    writer, run_id = _writer_paused_after_first_commit(db, tmp_path)
    watcher = _start("watch", run_id, "--db", str(db), "--interval", "0.05", cwd=tmp_path)
    lines = _Lines(watcher)
    try:
        early = lines.until("Iteration 1 result")  # shown while the writer is frozen
        assert watcher.poll() is None  # and it waits for more
        with ExperimentRepository(db) as repo:
            assert repo.get_run(run_id).status == "running"
    finally:
        writer.send_signal(signal.SIGCONT)
    live, writer_err = writer.communicate(timeout=120)
    rest = lines.rest()
    assert watcher.stderr is not None
    watch_err = watcher.stderr.read()
    watcher.wait(timeout=120)
    assert writer.returncode == 0, writer_err
    assert watcher.returncode == 0, watch_err
    assert "Summary" in live
    assert early + rest == live  # the same text as the live run, byte for byte


def test_watch_stops_when_the_writer_dies_and_says_how_to_continue(tmp_path: Path) -> None:
    db = tmp_path / "killed.db"
    writer, run_id = _writer_paused_after_first_commit(db, tmp_path)
    watcher = _start("watch", run_id, "--db", str(db), "--interval", "0.05", cwd=tmp_path)
    lines = _Lines(watcher)
    try:
        lines.until("Iteration 1 result")
    finally:
        writer.kill()  # SIGKILL: the run stays marked running, with no one writing it
        writer.communicate(timeout=60)
    lines.rest(timeout=60)
    assert watcher.stderr is not None
    stderr = watcher.stderr.read()
    assert watcher.wait(timeout=60) == 1
    assert f"run {run_id} stopped: its writer is gone" in stderr
    assert "cashloop resume" in stderr
    assert "Traceback" not in stderr
