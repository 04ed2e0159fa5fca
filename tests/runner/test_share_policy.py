"""Whether a batch is shared with helpers: learnt from the run's own timings."""

from __future__ import annotations

import pytest

from cashloop.runner.share_policy import JUDGE_AFTER, REPROBE, SharePolicy


def test_zero_min_parallel_shares_every_batch() -> None:
    policy = SharePolicy(0.0)
    assert policy.share(1)
    policy.note_inline(cpu=1.0, wall=1.0, units=10)
    policy.note_shared(wall=50.0, units=10, local_cpu=1.0, local_units=5)
    assert policy.share(1)  # even when sharing has been slower


def test_batches_stay_inline_until_timed_and_while_too_small() -> None:
    policy = SharePolicy(0.004)
    assert not policy.share(10_000)  # nothing timed yet
    policy.note_inline(cpu=0.001, wall=0.001, units=100)  # 10 us per evaluation
    assert not policy.share(100)  # 1 ms of work < 4 ms
    assert policy.share(1_000)  # 10 ms


def test_sharing_goes_on_while_it_is_faster() -> None:
    policy = SharePolicy(0.004)
    policy.note_inline(cpu=0.010, wall=0.010, units=100)
    assert policy.share(1_000)
    for _ in range(1 + JUDGE_AFTER):
        policy.note_shared(wall=0.006, units=100, local_cpu=0.005, local_units=50)
    assert all(policy.share(1_000) for _ in range(3 * REPROBE))


def test_slower_sharing_is_dropped_and_tried_again_now_and_then() -> None:
    policy = SharePolicy(0.004)
    policy.note_inline(cpu=0.010, wall=0.010, units=100)
    assert policy.share(1_000)  # the first eligible batch tries
    policy.note_shared(wall=1.0, units=100, local_cpu=0.005, local_units=50)  # started helpers
    for _ in range(JUDGE_AFTER):  # the first shared batch does not count, then a few are timed
        assert policy.share(1_000)
        policy.note_shared(wall=0.015, units=100, local_cpu=0.005, local_units=50)
    choices = [policy.share(1_000) for _ in range(2 * REPROBE)]
    assert choices.count(True) == 2 and choices[REPROBE - 1] and choices[-1]
    # evaluations grew dearer: a retry that pays is kept
    policy.note_shared(wall=0.001, units=100, local_cpu=0.005, local_units=50)
    policy.note_shared(wall=0.001, units=100, local_cpu=0.005, local_units=50)
    assert all(policy.share(1_000) for _ in range(REPROBE))


def test_the_callers_share_keeps_the_cpu_estimate_current() -> None:
    policy = SharePolicy(0.004)
    policy.note_inline(cpu=0.001, wall=0.001, units=100)
    assert policy.unit_seconds == pytest.approx(0.00001)
    policy.note_shared(wall=0.01, units=200, local_cpu=0.003, local_units=100)
    assert policy.unit_seconds == pytest.approx(0.00002)


def test_one_stalled_shared_batch_does_not_switch_sharing_off() -> None:
    policy = SharePolicy(0.004)
    policy.note_inline(cpu=0.010, wall=0.010, units=100)
    policy.note_shared(wall=1.0, units=100, local_cpu=0.005, local_units=50)  # started helpers
    for _ in range(JUDGE_AFTER):
        policy.note_shared(wall=0.006, units=100, local_cpu=0.005, local_units=50)
    policy.note_shared(wall=0.5, units=100, local_cpu=0.005, local_units=50)  # the machine stalled
    assert all(policy.share(1_000) for _ in range(2 * REPROBE))
