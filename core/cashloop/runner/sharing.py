"""Share one batch of seeds between the calling thread and helpers, balanced while it runs.

Samples differ in cost (a seed with more payments takes longer) and so do processes (a busy
core, a cold cache), so fixed equal shares leave one side waiting for the other. Here the caller
evaluates small steps from the front of the batch while each helper is sent a piece from the
back; whenever a helper answers, it gets a share of what is still unclaimed (guided
self-scheduling: the pieces shrink as the batch runs out), and the caller stops where the
helpers' pieces begin. A helper that is slow, or still starting, ends up with less: the caller
waits at most for the piece that helper is working on. Which process computes which seed never
changes a result: pieces are put back together in seed order.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Protocol, TypeVar, runtime_checkable

__all__ = ["SharingExecutor", "share_batch"]

R = TypeVar("R")

#: the first piece a helper gets, as a fraction of an equal share: a helper may still be starting
#: (or slower than the caller), and a piece once sent cannot be taken back; smaller first pieces
#: bound that wait, at the price of more round trips
FIRST_PIECE = 0.5


@runtime_checkable
class SharingExecutor(Protocol):
    """An executor whose calling thread takes part in each batch: ``max_workers`` evaluations run
    at once, the caller's included (``max_workers - 1`` helpers). ``poll()`` completes the
    futures of calls that have finished, without waiting (the caller polls between its own
    steps)."""

    max_workers: int

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]: ...

    def poll(self) -> None: ...


def share_batch(
    executor: SharingExecutor,
    size: int,
    local: Callable[[int, int], R],
    remote: Callable[[int, int], Future[Any]],
    decode: Callable[[Any], R],
    *,
    step: int = 1,
    min_piece: int = 1,
) -> list[tuple[int, R]]:
    """Evaluate items ``0 .. size-1``: ``local(start, stop)`` here, ``remote(start, stop)`` in
    helpers (its future's result goes through ``decode``). Returns ``(start, result)`` per piece
    in item order. The caller takes ``step`` items at a time; no helper piece is smaller than
    ``min_piece``. The first failure (an ``Exception``) is raised once every helper call has
    finished; anything else (Ctrl-C) leaves them to the pool's shutdown."""
    helpers = max(0, executor.max_workers - 1)
    workers = helpers + 1
    front, back = 0, size
    pieces: list[tuple[int, R]] = []
    running: list[tuple[int, Future[Any]]] = []
    failure: BaseException | None = None

    def send(share: float) -> None:
        nonlocal back
        count = max(min_piece, math.ceil(share))
        if back - front < max(count, 2 * min_piece):
            return  # too little left to be worth a round trip: the caller finishes it
        back -= count
        running.append((back, remote(back, back + count)))

    def collect(start: int, future: Future[Any]) -> None:
        nonlocal failure
        try:
            pieces.append((start, decode(future.result())))
        except Exception as exc:
            failure = failure or exc

    try:
        for _ in range(helpers):
            send(FIRST_PIECE * size / workers)
        while front < back and failure is None:
            stop = min(back, front + step)
            pieces.append((front, local(front, stop)))
            front = stop
            executor.poll()
            for entry in [e for e in running if e[1].done()]:
                running.remove(entry)
                collect(*entry)
                if failure is None:
                    send((back - front) / (2 * workers))
    except Exception as exc:
        failure = exc
    for entry in running:  # every helper call ends before this batch does, even after a failure
        collect(*entry)
    if failure is not None:
        raise failure
    pieces.sort(key=lambda piece: piece[0])
    return pieces
