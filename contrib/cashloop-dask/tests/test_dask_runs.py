"""Whole castro_exp2 runs on Dask give the event log a serial run gives (run id aside): on a
scheduler with two worker processes, on a local cluster, and when a worker is killed mid-run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dask_helpers import (
    WatchedRtgsPlugin,
    castro_exp2,
    require_dask,
    strip_run_id,
    unpickled_in,
)

require_dask()

from conftest import ExternalCluster  # noqa: E402

from cashloop.testing import arun_experiment  # noqa: E402


async def _events(config: dict[str, Any], folder: Path) -> tuple[Any, list[dict[str, Any]]]:
    folder.mkdir()
    result, provider = await arun_experiment(config, folder, extra_plugins=[WatchedRtgsPlugin()])
    return result, strip_run_id(list(provider.get_all_events()))


def _watched(config: dict[str, Any], log: Path, die_marker: Path | None = None) -> dict[str, Any]:
    evaluator: dict[str, Any] = {"type": "watched-rtgs", "unpickle_log": str(log)}
    if die_marker is not None:
        evaluator["die_marker"] = str(die_marker)
    return {**config, "evaluator": evaluator}


async def test_a_scheduler_with_two_worker_processes_gives_the_serial_event_log(
    dask_cluster: ExternalCluster, tmp_path: Path
) -> None:
    serial = castro_exp2(tmp_path, {"type": "serial"})
    dask = castro_exp2(tmp_path, {"type": "dask", "address": dask_cluster.address})
    log = tmp_path / "unpickled"
    serial_result, serial_events = await _events(_watched(serial, log), tmp_path / "serial")
    assert unpickled_in(log) == []  # a serial run never ships its evaluator
    dask_result, dask_events = await _events(_watched(dask, log), tmp_path / "dask")
    assert dask_events == serial_events
    assert dask_result.final_costs == serial_result.final_costs
    assert dask_result.final_policies == serial_result.final_policies
    # sent once to each of the two workers, then reused by every batch of every iteration
    assert len(unpickled_in(log)) == 2 == len(set(unpickled_in(log)))


async def test_a_local_cluster_gives_the_serial_event_log(tmp_path: Path) -> None:
    serial = castro_exp2(tmp_path, {"type": "serial"})
    local = castro_exp2(tmp_path, {"type": "dask", "workers": 2})
    log = tmp_path / "unpickled"
    _, serial_events = await _events(_watched(serial, log), tmp_path / "serial")
    _, local_events = await _events(_watched(local, log), tmp_path / "local")
    assert local_events == serial_events
    assert len(unpickled_in(log)) == 2 == len(set(unpickled_in(log)))


async def test_a_worker_killed_mid_run_changes_nothing(
    dask_cluster: ExternalCluster, tmp_path: Path
) -> None:
    """The victim worker kills itself (SIGKILL) inside its first evaluation: the scheduler runs
    that task again on the other worker, the nanny restarts the victim, the run completes."""
    marker = tmp_path / "killed"
    serial = castro_exp2(tmp_path, {"type": "serial"})
    dask = castro_exp2(tmp_path, {"type": "dask", "address": dask_cluster.address})
    log = tmp_path / "unpickled"
    serial_result, serial_events = await _events(_watched(serial, log, marker), tmp_path / "s")
    assert not marker.exists()  # nobody dies outside the victim worker
    dask_result, dask_events = await _events(_watched(dask, log, marker), tmp_path / "d")
    assert marker.exists()
    killed = int(marker.read_text(encoding="utf-8"))
    assert killed in unpickled_in(log)
    assert dask_events == serial_events
    assert dask_result.final_costs == serial_result.final_costs
    dask_cluster.wait_for_workers(2)  # the nanny brought the victim back
