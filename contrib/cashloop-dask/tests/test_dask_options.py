"""``executor: {type: dask, ...}``: an existing scheduler's address or a local cluster's shape,
checked with the config's paths before anything starts."""

from __future__ import annotations

import socket

import pytest
from dask_helpers import require_dask

require_dask()

import cashloop_dask  # noqa: E402

from cashloop.plugin import ConfigError  # noqa: E402
from cashloop.testing import collect_specs, run_component  # noqa: E402


def _spec():  # type: ignore[no-untyped-def]
    (spec,) = collect_specs(cashloop_dask, "register_executors")
    return spec


def test_the_plugin_registers_the_dask_executor() -> None:
    spec = _spec()
    assert spec.name == "dask"
    assert spec.options is cashloop_dask.DaskOptions


def test_a_local_cluster_starts_only_when_work_arrives() -> None:
    executor = run_component(_spec(), {"workers": 3, "threads_per_worker": 2})
    try:
        assert not executor.started
        assert executor.max_workers == 6  # total worker threads: the tasks the service cuts
    finally:
        executor.shutdown()


def test_address_and_local_cluster_options_exclude_each_other() -> None:
    with pytest.raises(ConfigError) as info:
        run_component(_spec(), {"address": "tcp://127.0.0.1:8786", "workers": 2})
    assert info.value.errors == (
        "executor.address: cannot be combined with workers (those shape a local cluster; "
        "an existing scheduler has its own workers): remove one or the other",
    )


def test_every_invalid_option_is_reported_with_its_path() -> None:
    with pytest.raises(ConfigError) as info:
        run_component(
            _spec(),
            {"address": "127.0.0.1:8786", "retries": -1, "timeout": 0, "wrokers": 2},
        )
    assert info.value.errors == (
        "executor: unknown key(s) wrokers; allowed: "
        "address, workers, threads_per_worker, processes, retries, "
        "timeout",
    )
    with pytest.raises(ConfigError) as info:
        run_component(_spec(), {"address": "127.0.0.1:8786", "retries": -1, "timeout": 0})
    assert set(info.value.errors) == {
        "executor.address: '127.0.0.1:8786' is not a scheduler address; write it as "
        "tcp://HOST:PORT",
        "executor.retries: must be >= 0",
        "executor.timeout: must be > 0",
    }
    with pytest.raises(ConfigError) as info:
        run_component(_spec(), {"workers": 0, "threads_per_worker": 0})
    assert set(info.value.errors) == {
        "executor.workers: must be >= 1",
        "executor.threads_per_worker: must be >= 1",
    }


def test_an_unreachable_scheduler_is_a_config_error_before_the_run() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ConfigError) as info:
        run_component(_spec(), {"address": f"tcp://127.0.0.1:{port}", "timeout": 1})
    (error,) = info.value.errors
    assert error.startswith(
        f"executor.address: cannot reach a Dask scheduler at tcp://127.0.0.1:{port}"
    )
    assert error.endswith("start one (`dask scheduler`) or correct the address")
