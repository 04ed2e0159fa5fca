"""``example-jsondir``: the StorageBackend contract, recording hooks included."""

from __future__ import annotations

import cashloop_example
import pytest

from cashloop.errors import StorageError, UserError
from cashloop.plugin import RunInfo, StorageBackend
from cashloop.runner.state_provider import ExperimentStateProviderProtocol
from cashloop.testing import collect_specs, run_component

RUN = RunInfo(run_id="exp-20260101-000000-abc123", experiment_name="exp", master_seed=9)


@pytest.fixture
def storage(tmp_path):  # type: ignore[no-untyped-def]
    (spec,) = collect_specs(cashloop_example, "register_storage_backends")
    backend = run_component(spec, {"root": "runs"}, base_dir=tmp_path)
    yield backend
    backend.close()


def _record_run(storage) -> None:  # type: ignore[no-untyped-def]
    storage.create_run(RUN, {"name": "exp", "master_seed": 9})
    storage.record_event(0, "experiment_start", {"experiment_name": "exp"}, RUN)
    storage.record_event(1, "iteration_start", {"iteration": 1, "total_cost": 500}, RUN)
    storage.record_iteration(0, {"A": 500}, {"A": True}, {"A": {"parameters": {"x": 0.5}}}, RUN)
    storage.set_final_result(450, 440, False, "max_iterations", RUN)
    storage.record_event(1, "experiment_end", {"final_cost": 450}, RUN)
    storage.set_status(RUN.run_id, "completed")


def test_it_satisfies_the_storage_protocol(storage, tmp_path):
    assert isinstance(storage, StorageBackend)
    assert storage.root == tmp_path / "runs"


def test_a_recorded_run_reads_back_through_open_run(storage):
    _record_run(storage)
    stored = storage.open_run(RUN.run_id)
    assert isinstance(stored, ExperimentStateProviderProtocol)
    assert [e["event_type"] for e in stored.get_all_events()] == [
        "experiment_start",
        "iteration_start",
        "experiment_end",
    ]
    assert next(iter(stored.get_all_events())) == {
        "event_type": "experiment_start",
        "iteration": 0,
        "experiment_name": "exp",
    }
    assert stored.get_total_iterations() == 1
    assert stored.get_iteration_costs(0) == {"A": 500}
    assert stored.get_iteration_accepted_changes(0) == {"A": True}
    assert stored.get_iteration_policies(0) == {"A": {"parameters": {"x": 0.5}}}
    assert stored.get_final_result() == {
        "final_cost": 450,
        "best_cost": 440,
        "converged": False,
        "convergence_reason": "max_iterations",
    }
    info = stored.get_experiment_info()
    assert (info["run_id"], info["status"], info["config"]["master_seed"]) == (
        RUN.run_id,
        "completed",
        9,
    )


def test_list_runs_shows_status_and_result(storage):
    _record_run(storage)
    (row,) = storage.list_runs()
    assert (row.run_id, row.status, row.num_iterations, row.final_cost, row.converged) == (
        RUN.run_id,
        "completed",
        1,
        450,
        False,
    )
    assert storage.list_runs(limit=0) == []


def test_events_of_a_run_it_did_not_create_are_refused(storage):
    with pytest.raises(StorageError, match="not created"):
        storage.record_event(0, "experiment_start", {}, RUN)


def test_a_run_id_is_never_created_twice(storage):
    storage.create_run(RUN, {})
    with pytest.raises(StorageError, match="already exists"):
        storage.create_run(RUN, {})


def test_opening_an_unknown_run_is_a_user_error(storage):
    with pytest.raises(UserError, match="no run 'nope'"):
        storage.open_run("nope")


def test_a_line_cut_by_a_crash_is_ignored_when_reading(storage):
    storage.create_run(RUN, {})
    storage.record_event(0, "experiment_start", {"experiment_name": "exp"}, RUN)
    with (storage.root / RUN.run_id / "events.jsonl").open("a") as f:
        f.write('{"event_type": "iterat')
    events = list(storage.open_run(RUN.run_id).get_all_events())
    assert [e["event_type"] for e in events] == ["experiment_start"]
