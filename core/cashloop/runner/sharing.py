"""Share one batch of items between the calling thread and helper processes: everyone claims.

Samples differ in cost (a seed with more payments takes longer) and so do processes (a busy
core, a cold cache, a helper still starting), so shares fixed in advance leave one side waiting
for the other. Handing out pieces as the batch runs costs a round trip per piece instead, and on
a virtual machine a helper woken through its pipe may take a millisecond to run again. So the
batch is opened for claims: the executor keeps one counter in shared memory, and the caller and
every helper repeatedly claim the next ``chunk`` items from it until none are left. A helper
gets one call per batch and is never idle between pieces; a slow or starting helper simply
claims less; everyone finishes within about one chunk of each other. Which process computes
which item never changes a result: pieces are put back together in item order.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any, Protocol, TypeVar, runtime_checkable

__all__ = ["Claim", "SharingExecutor", "share_batch"]

R = TypeVar("R")

#: a helper's way to claim the next ``(start, stop)`` range of its batch (``None``: none left)
Claim = Callable[[], "tuple[int, int] | None"]


@runtime_checkable
class SharingExecutor(Protocol):
    """An executor whose calling thread takes part in each batch: ``max_workers`` evaluations run
    at once, the caller's included (``max_workers - 1`` helpers). One batch is open at a time:
    ``open_batch`` opens one of ``size`` items claimed ``chunk`` at a time and returns its
    number; ``claim`` is the caller's claim; ``submit_claiming(batch, fn, *args)`` runs
    ``fn(claim, *args)`` in a helper, its ``claim`` drawing on the same counter;
    ``close_batch`` stops further claims (ranges already claimed are still computed) and ends
    the batch, so that the next may open; opening one while another is open is an error."""

    max_workers: int

    def open_batch(self, size: int, chunk: int) -> int: ...

    def claim(self, batch: int) -> tuple[int, int] | None: ...

    def close_batch(self, batch: int) -> None: ...

    def submit_claiming(self, batch: int, fn: Callable[..., Any], /, *args: Any) -> Future[Any]: ...


def share_batch(
    executor: SharingExecutor,
    size: int,
    local: Callable[[int, int], R],
    remote: Callable[[int], Future[Any]],
    decode: Callable[[Any], R],
    *,
    chunk: int = 1,
) -> list[tuple[int, R]]:
    """Evaluate items ``0 .. size-1``: ``local(start, stop)`` here on the ranges the caller
    claims; ``remote(batch)`` submits one helper's claiming call, whose result is the
    ``(start, value)`` pieces it computed (each value goes through ``decode``). Returns
    ``(start, result)`` per piece in item order. The first failure (an ``Exception``) is raised
    once every helper call has finished, the batch closed so that they stop early; anything else
    (Ctrl-C) closes the batch and leaves the helper calls to the pool's shutdown."""
    batch = executor.open_batch(size, chunk)
    pieces: list[tuple[int, R]] = []
    calls: list[Future[Any]] = []
    failure: BaseException | None = None
    try:
        for _ in range(max(0, executor.max_workers - 1)):
            calls.append(remote(batch))
        while (claimed := executor.claim(batch)) is not None:
            start, stop = claimed
            pieces.append((start, local(start, stop)))
    except Exception as exc:
        failure = exc
    finally:  # no more claims (helpers stop at their current range); the next batch may open
        _close(executor, batch)
    for call in calls:  # every helper call ends before this batch does, even after a failure
        try:
            computed: Sequence[tuple[int, Any]] = call.result()
            pieces.extend((start, decode(value)) for start, value in computed)
        except Exception as exc:
            failure = failure or exc
    if failure is not None:
        raise failure
    pieces.sort(key=lambda piece: piece[0])
    return pieces


def _close(executor: SharingExecutor, batch: int) -> None:
    """Close ``batch``; a pool too broken to close it reports that through the helper calls."""
    with contextlib.suppress(Exception):
        executor.close_batch(batch)
