"""Fixtures: a real Dask scheduler and two workers, each a separate process started from the
``dask scheduler`` / ``dask worker`` command-line programs on 127.0.0.1 (free ports, found through
a scheduler file), killed after the tests. The workers run this interpreter, so cashloop, its
plugins and ``dask_helpers`` are importable there (and in the scheduler, which unpickles task
graphs)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

HERE = Path(__file__).resolve().parent
START_SECONDS = 60.0


@attrs.define
class ExternalCluster:
    """A scheduler at ``address`` and its worker processes (each a nanny and its worker)."""

    address: str
    scheduler_file: Path
    scheduler: subprocess.Popen[bytes]
    workers: list[subprocess.Popen[bytes]]
    log_dir: Path

    def start_worker(self, name: str, *, victim: bool = False) -> subprocess.Popen[bytes]:
        """One more worker process (under a nanny) joining the scheduler."""
        env = _environment()
        env.pop("CASHLOOP_DASK_TEST_VICTIM", None)
        if victim:
            env["CASHLOOP_DASK_TEST_VICTIM"] = "1"
        command = [sys.executable, "-m", "distributed.cli.dask_worker"]
        command += ["--scheduler-file", str(self.scheduler_file), "--host", "127.0.0.1"]
        command += ["--nthreads", "1", "--nworkers", "1", "--no-dashboard", "--name", name]
        log = (self.log_dir / f"{name}.log").open("wb")
        worker = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.workers.append(worker)
        return worker

    def wait_for_workers(self, count: int) -> None:
        from distributed import Client

        with Client(self.address, timeout=START_SECONDS, set_as_default=False) as client:
            client.wait_for_workers(count, timeout=START_SECONDS)

    def stop(self) -> None:
        for process in [*self.workers, self.scheduler]:
            _stop(process)


def _environment() -> dict[str, str]:
    """This process's environment, with ``dask_helpers`` importable: the scheduler unpickles
    task graphs and the workers run them, so both need what the tasks reference."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), *sys.path])}


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Ends a process and everything it started (its own session)."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ExternalCluster]:
    """A scheduler and two single-thread workers as separate processes; the first worker is the
    one a ``die_marker`` evaluator kills (its nanny restarts it)."""
    from dask_helpers import require_dask

    require_dask()
    folder = tmp_path_factory.mktemp("dask-cluster")
    scheduler_file = folder / "scheduler.json"
    command = [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1"]
    command += ["--port", "0", "--no-dashboard", "--scheduler-file", str(scheduler_file)]
    log = (folder / "scheduler.log").open("wb")
    scheduler = subprocess.Popen(
        command, env=_environment(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    cluster = ExternalCluster("", scheduler_file, scheduler, [], folder)
    try:
        address = _scheduler_address(scheduler_file, scheduler, folder / "scheduler.log")
        cluster.address = address
        cluster.start_worker("victim", victim=True)
        cluster.start_worker("steady")
        cluster.wait_for_workers(2)
        yield cluster
    finally:
        cluster.stop()


def _scheduler_address(path: Path, scheduler: subprocess.Popen[bytes], log: Path) -> str:
    import json

    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if scheduler.poll() is not None:
            raise RuntimeError(f"dask scheduler exited: {log.read_text(errors='replace')}")
        try:
            return str(json.loads(path.read_text(encoding="utf-8"))["address"])
        except (OSError, ValueError, KeyError):
            time.sleep(0.1)
    raise RuntimeError(f"dask scheduler did not start within {START_SECONDS:g} s")
