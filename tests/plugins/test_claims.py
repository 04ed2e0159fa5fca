"""The process executor's claim board: processes claim disjoint ranges covering the batch, a
counter left locked by a killed process fails instead of hanging, and a helper that dies in the
middle of a shared batch fails that batch only."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection
from typing import Any

import pytest
from test_executors import profiles, rtgs_evaluator

from cashloop.runner.evaluation import EvaluationService
from cashloop.runner.seeds import sample_seeds
from cashloop.runner.sharing import share_batch
from cashloop_executors import ProcessOptions, create_process_pool
from cashloop_executors.claims import ClaimBoard

FORK = multiprocessing.get_context("fork")


def _claim_all(board: ClaimBoard, batch: int, conn: Connection) -> None:
    claimed = []
    while (piece := board.claim(batch)) is not None:
        claimed.append(piece)
        time.sleep(0.0005)
    conn.send(claimed)


def test_processes_claim_disjoint_ranges_that_cover_the_batch() -> None:
    board = ClaimBoard(FORK)
    batch = board.open(500, 3)
    pipes = [FORK.Pipe() for _ in range(2)]
    children = [FORK.Process(target=_claim_all, args=(board, batch, w)) for _, w in pipes]
    for child in children:
        child.start()
    mine = []
    while (piece := board.claim(batch)) is not None:
        mine.append(piece)
        time.sleep(0.0005)
    theirs = [r.recv() for r, _ in pipes]
    for child in children:
        child.join(10)
    items = [i for start, stop in mine + theirs[0] + theirs[1] for i in range(start, stop)]
    assert sorted(items) == list(range(500))
    assert mine and all(theirs)  # everyone got a part


def test_a_closed_or_replaced_batch_hands_out_nothing_more() -> None:
    board = ClaimBoard(FORK)
    first = board.open(10, 4)
    assert board.claim(first) == (0, 4)
    board.close(first)
    assert board.claim(first) is None
    second = board.open(5, 4)
    assert board.claim(first) is None
    assert [board.claim(second), board.claim(second), board.claim(second)] == [
        (0, 4),
        (4, 5),
        None,
    ]


def _hold_forever(board: ClaimBoard) -> None:
    board._lock.acquire()
    time.sleep(60)


def test_a_counter_left_locked_by_a_killed_process_fails_instead_of_hanging() -> None:
    board = ClaimBoard(FORK, wait_seconds=0.2)
    batch = board.open(10, 1)
    holder = FORK.Process(target=_hold_forever, args=(board,))
    holder.start()
    deadline = time.monotonic() + 10
    while board._lock.acquire(timeout=0.01):  # wait until the holder has the lock
        board._lock.release()
        assert time.monotonic() < deadline
    holder.kill()
    holder.join(10)
    with pytest.raises(BrokenProcessPool, match="killed while claiming"):
        board.claim(batch)
    started = time.monotonic()  # the board is broken now: no second wait, for claims or kills
    with pytest.raises(BrokenProcessPool):
        board.claim(batch)
    with board.held():
        pass
    assert time.monotonic() - started < 0.1


def _fails_at_once(claim: Any) -> list[tuple[int, Any]]:
    claim()
    raise ValueError("this helper cannot evaluate")


def test_a_failing_helper_closes_the_batch_so_the_caller_stops_early() -> None:
    pool = create_process_pool(ProcessOptions(workers=2, min_batch_ms=0))
    computed = []

    def local(start: int, stop: int) -> None:
        computed.extend(range(start, stop))
        time.sleep(0.002)

    try:
        pool.submit(abs, 1).result(timeout=60)  # the helper is up
        with pytest.raises(ValueError, match="cannot evaluate"):
            share_batch(
                pool,
                2000,
                local=local,
                remote=lambda batch: pool.submit_claiming(batch, _fails_at_once),
                decode=lambda value: value,
            )
        assert len(computed) < 1000  # 2000 items would take the caller 4 s
    finally:
        pool.shutdown()


def test_one_thread_at_a_time_shares_batches_through_a_pool() -> None:
    pool = create_process_pool(ProcessOptions(workers=2, min_batch_ms=0))
    try:
        batch = pool.open_batch(10, 1)
        errors: list[Exception] = []

        def other_thread() -> None:
            try:
                pool.open_batch(10, 1)
            except RuntimeError as exc:
                errors.append(exc)

        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
        assert "already open" in str(errors[0])
        assert pool.claim(batch) == (0, 1)  # the open batch is untouched
        pool.close_batch(batch)
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
        assert len(errors) == 1  # closed: another thread may open one now
    finally:
        pool.shutdown()


class DiesInHelper:
    """A picklable evaluator whose helper process dies at its first call; in the calling
    process it takes 10 ms a call, so that the helper surely claims part of a batch."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.caller = inner, os.getpid()

    def evaluate(self, policies: Any, seeds: Sequence[int]) -> Any:
        if os.getpid() != self.caller:
            os._exit(7)
        time.sleep(0.01)
        return self.inner.evaluate(policies, seeds)


def test_a_helper_dying_in_a_shared_batch_fails_that_batch_and_the_pool_recovers() -> None:
    evaluator = rtgs_evaluator()
    seeds = sample_seeds(3, 4, "*", 12)
    pool = create_process_pool(ProcessOptions(workers=2, min_batch_ms=0))
    try:
        pool.submit(abs, 1).result(timeout=60)  # the helper is up
        dying = EvaluationService(DiesInHelper(evaluator), pool)  # type: ignore[arg-type]
        with pytest.raises(BrokenProcessPool, match=r"died \(exit code 7\)"):
            dying.evaluate(profiles(evaluator)[0], seeds)
        good = EvaluationService(evaluator, pool)
        assert good.evaluate(profiles(evaluator)[0], seeds) == evaluator.evaluate(
            profiles(evaluator)[0], seeds
        )
    finally:
        pool.shutdown()
