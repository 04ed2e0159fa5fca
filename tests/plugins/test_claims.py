"""The process executor's claim board: processes claim disjoint ranges covering the batch, a
counter left locked by a killed process fails instead of hanging, and a helper that dies in the
middle of a shared batch fails that batch only."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Sequence
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection
from typing import Any

import pytest
from test_executors import profiles, rtgs_evaluator

from cashloop.runner.evaluation import EvaluationService
from cashloop.runner.seeds import sample_seeds
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
