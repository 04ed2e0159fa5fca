"""Acceptance rules decide on the paired deltas (incumbent cost - candidate cost per sample)."""

from __future__ import annotations

import pytest

from cashloop.runner.acceptance import decide


@pytest.mark.parametrize(
    ("deltas", "accepted"),
    [
        ([10, -5, 1], True),
        ([100, -99], True),
        ([1], True),
        ([0, 0, 0], False),
        ([-1, -2, 3], False),
        ([-4], False),
    ],
)
def test_mean_improvement_accepts_exactly_a_positive_mean_delta(
    deltas: list[int], accepted: bool
) -> None:
    assert decide("mean-improvement", deltas, 0.05).accepted is accepted


def test_paired_t_rejects_a_positive_but_noisy_improvement() -> None:
    noisy = [100, -90, 50, -40]  # mean +5, far from significant
    assert decide("mean-improvement", noisy, 0.05).accepted
    decision = decide("paired-t", noisy, 0.05)
    assert not decision.accepted
    assert decision.p_value is not None and decision.p_value > 0.05
    assert decision.lower_bound is not None and decision.lower_bound < 0


def test_paired_t_accepts_a_consistent_improvement() -> None:
    decision = decide("paired-t", [10, 12, 9, 11, 10], 0.05)
    assert decision.accepted
    assert decision.p_value is not None and decision.p_value < 0.001
    assert decision.lower_bound is not None
    assert 0 < decision.lower_bound < decision.mean_delta


def test_paired_t_depends_on_alpha() -> None:
    # t = 2.449 with 9 degrees of freedom: one-sided p ~ 0.018 (table: 2.262 -> 0.025)
    deltas = [3, 1, 4, -1, 5, 0, 2, 6, -2, 2]
    p = decide("paired-t", deltas, 0.05).p_value
    assert p is not None and 0.01 < p < 0.05
    assert decide("paired-t", deltas, 0.05).accepted
    assert not decide("paired-t", deltas, 0.01).accepted


def test_paired_t_rejects_a_worse_candidate_even_when_some_samples_improve() -> None:
    assert not decide("paired-t", [5, -20, 3, -15, -8], 0.05).accepted
    assert not decide("paired-t", [0, 0, 0, 0], 0.05).accepted


def test_paired_t_with_a_single_sample_uses_the_sign() -> None:
    assert decide("paired-t", [3], 0.05).accepted
    assert not decide("paired-t", [-3], 0.05).accepted
    assert not decide("paired-t", [0], 0.05).accepted


def test_the_reason_states_the_test_result() -> None:
    reason = decide("paired-t", [10, 12, 9, 11, 10], 0.05).reason
    assert "p=" in reason and "alpha=0.05" in reason
    assert "does not improve" in decide("mean-improvement", [-3, 1], 0.05).reason
