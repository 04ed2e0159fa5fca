"""The ``process`` executor: the standard library's ``ProcessPoolExecutor``, its workers loading
the run's evaluator once (initializer) and dying with the process that started them."""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import ParamSpec, TypeVar, final

import attrs

from cashloop.plugin import ConfigError
from cashloop_executors.worker import start_worker

__all__ = ["START_METHODS", "ProcessExecutor", "ProcessOptions", "create_process_pool"]

START_METHODS = ("fork", "forkserver", "spawn")

P = ParamSpec("P")
T = TypeVar("T")


def default_start_method() -> str:
    """``forkserver`` where it exists (Linux, macOS): safe while the run has threads of its own
    (the storage syncer, an LLM client's), unlike ``fork``; workers start from a small server
    process that has cashloop imported. Elsewhere ``spawn``."""
    available = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in available else "spawn"


@attrs.frozen(kw_only=True)
class ProcessOptions:
    """``workers`` (default ``os.cpu_count()``) worker processes evaluate the shipped batches;
    ``start_method`` defaults to :func:`default_start_method` (``fork`` starts faster but is
    unsafe while other threads run). Whether a batch is shipped at all is the evaluation
    service's rule for every executor (``evaluation.min_batch_ms``)."""

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


@final
class ProcessExecutor(Executor):
    """A ``ProcessPoolExecutor`` started at the first submit, so that the evaluators bound
    before it (:class:`cashloop.plugin.EvaluatorHost`) travel once per worker, in its
    initializer. Binding another evaluator later restarts the pool (calls already submitted
    finish first). Futures are the standard pool's."""

    def __init__(self, workers: int, start_method: str) -> None:
        self.max_workers = workers
        self.start_method = start_method
        self._bound: dict[str, bytes] = {}
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._shutdown = False

    def bind_evaluator(self, key: str, payload: bytes) -> None:
        with self._lock:
            if key in self._bound:
                return
            self._bound[key] = payload
            stale, self._pool = self._pool, None
        if stale is not None:
            stale.shutdown(wait=True)

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        return self._started().submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._shutdown = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=wait, cancel_futures=cancel_futures)

    @property
    def started(self) -> bool:
        return self._pool is not None

    def _started(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot schedule new calls after shutdown")
            if self._pool is None:
                context = multiprocessing.get_context(self.start_method)
                if self.start_method == "forkserver":
                    preload = {"cashloop_executors.worker"}
                    preload.update(_plugin_packages())
                    context.set_forkserver_preload(sorted(preload))
                self._pool = ProcessPoolExecutor(
                    self.max_workers,
                    mp_context=context,
                    initializer=start_worker,
                    initargs=(os.getpid(), tuple(self._bound.items())),
                )
            return self._pool

    def __repr__(self) -> str:
        state = "shut down" if self._shutdown else "started" if self._pool else "not started"
        return f"ProcessExecutor(workers={self.max_workers}, {self.start_method}, {state})"


def _plugin_packages() -> set[str]:
    """Packages the fork server imports once, so that each worker need not: the plugin
    packages this process has loaded (an evaluator's own modules come with its first task)."""
    return {
        name
        for name, module in list(sys.modules.items())
        if module is not None and name.startswith("cashloop_") and "." not in name
    }


def create_process_pool(options: ProcessOptions) -> ProcessExecutor:
    """The pool for ``options`` (no process starts until the first task); invalid options raise
    ConfigError naming ``executor.<key>``."""
    problems = options.problems()
    if problems:
        raise ConfigError([f"executor.{p}" for p in problems])
    return ProcessExecutor(options.worker_count, options.start_method)
