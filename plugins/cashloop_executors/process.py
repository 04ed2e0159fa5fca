"""A process-pool executor with a configurable worker count and start method."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

import attrs

from cashloop.errors import ConfigError

__all__ = ["START_METHODS", "ProcessOptions", "create_process_pool", "ignore_interrupts"]

START_METHODS = ("fork", "forkserver", "spawn")


def default_start_method() -> str:
    """``fork`` on Linux: workers start in milliseconds with cashloop already imported (the pool
    forks at the run's first evaluation, before any LLM client opens a connection). Elsewhere
    ``forkserver`` where it exists (safe with threads), else ``spawn``."""
    if sys.platform.startswith("linux"):
        return "fork"
    available = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in available else "spawn"


@attrs.frozen(kw_only=True)
class ProcessOptions:
    """``workers`` defaults to ``os.cpu_count()``; ``start_method`` to :func:`default_start_method`
    (``forkserver`` or ``spawn`` can be chosen when the parent runs threads of its own)."""

    workers: int | None = None
    start_method: str = attrs.field(factory=default_start_method)

    def problems(self) -> list[str]:
        """Every invalid option as ``name: message`` (empty when valid)."""
        found = []
        if self.workers is not None and self.workers < 1:
            found.append("workers: must be >= 1")
        if self.start_method not in START_METHODS:
            found.append(f"start_method: must be one of {', '.join(START_METHODS)}")
        elif self.start_method not in multiprocessing.get_all_start_methods():
            available = ", ".join(multiprocessing.get_all_start_methods())
            found.append(
                f"start_method: {self.start_method!r} is not available here; use {available}"
            )
        return found

    @property
    def worker_count(self) -> int:
        return self.workers if self.workers is not None else (os.cpu_count() or 1)


def create_process_pool(options: ProcessOptions) -> ProcessPoolExecutor:
    """The pool for ``options``; invalid options raise ConfigError naming ``executor.<key>``."""
    problems = options.problems()
    if problems:
        raise ConfigError([f"executor.{p}" for p in problems])
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context(options.start_method)
    return ProcessPoolExecutor(
        max_workers=options.worker_count, mp_context=context, initializer=ignore_interrupts
    )


def ignore_interrupts() -> None:
    """Workers ignore Ctrl-C: a terminal sends SIGINT to the whole process group, and only the
    main process should react (it cancels the run, marks it interrupted and shuts the pool down)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
