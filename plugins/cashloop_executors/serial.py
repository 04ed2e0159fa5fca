"""An executor that runs every call inline: no processes, exact tracebacks, easy debugging."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import ParamSpec, TypeVar, final

import attrs

__all__ = ["SerialExecutor", "SerialOptions"]

P = ParamSpec("P")
T = TypeVar("T")


@attrs.frozen(kw_only=True)
class SerialOptions:
    """The serial executor takes no options (an empty class so extra keys are config errors)."""


@final
class SerialExecutor(Executor):
    """Runs each submitted call in the caller's thread and returns an already completed future.

    An exception raised by the call is captured in the future, as a pool would do, so callers
    handle both executors the same way.
    """

    def __init__(self) -> None:
        self._shutdown = False
        self._lock = threading.Lock()

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot schedule new calls after shutdown")
        future: Future[T] = Future()
        future.set_running_or_notify_cancel()
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:
            future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise  # KeyboardInterrupt / SystemExit must still stop the caller
        else:
            future.set_result(result)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._shutdown = True

    def __repr__(self) -> str:
        state = "shut down" if self._shutdown else "running"
        return f"SerialExecutor({state})"
