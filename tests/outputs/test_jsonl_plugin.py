"""The jsonl plugin: one event per line, appended in order, flushed, round-tripping."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pluggy
import pytest

import cashloop.hookspecs
import cashloop_jsonl
from cashloop.plugin import OutputHandlerSpec, RunInfo
from cashloop_jsonl import JsonlOptions, JsonlOutput, make_jsonl_output

RUN = RunInfo(run_id="run-0001", experiment_name="castro-exp2")


def _plugin_manager(*plugins: object) -> pluggy.PluginManager:
    pm = pluggy.PluginManager("cashloop")
    pm.add_hookspecs(cashloop.hookspecs.RegistrationSpecs)
    pm.add_hookspecs(cashloop.hookspecs.LifecycleSpecs)
    for plugin in plugins:
        pm.register(plugin)
    pm.check_pending()
    return pm


def _emit(pm: pluggy.PluginManager, events: list[dict[str, Any]], complete: bool = True) -> None:
    for event in events:
        data = {k: v for k, v in event.items() if k not in ("event_type", "iteration")}
        pm.hook.record_event(
            iteration=event["iteration"], event_type=event["event_type"], event_data=data, run=RUN
        )
    if complete:
        pm.hook.on_experiment_complete(result=None, run=RUN)


def _read(path: pathlib.Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_registers_the_jsonl_output_handler() -> None:
    pm = _plugin_manager(cashloop_jsonl)
    specs = [spec for result in pm.hook.register_output_handlers() for spec in result]
    assert [(s.name, s.options) for s in specs] == [("jsonl", JsonlOptions)]
    assert isinstance(specs[0], OutputHandlerSpec)
    assert isinstance(specs[0].factory(JsonlOptions()), JsonlOutput)
    assert JsonlOptions().path is None


def test_file_lines_round_trip(run_events: list[dict[str, Any]], tmp_path: pathlib.Path) -> None:
    path = tmp_path / "deep" / "dir" / "events.jsonl"  # parents are created
    _emit(_plugin_manager(make_jsonl_output(JsonlOptions(path=path))), run_events)
    decoded = _read(path)
    assert decoded == run_events
    assert [list(d) for d in decoded] == [list(e) for e in run_events]  # key order kept
    assert path.read_text(encoding="utf-8").endswith("\n")


def test_runs_are_appended_in_order(
    run_events: list[dict[str, Any]], tmp_path: pathlib.Path
) -> None:
    path = tmp_path / "events.jsonl"
    _emit(_plugin_manager(make_jsonl_output(JsonlOptions(path=path))), run_events[:3])
    _emit(_plugin_manager(make_jsonl_output(JsonlOptions(path=path))), run_events[3:])
    assert _read(path) == run_events


def test_every_line_is_on_disk_before_the_next_event(
    run_events: list[dict[str, Any]], tmp_path: pathlib.Path
) -> None:
    path = tmp_path / "events.jsonl"
    pm = _plugin_manager(make_jsonl_output(JsonlOptions(path=path)))
    for count, event in enumerate(run_events, start=1):
        _emit(pm, [event], complete=False)
        assert _read(path) == run_events[:count]  # flushed: readable while the file is open


def test_a_cut_line_from_a_crash_is_not_joined(
    run_events: list[dict[str, Any]], tmp_path: pathlib.Path
) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text('{"event_type":"experiment_start"}\n{"event_type":"itera', encoding="utf-8")
    _emit(_plugin_manager(make_jsonl_output(JsonlOptions(path=path))), run_events[:2])
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[1] == '{"event_type":"itera'
    assert [json.loads(line) for line in lines[2:]] == run_events[:2]


def test_closed_on_experiment_complete(
    run_events: list[dict[str, Any]], tmp_path: pathlib.Path
) -> None:
    handler = make_jsonl_output(JsonlOptions(path=tmp_path / "e.jsonl"))
    pm = _plugin_manager(handler)
    _emit(pm, run_events[:1], complete=False)
    stream = handler._file
    assert stream is not None and not stream.closed
    pm.hook.on_experiment_complete(result=None, run=RUN)
    assert stream.closed and handler._file is None
    _emit(pm, run_events[1:2])  # a late event reopens in append mode
    assert _read(tmp_path / "e.jsonl") == run_events[:2]


def test_stdout_when_no_path(
    run_events: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    _emit(_plugin_manager(make_jsonl_output(JsonlOptions())), run_events)
    out = capsys.readouterr().out
    assert [json.loads(line) for line in out.splitlines()] == run_events
