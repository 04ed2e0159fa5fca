"""The ``process`` executor's options and factory: a :class:`PipePool` of helper processes."""

from __future__ import annotations

import multiprocessing
import os
import sys
from typing import TYPE_CHECKING

import attrs

from cashloop.errors import ConfigError
from cashloop_executors.worker import ignore_interrupts

if TYPE_CHECKING:
    from cashloop_executors.pipe_pool import PipePool

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
    """``workers`` (default ``os.cpu_count()``) is how many evaluations run at once, the calling
    process included: the caller and ``workers - 1`` helper processes share each batch, balanced
    as it runs (``workers: 1`` evaluates inline).
    ``start_method`` defaults to :func:`default_start_method` (``forkserver`` or ``spawn`` can be
    chosen when the parent runs threads of its own). A batch whose evaluation is estimated (from
    the run's own timings) to take less than ``min_batch_ms`` of CPU runs in the caller: the
    helpers' round trips and moving results back would cost more than they save (so do the
    compiled rtgs engine's 50-seed batches, a few milliseconds). Larger batches are shared while
    sharing proves faster (:class:`cashloop.runner.share_policy.SharePolicy`); ``0`` shares every
    batch. Results are identical either way."""

    workers: int | None = None
    start_method: str = attrs.field(factory=default_start_method)
    min_batch_ms: float = 10.0

    def problems(self) -> list[str]:
        """Every invalid option as ``name: message`` (empty when valid)."""
        found = []
        if self.workers is not None and self.workers < 1:
            found.append("workers: must be >= 1")
        if not self.min_batch_ms >= 0:
            found.append("min_batch_ms: must be >= 0")
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


def create_process_pool(options: ProcessOptions) -> PipePool:
    """The pool for ``options`` (no process starts until the first call needs one); invalid
    options raise ConfigError naming ``executor.<key>``."""
    problems = options.problems()
    if problems:
        raise ConfigError([f"executor.{p}" for p in problems])
    from cashloop_executors.pipe_pool import PipePool

    pool = PipePool(options.worker_count, multiprocessing.get_context(options.start_method))
    pool.min_parallel_seconds = options.min_batch_ms / 1000.0
    return pool
