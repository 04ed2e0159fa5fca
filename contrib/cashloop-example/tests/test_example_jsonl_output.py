"""``example-jsonl``: every event it receives, in order, one JSON line each."""

from __future__ import annotations

import json

import cashloop_example
import pytest

from cashloop.errors import ConfigError
from cashloop.testing import collect_specs, run_component


def _spec():  # type: ignore[no-untyped-def]
    (spec,) = collect_specs(cashloop_example, "register_output_handlers")
    return spec


def test_the_plugin_registers_example_jsonl():
    spec = _spec()
    assert spec.name == "example-jsonl"
    assert spec.options is cashloop_example.JsonLinesOptions


def test_the_path_is_resolved_against_the_config_folder(tmp_path):
    handler = run_component(_spec(), {"path": "logs/events.jsonl"}, base_dir=tmp_path)
    assert handler.path == tmp_path / "logs" / "events.jsonl"


def test_path_is_required_and_unknown_options_are_errors():
    with pytest.raises(ConfigError) as info:
        run_component(_spec(), {"file": "x"})
    assert set(info.value.errors) == {
        "outputs[0]: unknown key(s) file; allowed: path",
        "outputs[0].path: required key is missing",
    }


def test_each_event_becomes_one_json_line_in_order(tmp_path):
    handler = run_component(_spec(), {"path": "e.jsonl"}, base_dir=tmp_path)
    events = [
        (0, "experiment_start", {"experiment_name": "x", "agents": ["A"]}),
        (1, "iteration_start", {"iteration": 1, "total_cost": 12_345}),
        (1, "policy_change", {"agent_id": "A", "delta": -7, "accepted": False, "p_value": 0.25}),
    ]
    for iteration, event_type, data in events:
        handler.record_event(iteration=iteration, event_type=event_type, event_data=data)
    handler.on_experiment_complete()
    lines = (tmp_path / "e.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [
        {"event_type": t, "iteration": i, **d} for i, t, d in events
    ]


def test_a_second_run_appends_instead_of_overwriting(tmp_path):
    for run in ("first", "second"):
        handler = run_component(_spec(), {"path": "e.jsonl"}, base_dir=tmp_path)
        handler.record_event(
            iteration=0, event_type="experiment_start", event_data={"experiment_name": run}
        )
        handler.close()
    names = [
        json.loads(x)["experiment_name"] for x in (tmp_path / "e.jsonl").read_text().splitlines()
    ]
    assert names == ["first", "second"]
