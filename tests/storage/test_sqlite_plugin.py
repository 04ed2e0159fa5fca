"""The ``sqlite`` plugin as the core uses it: registered through the entry point, built from
its options, and driven through pluggy's recording hooks."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import cattrs
import pluggy
import pytest
from storage_helpers import (
    config_snapshot,
    hook_caller,
    live_provider,
    replay_into,
    run_info,
    scripted_run,
)

import cashloop_sqlite
from cashloop.errors import StorageError
from cashloop.hookspecs import PROJECT_NAME, RegistrationSpecs
from cashloop.protocols import StorageBackend
from cashloop.runner.state_provider import ExperimentStateProviderProtocol
from cashloop.specs import StorageBackendSpec
from cashloop_sqlite import SqliteOptions, SqliteStorageBackend


def test_entry_point_named_sqlite_points_at_the_plugin_module() -> None:
    (entry,) = [ep for ep in entry_points(group="cashloop") if ep.name == "sqlite"]
    assert entry.load() is cashloop_sqlite


def test_registers_one_sqlite_spec_with_options_class(tmp_path: Path) -> None:
    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(RegistrationSpecs)
    pm.register(cashloop_sqlite, name="sqlite")
    pm.check_pending()
    (specs,) = pm.hook.register_storage_backends()
    (spec,) = specs
    assert isinstance(spec, StorageBackendSpec)
    assert spec.name == "sqlite"
    assert spec.options is SqliteOptions
    backend = spec.factory(SqliteOptions(path=tmp_path / "x.db"))
    try:
        assert isinstance(backend, StorageBackend)
        assert (tmp_path / "x.db").is_file()
    finally:
        backend.close()


def test_options_default_path_and_cattrs_structuring() -> None:
    assert SqliteOptions().path == Path("results/cashloop.db")
    converter = cattrs.Converter(forbid_extra_keys=True)
    assert converter.structure({"path": "runs.db"}, SqliteOptions).path == Path("runs.db")
    with pytest.raises(cattrs.ClassValidationError):
        converter.structure({"path": "runs.db", "journal": "wal"}, SqliteOptions)


def test_run_through_pluggy_reads_back_exactly_as_the_live_provider(
    backend: SqliteStorageBackend, lifecycle_pm: pluggy.PluginManager
) -> None:
    run, config = run_info(), config_snapshot()
    calls = scripted_run(num_iterations=3)
    backend.create_run(run, config)
    replay_into(calls, hook_caller(lifecycle_pm, run))
    # hooks the backend does not implement are fine to call: pluggy just skips it
    lifecycle_pm.hook.on_convergence(reason="max_iterations", run=run)
    backend.set_status(run.run_id, "completed")

    live = live_provider(calls, run, config)
    stored = backend.open_run(run.run_id)
    assert isinstance(stored, ExperimentStateProviderProtocol)
    assert list(stored.get_all_events()) == list(live.get_all_events())
    assert stored.get_total_iterations() == live.get_total_iterations() == 3
    for iteration in range(3):
        assert stored.get_iteration_costs(iteration) == live.get_iteration_costs(iteration)
        assert stored.get_iteration_accepted_changes(
            iteration
        ) == live.get_iteration_accepted_changes(iteration)
        assert stored.get_iteration_policies(iteration) == live.get_iteration_policies(iteration)
    assert stored.get_final_result() == live.get_final_result()
    info = stored.get_experiment_info()
    assert {k: info[k] for k in live.get_experiment_info()} == live.get_experiment_info()
    assert info["status"] == "completed"
    (summary,) = backend.list_runs()
    assert (summary.run_id, summary.num_iterations, summary.final_cost) == (run.run_id, 3, 194_001)


def test_hooks_for_a_run_the_backend_never_started_stop_the_run(
    lifecycle_pm: pluggy.PluginManager,
) -> None:
    with pytest.raises(StorageError, match="was not created or resumed"):
        lifecycle_pm.hook.record_event(
            iteration=0, event_type="experiment_start", event_data={}, run=run_info()
        )


def test_event_data_that_would_not_read_back_equal_stops_the_run(
    backend: SqliteStorageBackend, lifecycle_pm: pluggy.PluginManager
) -> None:
    run = run_info()
    backend.create_run(run, config_snapshot())
    with pytest.raises(StorageError, match=r"policy_rejected\.validation_errors: tuple"):
        lifecycle_pm.hook.record_event(
            iteration=1,
            event_type="policy_rejected",
            event_data={"agent_id": "BANK_A", "validation_errors": ("too high",)},
            run=run,
        )


def test_float_money_in_an_iteration_record_stops_the_run(
    backend: SqliteStorageBackend, lifecycle_pm: pluggy.PluginManager
) -> None:
    run = run_info()
    backend.create_run(run, config_snapshot())
    with pytest.raises(StorageError, match=r"costs_per_agent\['BANK_A'\] must be integer cents"):
        lifecycle_pm.hook.record_iteration(
            iteration=0,
            costs_per_agent={"BANK_A": 10.5},
            accepted_changes={},
            policies={},
            run=run,
        )
    assert backend.open_run(run.run_id).get_total_iterations() == 0
