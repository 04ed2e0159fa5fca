"""Notice Ctrl-C even when it first shows up as another error.

A terminal sends SIGINT to the whole process group; a process-pool worker caught before its
initializer ignores the signal dies, and the run may see ``BrokenProcessPool`` before its own
``KeyboardInterrupt``. The run still counts as interrupted (resumable), not failed.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

__all__ = ["InterruptWatch", "watch_interrupts"]


class InterruptWatch:
    seen = False


@contextmanager
def watch_interrupts() -> Iterator[InterruptWatch]:
    """Record SIGINT while passing it on to the handler that was installed before."""
    watch = InterruptWatch()
    if threading.current_thread() is not threading.main_thread():
        yield watch
        return
    previous: Any = signal.getsignal(signal.SIGINT)

    def note(signum: int, frame: FrameType | None) -> None:
        watch.seen = True
        if callable(previous):
            previous(signum, frame)
        elif previous == signal.SIG_DFL:
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, note)
    try:
        yield watch
    finally:
        signal.signal(signal.SIGINT, previous)
