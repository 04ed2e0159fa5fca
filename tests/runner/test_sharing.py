"""Sharing a batch between the caller and helpers that claim from one counter: every item once,
in order, more of it to whoever is quicker, and failures raised only after every helper call has
ended, the batch closed so that helpers stop early."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

from cashloop.runner.sharing import Claim, SharingExecutor, share_batch


class ThreadPool:
    """A SharingExecutor whose helpers are threads claiming from a counter behind a lock."""

    def __init__(self, workers: int) -> None:
        self.max_workers = workers
        self._threads = ThreadPoolExecutor(max(1, workers - 1))
        self._lock = threading.Lock()
        self._batch = self._next = self._size = self._chunk = 0
        self.claims: list[tuple[int, int]] = []

    def open_batch(self, size: int, chunk: int) -> int:
        with self._lock:
            self._batch += 1
            self._next, self._size, self._chunk = 0, size, chunk
            return self._batch

    def claim(self, batch: int) -> tuple[int, int] | None:
        with self._lock:
            if batch != self._batch or self._next >= self._size:
                return None
            start = self._next
            self._next = min(self._size, start + self._chunk)
            self.claims.append((start, self._next))
            return start, self._next

    def close_batch(self, batch: int) -> None:
        with self._lock:
            if batch == self._batch:
                self._size = self._next

    def submit_claiming(self, batch: int, fn: Callable[..., Any], /, *args: Any) -> Future[Any]:
        return self._threads.submit(fn, lambda: self.claim(batch), *args)

    def shutdown(self) -> None:
        self._threads.shutdown(wait=True)


@pytest.fixture
def pools() -> Any:
    made: list[ThreadPool] = []

    def make(workers: int) -> ThreadPool:
        made.append(ThreadPool(workers))
        return made[-1]

    yield make
    for pool in made:
        pool.shutdown()


def run(
    pool: ThreadPool,
    size: int,
    *,
    chunk: int = 1,
    caller_seconds: float = 0.0,
    helper_seconds: float = 0.0,
) -> tuple[list[int], list[str]]:
    """Share items 0..size-1; returns the items in result order and who computed each."""
    who: dict[int, str] = {}
    guard = threading.Lock()

    def work(start: int, stop: int, name: str, seconds: float) -> list[int]:
        for item in range(start, stop):
            time.sleep(seconds)
            with guard:
                assert item not in who, f"item {item} computed twice"
                who[item] = name
        return list(range(start, stop))

    def helper(claim: Claim) -> list[tuple[int, list[int]]]:
        pieces = []
        while (claimed := claim()) is not None:
            pieces.append((claimed[0], work(*claimed, "helper", helper_seconds)))
        return pieces

    pieces = share_batch(
        pool,
        size,
        local=lambda a, b: work(a, b, "caller", caller_seconds),
        remote=lambda batch: pool.submit_claiming(batch, helper),
        decode=lambda result: result,
        chunk=chunk,
    )
    items = [item for _, part in pieces for item in part]
    return items, [who[i] for i in items]


def share(
    pool: ThreadPool,
    size: int,
    local: Callable[[int, int], Any],
    helper: Callable[[Claim], list[tuple[int, Any]]],
) -> list[tuple[int, Any]]:
    """``share_batch`` with every helper running ``helper`` and results taken as they are."""
    return share_batch(
        pool,
        size,
        local=local,
        remote=lambda batch: pool.submit_claiming(batch, helper),
        decode=lambda result: result,
    )


def test_the_pool_is_a_sharing_executor(pools: Any) -> None:
    assert isinstance(pools(2), SharingExecutor)


@pytest.mark.parametrize("workers", [1, 2, 3])
@pytest.mark.parametrize("chunk", [1, 3])
@pytest.mark.parametrize("size", [0, 1, 2, 3, 7, 50])
def test_every_item_is_computed_once_and_returned_in_order(
    pools: Any, workers: int, chunk: int, size: int
) -> None:
    items, _ = run(pools(workers), size, chunk=chunk, helper_seconds=0.0001)
    assert items == list(range(size))


def test_claims_take_chunk_items_and_only_the_last_takes_fewer(pools: Any) -> None:
    pool = pools(3)
    run(pool, 50, chunk=4)
    lengths = sorted(stop - start for start, stop in pool.claims)
    assert lengths == [2] + [4] * 12


def test_whoever_is_quicker_computes_more(pools: Any) -> None:
    _, who = run(pools(2), 40, caller_seconds=0.004, helper_seconds=0.0)
    assert who.count("helper") > 30
    _, who = run(pools(2), 40, caller_seconds=0.0, helper_seconds=0.004)
    assert who.count("caller") > 30


def test_a_helper_that_starts_late_leaves_the_batch_to_the_caller(pools: Any) -> None:
    pool = pools(2)
    gate = threading.Event()
    pool._threads.submit(gate.wait)  # the only helper thread starts late...
    threading.Timer(0.2, gate.set).start()  # ...well after the caller's 20 ms of work
    items, who = run(pool, 20, caller_seconds=0.001)
    assert items == list(range(20)) and set(who) == {"caller"}


def test_a_helper_failure_is_raised_after_every_helper_call_ended(pools: Any) -> None:
    pool = pools(3)
    ended: list[int] = []

    def helper(claim: Claim) -> list[tuple[int, list[int]]]:
        try:
            claimed = claim()
            if claimed is not None and claimed[0] < 20:
                raise ValueError("an early seed cannot be evaluated")
            while claim() is not None:
                time.sleep(0.001)
            return []
        finally:
            ended.append(1)

    with pytest.raises(ValueError, match="early seed"):
        share(pool, 60, lambda a, b: time.sleep(0.001), helper)
    assert len(ended) == 2


def test_a_caller_failure_closes_the_batch_and_waits_for_the_helpers(pools: Any) -> None:
    pool = pools(2)
    helper_items: list[int] = []
    failed = threading.Event()
    ended = threading.Event()

    def helper(claim: Claim) -> list[tuple[int, list[int]]]:
        while (claimed := claim()) is not None:
            helper_items.extend(range(*claimed))
            time.sleep(0.002)
        ended.set()
        return []

    def local(start: int, stop: int) -> None:
        if start >= 5:
            failed.set()
            raise RuntimeError("the caller's share failed")
        time.sleep(0.002)

    with pytest.raises(RuntimeError, match="caller's share"):
        share(pool, 1000, local, helper)
    assert ended.is_set()  # the helper call ended before the failure was raised
    assert len(helper_items) < 100  # it stopped claiming once the batch was closed


def test_ctrl_c_in_the_caller_closes_the_batch_at_once(pools: Any) -> None:
    pool = pools(2)
    stopped = threading.Event()

    def helper(claim: Claim) -> list[tuple[int, list[int]]]:
        while claim() is not None:
            time.sleep(0.001)
        stopped.set()
        return []

    def local(start: int, stop: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        share(pool, 100_000, local, helper)
    assert stopped.wait(5)  # no more claims: the helper's call returns on its own


def test_a_new_batch_ends_the_claims_of_the_old_one(pools: Any) -> None:
    pool = pools(2)
    old = pool.open_batch(10, 1)
    assert pool.claim(old) == (0, 1)
    new = pool.open_batch(3, 2)
    assert pool.claim(old) is None
    assert [pool.claim(new), pool.claim(new), pool.claim(new)] == [(0, 2), (2, 3), None]
