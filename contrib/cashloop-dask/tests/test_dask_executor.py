"""The ``dask`` executor is a ``concurrent.futures.Executor``: standard futures, the run's
evaluator installed once in every worker (later ones too), retries, and a shutdown that closes
only what it started."""

from __future__ import annotations

import concurrent.futures as cf
import operator
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from dask_helpers import fails_once, require_dask, unpickled_in, watched_rtgs

require_dask()

from cashloop_dask import DaskOptions, create_dask_executor  # noqa: E402
from conftest import ExternalCluster  # noqa: E402

from cashloop.plugin import EvaluatorHost  # noqa: E402


def Client(address: Any, **options: Any) -> Any:
    """``distributed.Client``, imported when a test runs (see ``require_dask``)."""
    from distributed import Client as DaskClient

    return DaskClient(address, **options)


def _worker_pids(client: Any) -> set[int]:
    return set(client.run(os.getpid).values())


def _plugins(address: str) -> list[str]:
    with Client(address, set_as_default=False) as client:
        names = client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.worker_plugins))
    return [n for n in names if n.startswith("cashloop-")]


def test_futures_are_standard_and_drive_as_completed(dask_cluster: ExternalCluster) -> None:
    executor = create_dask_executor(DaskOptions(address=dask_cluster.address))
    try:
        assert isinstance(executor, cf.Executor)
        assert isinstance(executor, EvaluatorHost)
        assert executor.max_workers == 2  # two workers of one thread each
        futures = [executor.submit(operator.mul, i, 10) for i in range(8)]
        assert all(isinstance(f, cf.Future) for f in futures)
        assert sorted(f.result() for f in cf.as_completed(futures, timeout=60)) == [
            i * 10 for i in range(8)
        ]
        failing = executor.submit(operator.truediv, 1, 0)
        done, _ = cf.wait([failing], timeout=60)
        assert failing in done
        assert isinstance(failing.exception(), ZeroDivisionError)
    finally:
        executor.shutdown()


def test_a_task_that_raised_is_run_again_when_retries_allow(
    dask_cluster: ExternalCluster, tmp_path: Path
) -> None:
    for retries, marker in ((0, tmp_path / "no-retry"), (1, tmp_path / "retry")):
        executor = create_dask_executor(DaskOptions(address=dask_cluster.address, retries=retries))
        try:
            future = executor.submit(fails_once, str(marker), 7)
            if retries:
                assert future.result(timeout=60) == 7
            else:
                with pytest.raises(RuntimeError, match="a transient failure"):
                    future.result(timeout=60)
        finally:
            executor.shutdown()


def test_the_evaluator_reaches_every_worker_once_and_later_workers_too(
    dask_cluster: ExternalCluster, tmp_path: Path
) -> None:
    log = tmp_path / "unpickled"
    executor = create_dask_executor(DaskOptions(address=dask_cluster.address))
    late = None
    try:
        payload = pickle.dumps(watched_rtgs(log))
        executor.bind_evaluator("k1", payload)
        executor.bind_evaluator("k1", payload)  # bound already: nothing travels again
        with Client(dask_cluster.address, set_as_default=False) as client:
            workers = _worker_pids(client)
            assert sorted(unpickled_in(log)) == sorted(workers)
            assert _plugins(dask_cluster.address) == ["cashloop-evaluator-k1"]
            late = dask_cluster.start_worker("late")
            client.wait_for_workers(3, timeout=60)
            deadline = time.monotonic() + 30
            while len(unpickled_in(log)) < 3 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert set(unpickled_in(log)) == _worker_pids(client)
            assert len(unpickled_in(log)) == 3
    finally:
        executor.shutdown()
        if late is not None:
            dask_cluster.workers.remove(late)
            late.terminate()
            late.wait(timeout=30)
    # a scheduler the executor was given keeps running, without the run's plugin
    assert _plugins(dask_cluster.address) == []
    dask_cluster.wait_for_workers(2)


def test_shutdown_closes_a_local_cluster_it_started() -> None:
    executor = create_dask_executor(DaskOptions(workers=2))
    assert not executor.started
    assert executor.submit(operator.add, 1, 2).result(timeout=60) == 3
    client = executor._client
    assert client is not None
    pids = _worker_pids(client)
    assert len(pids) == 2
    executor.shutdown(wait=True, cancel_futures=True)
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in pids)
    with pytest.raises(RuntimeError, match="after shutdown"):
        executor.submit(operator.add, 1, 2)


def test_shutdown_can_cancel_what_is_still_queued(dask_cluster: ExternalCluster) -> None:
    executor = create_dask_executor(DaskOptions(address=dask_cluster.address))
    futures = [executor.submit(time.sleep, 2) for _ in range(6)]  # 3 rounds on 2 workers
    began = time.monotonic()
    executor.shutdown(wait=True, cancel_futures=True)
    assert time.monotonic() - began < 4
    done, _ = cf.wait(futures, timeout=30)
    assert any(f.cancelled() for f in done)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


_OWNER = """
import operator, os, sys, time
from cashloop_dask import DaskOptions, create_dask_executor
if __name__ == "__main__":
    executor = create_dask_executor(DaskOptions(workers=2))
    executor.submit(operator.add, 1, 1).result()
    print(*executor._client.run(os.getpid).values(), flush=True)
    time.sleep(120)
"""


def test_a_local_cluster_s_workers_die_with_a_killed_run(tmp_path: Path) -> None:
    script = tmp_path / "owner.py"
    script.write_text(_OWNER, encoding="utf-8")
    owner = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert owner.stdout is not None
        pids = [int(p) for p in owner.stdout.readline().split()]
        assert len(pids) == 2 and all(_alive(p) for p in pids)
    finally:
        owner.kill()  # SIGKILL: no shutdown runs
        owner.wait(timeout=30)
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in pids)
