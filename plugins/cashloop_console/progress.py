"""A transient iteration progress bar, shown only on a terminal and never in the output itself."""

from __future__ import annotations

import atexit
import io
import os
import sys
from collections.abc import Mapping
from typing import IO, Any

from rich.console import Console
from rich.errors import LiveError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from cashloop.events import EXPERIMENT_END, EXPERIMENT_START, ITERATION_COMPLETE, ITERATION_START

__all__ = ["RunProgress"]


class RunProgress:
    """Follows the event stream: starts on ``experiment_start``, ends on ``experiment_end``.

    The bar lives on stderr, and only when stderr is a terminal. When the output goes to that same
    terminal, the bar is drawn through the output's console, so printed events appear above it
    instead of being interleaved with it.
    """

    def __init__(self, output: Console, *, enabled: bool) -> None:
        self._output = output
        self._enabled = enabled
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    @property
    def active(self) -> bool:
        return self._progress is not None

    def observe(self, event: Mapping[str, Any]) -> None:
        """Advance the bar from one event."""
        event_type = event.get("event_type")
        iteration = event.get("iteration")
        if event_type == EXPERIMENT_START:
            self._start(event.get("experiment_name"), event.get("max_iterations"))
        elif event_type == ITERATION_START and isinstance(iteration, int):
            self._update(completed=iteration - 1, description=f"Iteration {iteration}")
        elif event_type == ITERATION_COMPLETE and isinstance(iteration, int):
            self._update(completed=iteration)
        elif event_type == EXPERIMENT_END:
            self.stop()

    def stop(self) -> None:
        """Remove the bar (it is transient); safe to call more than once."""
        progress, self._progress, self._task = self._progress, None, None
        if progress is not None:
            atexit.unregister(self.stop)
            progress.stop()

    def _start(self, name: object, total: object) -> None:
        self.stop()
        stderr = sys.stderr
        if not self._enabled or not _is_tty(stderr):
            return
        shared = _same_device(self._output.file, stderr)
        # Other writes to the bar's terminal (log lines, an error message) are routed above the
        # bar, so the transient bar never erases them; stdout is only rerouted when it is that
        # same terminal (piped output must stay exactly the rendered events).
        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=self._output if shared else Console(file=stderr),
            transient=True,
            auto_refresh=False,
            redirect_stdout=shared,
            redirect_stderr=True,
        )
        known_total = total if isinstance(total, int) and total > 0 else None
        self._task = progress.add_task(str(name or "experiment"), total=known_total)
        try:
            progress.start()
        except LiveError:  # another live display owns this console; go without a bar
            self._task = None
            return
        self._progress = progress
        # A run that dies before experiment_end must not leave the terminal's cursor hidden.
        atexit.register(self.stop)

    def _update(self, *, completed: int, description: str | None = None) -> None:
        if self._progress is None or self._task is None:
            return
        self._progress.update(self._task, completed=max(completed, 0), description=description)
        self._progress.refresh()


def _is_tty(stream: IO[str] | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, OSError, ValueError):
        return False


def _same_device(a: IO[str], b: IO[str]) -> bool:
    """Whether two streams write to the same file or terminal."""
    if a is b:
        return True
    try:
        first, second = os.fstat(a.fileno()), os.fstat(b.fileno())
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return False
    return (first.st_dev, first.st_ino, first.st_rdev) == (
        second.st_dev,
        second.st_ino,
        second.st_rdev,
    )
