"""Ctrl-C and SIGTERM stop a run promptly, resumable; a run that has ended is left to finish.

``asyncio.run`` turns a first Ctrl-C into a cancellation of the main task, which only takes effect
at its next ``await``: an evaluation running in between kept the run going for seconds with no
feedback. While a run is watched, SIGINT and SIGTERM instead raise ``KeyboardInterrupt`` at once
and say how to resume. Once the run has recorded its end (``ended()``), a signal is only noted:
the run completes and the command exits 0.

A terminal sends SIGINT to the whole process group; a process-pool worker caught before its
initializer ignores the signal dies, and the run may see ``BrokenProcessPool`` before its own
``KeyboardInterrupt``. The run still counts as interrupted (resumable), not failed.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

__all__ = ["InterruptWatch", "watch_interrupts"]

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class InterruptWatch:
    """What the watch saw: ``seen`` once a stop signal arrived, ``late`` when it came after the
    run had ended (and was ignored)."""

    seen = False
    late = False


def _never() -> bool:
    return False


def _nothing() -> str:
    return ""


@contextmanager
def watch_interrupts(
    *, ended: Callable[[], bool] = _never, resume_hint: Callable[[], str] = _nothing
) -> Iterator[InterruptWatch]:
    """Turn SIGINT and SIGTERM into an immediate ``KeyboardInterrupt`` (with ``resume_hint()``
    on stderr) until ``ended()`` is true; restore the previous handlers afterwards."""
    watch = InterruptWatch()
    if threading.current_thread() is not threading.main_thread():
        yield watch
        return
    previous: dict[int, Any] = {s: signal.getsignal(s) for s in _SIGNALS}

    owner = os.getpid()

    def stop(signum: int, frame: FrameType | None) -> None:
        if os.getpid() != owner:  # a forked helper inherited this handler: act as before
            signal.signal(signum, previous[signum])
            if signum == signal.SIGINT:
                raise KeyboardInterrupt
            os.kill(os.getpid(), signum)
            return
        if ended():
            watch.late = True  # the run's end is recorded: let it finish, exit 0
            return
        first = not watch.seen
        watch.seen = True
        if first:
            hint = resume_hint()
            name = "Ctrl-C" if signum == signal.SIGINT else "SIGTERM"
            sys.stderr.write(f"\n{name}: stopping{f' {hint}' if hint else ''}\n")
            sys.stderr.flush()
        if first and _storing(frame) and _cancel_tasks():
            return  # never break a commit: the run stops at its next await, moments later
        raise KeyboardInterrupt

    for signum in _SIGNALS:
        signal.signal(signum, stop)
    try:
        yield watch
    finally:
        for restored, handler in previous.items():
            signal.signal(restored, handler)


#: code a stop signal must not break in the middle of (a database transaction)
_STORAGE_CODE = (
    f"{os.sep}persistence{os.sep}",
    f"{os.sep}cashloop_sqlite{os.sep}",
    f"{os.sep}sqlite3{os.sep}",
)


def _storing(frame: FrameType | None) -> bool:
    """Whether the interrupted code is storing something (somewhere up its stack)."""
    while frame is not None:
        if any(part in frame.f_code.co_filename for part in _STORAGE_CODE):
            return True
        frame = frame.f_back
    return False


def _cancel_tasks() -> bool:
    """Cancel the running event loop's tasks, as asyncio's own Ctrl-C does; False when no loop
    runs here."""
    import asyncio

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return False
    for task in asyncio.all_tasks(loop):
        task.cancel()
    return True
