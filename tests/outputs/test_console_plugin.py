"""The console plugin through a real pluggy PluginManager: live output equals replay output."""

from __future__ import annotations

import io
import sys
from typing import Any

import attrs
import pluggy
import pytest
from rich.console import Console

import cashloop.hookspecs
import cashloop_console
from cashloop.plugin import OutputHandlerSpec, RunInfo
from cashloop.runner.display import display_experiment_output
from cashloop.runner.state_provider import LiveStateProvider
from cashloop.runner.verbose import VerboseConfig
from cashloop_console import ConsoleOptions, make_console_output
from cashloop_console.handler import ConsoleOutput

RUN = RunInfo(run_id="run-0001", experiment_name="castro-exp2")


class FakeTerminal(io.StringIO):
    """A text stream that claims to be a terminal."""

    def isatty(self) -> bool:
        return True


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
        if event["event_type"] in ("iteration_start", "iteration_complete"):
            data["iteration"] = event["iteration"]
        pm.hook.record_event(
            iteration=event["iteration"], event_type=event["event_type"], event_data=data, run=RUN
        )
    if complete:
        pm.hook.on_experiment_complete(result=None, run=RUN)


def _replay(events: list[dict[str, Any]], verbose: VerboseConfig, width: int) -> str:
    provider = LiveStateProvider(experiment_name="castro-exp2")
    for event in events:
        provider.record_event(event["iteration"], event["event_type"], event)
    console = Console(file=io.StringIO(), width=width, color_system=None)
    display_experiment_output(provider, console, verbose)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(text, str)
    return text


def test_registers_the_console_output_handler() -> None:
    pm = _plugin_manager(cashloop_console)
    specs = [spec for result in pm.hook.register_output_handlers() for spec in result]
    assert len(specs) == 1
    spec = specs[0]
    assert isinstance(spec, OutputHandlerSpec)
    assert spec.name == "console" and spec.options is ConsoleOptions and spec.description
    assert isinstance(spec.factory(ConsoleOptions()), ConsoleOutput)


def test_options_defaults_and_validation() -> None:
    options = ConsoleOptions()
    assert options == ConsoleOptions(
        verbose=VerboseConfig(), stream="stdout", width=None, progress=True
    )
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        options.stream = "stderr"  # type: ignore[misc]
    with pytest.raises(ValueError, match="stream"):
        ConsoleOptions(stream="file")
    with pytest.raises(ValueError):
        ConsoleOptions(width=0)


@pytest.mark.parametrize("verbose", [VerboseConfig(), VerboseConfig.all_enabled()])
def test_live_output_equals_replay_output(
    run_events: list[dict[str, Any]], verbose: VerboseConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = make_console_output(ConsoleOptions(verbose=verbose, width=100))
    _emit(_plugin_manager(handler), run_events)
    captured = capsys.readouterr()
    assert captured.out == _replay(run_events, verbose, width=100)
    assert "castro-exp2" in captured.out and "Iteration 1" in captured.out
    assert captured.err == ""  # not a terminal: no progress bar anywhere


def test_stream_stderr(
    run_events: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    handler = make_console_output(ConsoleOptions(stream="stderr", width=100))
    _emit(_plugin_manager(handler), run_events)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == _replay(run_events, VerboseConfig(), width=100)


def test_progress_bar_on_terminal_stderr_only(
    run_events: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal = FakeTerminal()
    monkeypatch.setattr("sys.stderr", terminal)
    monkeypatch.setenv("TERM", "xterm-256color")
    output = Console(file=io.StringIO(), width=100, color_system=None)
    handler = ConsoleOutput(ConsoleOptions(), console=output)
    pm = _plugin_manager(handler)
    _emit(pm, run_events[:2], complete=False)
    assert handler._progress.active
    assert "castro-exp2" in terminal.getvalue()  # the bar's label
    print("a log line", file=sys.stderr)  # routed above the bar while it is shown
    _emit(pm, run_events[2:])
    assert not handler._progress.active
    assert sys.stderr is terminal  # restored
    assert "a log line" in terminal.getvalue()
    assert output.file.getvalue() == _replay(run_events, VerboseConfig(), width=100)  # type: ignore[attr-defined]


def test_no_progress_when_disabled(
    run_events: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal = FakeTerminal()
    monkeypatch.setattr("sys.stderr", terminal)
    output = Console(file=io.StringIO(), width=100, color_system=None)
    handler = ConsoleOutput(ConsoleOptions(progress=False), console=output)
    _emit(_plugin_manager(handler), run_events)
    assert terminal.getvalue() == ""


def test_shared_terminal_draws_bar_through_the_output_console(
    run_events: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal = FakeTerminal()
    monkeypatch.setattr("sys.stderr", terminal)
    monkeypatch.setenv("TERM", "xterm-256color")
    output = Console(file=terminal, width=100, color_system=None, force_terminal=True)
    handler = ConsoleOutput(ConsoleOptions(), console=output)
    pm = _plugin_manager(handler)
    _emit(pm, run_events[:2], complete=False)
    assert handler._progress.active
    _emit(pm, run_events[2:])
    text = terminal.getvalue()
    assert "Iteration 1" in text and "Summary" in text


def test_progress_stops_when_the_run_fails_before_its_end(
    run_events: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stderr", FakeTerminal())
    handler = ConsoleOutput(
        ConsoleOptions(), console=Console(file=io.StringIO(), color_system=None)
    )
    pm = _plugin_manager(handler)
    event = run_events[0]
    data = {k: v for k, v in event.items() if k not in ("event_type", "iteration")}
    pm.hook.record_event(iteration=0, event_type="experiment_start", event_data=data, run=RUN)
    assert handler._progress.active
    pm.hook.on_experiment_complete(result=None, run=RUN)
    assert not handler._progress.active
