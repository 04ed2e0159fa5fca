"""The ``console`` output handler: renders each event as it arrives, exactly as replay does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console

from cashloop.plugin import hookimpl
from cashloop.runner.display import render_event
from cashloop_console.options import ConsoleOptions
from cashloop_console.progress import RunProgress

__all__ = ["ConsoleOutput"]


class ConsoleOutput:
    """Receives ``record_event`` and renders it with the shared ``render_event``.

    It implements no ``on_*`` hook: every event already arrives through ``record_event``, and the
    display must be a function of the event stream alone (replay identity).
    """

    def __init__(self, options: ConsoleOptions, *, console: Console | None = None) -> None:
        self._verbose = options.verbose
        self._console = console or Console(
            stderr=options.stream == "stderr", width=options.width, highlight=False
        )
        self._console.size = self._console.size
        self._progress = RunProgress(self._console, enabled=options.progress)

    @property
    def console(self) -> Console:
        return self._console

    @hookimpl
    def record_event(self, iteration: int, event_type: str, event_data: Mapping[str, Any]) -> None:
        event = {"event_type": event_type, "iteration": iteration, **event_data}
        if event_type == "experiment_end":
            self._progress.stop()  # the summary prints without a bar below it
        render_event(event, self._console, self._verbose)
        self._progress.observe(event)

    @hookimpl
    def on_experiment_complete(self) -> None:
        self._progress.stop()
