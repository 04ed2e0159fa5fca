"""``ClaimBoard``: the one counter in shared memory from which the caller and the helpers claim the
items of the open batch.

Three cells behind one lock: the open batch's number, its next unclaimed item, its size, and the
chunk a claim takes. The pool makes the board before its first helper starts and passes it to
every helper at start (shared memory and locks travel only that way), so a helper's call claims
from the same counter as the caller, with no message per piece. A claim holds the lock for a few
microseconds; a process killed while holding it would leave it held for good, so the parent
kills helpers only while it holds the lock itself (:meth:`ClaimBoard.held`), and a claim that
cannot get the lock in ``wait_seconds`` (a helper killed from outside at that instant) fails with
``BrokenProcessPool`` instead of hanging.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.context import BaseContext

__all__ = ["ClaimBoard"]

_BATCH, _NEXT, _SIZE, _CHUNK = range(4)


class ClaimBoard:
    """The open batch's claim counter, shared by the caller and its helpers (module docstring)."""

    def __init__(self, context: BaseContext, wait_seconds: float = 5.0) -> None:
        self._cells = context.RawArray("q", 4)
        self._lock = context.Lock()
        self.wait_seconds = wait_seconds

    def open(self, size: int, chunk: int) -> int:
        """Open a batch of ``size`` items claimed ``chunk`` at a time (any earlier batch closes);
        returns its number, which every claim names."""
        with self._locked():
            self._cells[_BATCH] += 1
            self._cells[_NEXT] = 0
            self._cells[_SIZE] = size
            self._cells[_CHUNK] = max(1, chunk)
            return int(self._cells[_BATCH])

    def claim(self, batch: int) -> tuple[int, int] | None:
        """The next ``(start, stop)`` range of ``batch``, or ``None`` once every item is claimed
        or the batch is closed."""
        with self._locked():
            cells = self._cells
            start, size = cells[_NEXT], cells[_SIZE]
            if cells[_BATCH] != batch or start >= size:
                return None
            stop = min(size, start + cells[_CHUNK])
            cells[_NEXT] = stop
            return int(start), int(stop)

    def close(self, batch: int) -> None:
        """No more claims from ``batch`` (ranges already claimed are still computed)."""
        with self._locked():
            if self._cells[_BATCH] == batch:
                self._cells[_SIZE] = self._cells[_NEXT]

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock (when it can be had in ``wait_seconds``): no process is claiming."""
        got = self._lock.acquire(timeout=self.wait_seconds)
        try:
            yield
        finally:
            if got:
                self._lock.release()

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        if not self._lock.acquire(timeout=self.wait_seconds):
            raise BrokenProcessPool(
                "the cashloop worker processes' claim counter stayed locked: a worker process "
                "was killed while claiming work; the run cannot go on"
            )
        try:
            yield
        finally:
            self._lock.release()
