"""The sweep's live progress: cells done, running and failed; tokens, $, elapsed and ETA.

On a terminal a rich live panel redraws in place; elsewhere (a log, CI) a line is printed each
time a count changes.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from cashloop.campaigns.scheduler import SweepProgress
from cashloop.campaigns.spec import SweepBudget

__all__ = ["ProgressView", "progress_line"]


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = int(seconds + 0.5)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def progress_line(name: str, p: SweepProgress, parallel: int, budget: SweepBudget) -> str:
    tokens = f"{p.tokens:,}" + (f"/{budget.max_tokens:,}" if budget.max_tokens else "")
    usd = f"${p.usd:.4f}" + (f"/${budget.max_usd:.2f}" if budget.max_usd else "")
    return (
        f"sweep {name}: {p.done}/{p.total} done, {len(p.running)} running, "
        f"{len(p.failed)} failed; tokens {tokens}, {usd}; "
        f"elapsed {_duration(p.elapsed)}, ETA {_duration(p.eta(parallel))}"
    )


class ProgressView:
    def __init__(self, name: str, parallel: int, budget: SweepBudget) -> None:
        from rich.console import Console

        self._name, self._parallel, self._budget = name, parallel, budget
        self._console = Console(stderr=True)
        self._live: Any = None
        self._last = ""

    def __enter__(self) -> ProgressView:
        if self._console.is_terminal:
            from rich.live import Live

            self._live = Live(console=self._console, refresh_per_second=4, transient=False)
            self._live.__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._live is not None:
            self._live.__exit__(kind, exc, tb)

    def update(self, progress: SweepProgress) -> None:
        line = progress_line(self._name, progress, self._parallel, self._budget)
        if self._live is not None:
            from rich.text import Text

            running = ", ".join(progress.running) or "-"
            self._live.update(Text(f"{line}\nrunning: {running}"))
            return
        counts = (progress.done, len(progress.running), len(progress.failed), progress.skipped)
        key = repr(counts)
        if key != self._last:
            self._last = key
            self._console.print(line, highlight=False, soft_wrap=True)
