"""Sharing a batch between the caller and helpers: every item once, in order, balanced by speed,
and failures raised only after every helper call has ended."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import pytest

from cashloop.runner.sharing import SharingExecutor, share_batch


class _Scripted(Future[Any]):
    """A helper call that answers after ``polls`` looks, or at once when someone waits for it."""

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...], polls: int) -> None:
        super().__init__()
        self.fn, self.args, self.polls = fn, args, polls
        self.set_running_or_notify_cancel()

    def finish(self) -> None:
        if self.done():
            return
        try:
            self.set_result(self.fn(*self.args))
        except Exception as exc:
            self.set_exception(exc)

    def result(self, timeout: float | None = None) -> Any:
        self.finish()
        return super().result(timeout)

    def exception(self, timeout: float | None = None) -> BaseException | None:
        self.finish()
        return super().exception(timeout)


class ScriptedPool:
    """A SharingExecutor whose helpers answer after a fixed number of the caller's polls."""

    def __init__(self, workers: int, polls: int) -> None:
        self.max_workers = workers
        self.polls = polls
        self.calls: list[_Scripted] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        assert sum(not c.done() for c in self.calls) < self.max_workers - 1, "a helper is busy"
        call = _Scripted(fn, args, self.polls)
        self.calls.append(call)
        return call

    def poll(self) -> None:
        for call in self.calls:
            call.polls -= 1
            if call.polls <= 0:
                call.finish()


def run(pool: ScriptedPool, size: int, **kwargs: Any) -> tuple[list[int], list[str]]:
    """Share items 0..size-1; returns the items in result order and who computed each."""
    who: dict[int, str] = {}

    def work(start: int, stop: int, name: str) -> list[int]:
        for item in range(start, stop):
            assert item not in who, f"item {item} computed twice"
            who[item] = name
        return list(range(start, stop))

    pieces = share_batch(
        pool,
        size,
        local=lambda a, b: work(a, b, "caller"),
        remote=lambda a, b: pool.submit(work, a, b, "helper"),
        decode=lambda result: result,
        **kwargs,
    )
    items = [item for _, part in pieces for item in part]
    return items, [who[i] for i in items]


def test_the_pool_is_a_sharing_executor() -> None:
    assert isinstance(ScriptedPool(2, 1), SharingExecutor)


@pytest.mark.parametrize("workers", [1, 2, 3])
@pytest.mark.parametrize("polls", [1, 4, 1000])
@pytest.mark.parametrize("size", [0, 1, 2, 3, 7, 50])
def test_every_item_is_computed_once_and_returned_in_order(
    workers: int, polls: int, size: int
) -> None:
    items, _ = run(ScriptedPool(workers, polls), size)
    assert items == list(range(size))


def test_a_quick_helper_is_kept_busy_and_a_slow_one_gets_less() -> None:
    quick = ScriptedPool(2, polls=1)  # answers at the caller's next look
    _, who = run(quick, 50)
    assert len(quick.calls) > 2 and who.count("helper") > 25
    slow = ScriptedPool(2, polls=1000)  # answers only when the caller waits for it
    _, who = run(slow, 50)
    assert len(slow.calls) == 1 and who.count("helper") < 25
    # the caller takes everything up to the helper's first piece, from the front
    assert who == ["caller"] * who.count("caller") + ["helper"] * who.count("helper")


def test_helper_pieces_are_never_smaller_than_min_piece() -> None:
    pool = ScriptedPool(3, polls=1)
    run(pool, 60, min_piece=4)
    assert all(call.args[1] - call.args[0] >= 4 for call in pool.calls)
    small = ScriptedPool(2, polls=1)
    _, who = run(small, 7, min_piece=4)  # too little for a piece of 4 and a caller's share
    assert small.calls == [] and set(who) == {"caller"}


def test_a_helper_failure_is_raised_after_every_helper_call_ended() -> None:
    pool = ScriptedPool(3, polls=3)
    done: list[str] = []

    def remote(start: int, stop: int) -> Future[Any]:
        def work() -> list[int]:
            done.append(f"{start}-{stop}")
            if stop == 60:
                raise ValueError("the last seed cannot be evaluated")
            return list(range(start, stop))

        return pool.submit(work)

    with pytest.raises(ValueError, match="last seed"):
        share_batch(pool, 60, local=lambda a, b: [], remote=remote, decode=lambda r: r)
    assert all(call.done() for call in pool.calls) and len(done) == len(pool.calls) >= 2


def test_a_caller_failure_waits_for_the_helpers_first() -> None:
    pool = ScriptedPool(2, polls=1000)

    def local(start: int, stop: int) -> list[int]:
        raise RuntimeError("the caller's share failed")

    with pytest.raises(RuntimeError, match="caller's share"):
        share_batch(
            pool,
            50,
            local=local,
            remote=lambda a, b: pool.submit(list, range(a, b)),
            decode=lambda r: r,
        )
    assert pool.calls and all(call.done() for call in pool.calls)
