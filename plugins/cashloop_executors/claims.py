"""``ClaimBoard``: the one counter in shared memory from which the caller and the helpers claim the
items of the open batch.

Four cells behind one lock: the open batch's number, its next unclaimed item, its size, and the
chunk a claim takes. The pool makes the board before its first helper starts and passes it to
every helper at start (shared memory and locks travel only that way), so a helper's call claims
from the same counter as the caller, with no message per piece.

A claim holds the lock for a few microseconds, and the lock must never stay held:
- the caller releases it whatever interrupts it (a Ctrl-C landing just after the lock was taken
  included: whether this process holds it is asked of the lock itself);
- the parent kills helpers only while it holds the lock (:meth:`ClaimBoard.held`), so a helper
  never dies in the middle of a claim;
- should the lock stay held all the same (a helper killed from outside at that instant), a claim
  that cannot get it in ``wait_seconds`` fails with ``BrokenProcessPool`` and the board is marked
  broken, so later claims fail at once and later kills no longer wait for it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.context import BaseContext
from typing import Any

__all__ = ["ClaimBoard"]

_BATCH, _NEXT, _SIZE, _CHUNK = range(4)


def _held_here(lock: Any) -> bool:
    """Whether this process (thread) holds ``lock``; CPython's semaphore lock knows."""
    is_mine = getattr(getattr(lock, "_semlock", None), "_is_mine", None)
    return bool(is_mine()) if is_mine is not None else False


class ClaimBoard:
    """The open batch's claim counter, shared by the caller and its helpers (module docstring)."""

    def __init__(self, context: BaseContext, wait_seconds: float = 5.0) -> None:
        self._cells = context.RawArray("q", 4)
        self._lock = context.Lock()
        self.wait_seconds = wait_seconds
        #: the lock stayed held past ``wait_seconds`` once: claims fail at once from then on
        self.broken = False

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
        """Hold the lock while the body runs, so that no process is claiming (on a broken
        board, or when the lock cannot be had in ``wait_seconds``, the body runs without it)."""
        lock = self._lock
        try:
            if not self.broken and not lock.acquire(timeout=self.wait_seconds):
                self.broken = True
            yield
        finally:
            if _held_here(lock):
                lock.release()

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        lock = self._lock
        try:
            if self.broken or not lock.acquire(timeout=self.wait_seconds):
                self.broken = True
                raise BrokenProcessPool(
                    "the cashloop worker processes' claim counter stayed locked: a worker "
                    "process was killed while claiming work; the run cannot go on"
                )
            yield
        finally:
            if _held_here(lock):  # released even when an interrupt came right after acquire
                lock.release()
