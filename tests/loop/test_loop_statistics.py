"""The statistics behind acceptance and convergence, checked against known values."""

from __future__ import annotations

import math

import pytest

from cashloop.runner.statistics import (
    mann_kendall_min_p,
    mann_kendall_p,
    paired_t_test,
    shortest_trend_window,
    student_t_quantile,
    student_t_sf,
)

# Upper-tail critical values of Student's t from a printed table: (df, t, P(T > t)).
T_TABLE = [
    (1, 6.314, 0.05),
    (1, 12.706, 0.025),
    (2, 4.303, 0.025),
    (5, 2.015, 0.05),
    (5, 2.571, 0.025),
    (5, 4.032, 0.005),
    (10, 1.812, 0.05),
    (10, 2.228, 0.025),
    (10, 3.169, 0.005),
    (19, 1.729, 0.05),
    (19, 2.093, 0.025),
    (30, 2.042, 0.025),
    (30, 2.750, 0.005),
    (120, 1.980, 0.025),
]


def _t_sf_by_quadrature(t: float, df: int) -> float:
    """P(T > t) by Simpson's rule on the density: an independent reference."""
    const = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)

    def pdf(x: float) -> float:
        return const * (1 + x * x / df) ** (-(df + 1) / 2)

    # substitute x = t + u / (1 - u), u in [0, 1), to integrate to infinity
    n = 4_000
    h = 1.0 / n
    total = 0.0
    for i in range(n):
        for u, w in ((i * h, 1), ((i + 0.5) * h, 4), ((i + 1) * h, 1)):
            if u >= 1.0:
                continue
            total += w * pdf(t + u / (1 - u)) / (1 - u) ** 2
    return total * h / 6


@pytest.mark.parametrize(("df", "t", "tail"), T_TABLE)
def test_t_tail_matches_the_printed_table(df: int, t: float, tail: float) -> None:
    assert student_t_sf(t, df) == pytest.approx(tail, rel=0.01)


@pytest.mark.parametrize("t", [0.3, 1.0, 2.5, 7.0])
def test_t_tail_matches_closed_forms_for_one_and_two_degrees_of_freedom(t: float) -> None:
    assert student_t_sf(t, 1) == pytest.approx(0.5 - math.atan(t) / math.pi, abs=1e-10)
    assert student_t_sf(t, 2) == pytest.approx(0.5 - t / (2 * math.sqrt(t * t + 2)), abs=1e-10)


def test_t_tail_matches_numerical_integration_of_the_density() -> None:
    for df, t in [(4, 4.2426), (7, 1.1), (25, 2.6)]:
        assert student_t_sf(t, df) == pytest.approx(_t_sf_by_quadrature(t, df), abs=1e-7)


def test_t_tail_is_symmetric_around_zero() -> None:
    assert student_t_sf(0.0, 9) == pytest.approx(0.5)
    for df in (1, 3, 12):
        assert student_t_sf(-1.7, df) == pytest.approx(1 - student_t_sf(1.7, df))


@pytest.mark.parametrize(("df", "t", "tail"), T_TABLE)
def test_t_quantile_inverts_the_table(df: int, t: float, tail: float) -> None:
    assert student_t_quantile(1 - tail, df) == pytest.approx(t, abs=2e-3)


def test_paired_t_test_on_known_deltas() -> None:
    # mean 3, sd sqrt(2.5), se sqrt(0.5), t = 4.2426 with 4 degrees of freedom
    test = paired_t_test([1, 2, 3, 4, 5], alpha=0.05)
    se = math.sqrt(2.5) / math.sqrt(5)
    assert test.n == 5
    assert test.mean_delta == pytest.approx(3.0)
    assert test.std_delta == pytest.approx(math.sqrt(2.5))
    assert test.p_value == pytest.approx(_t_sf_by_quadrature(3 / se, 4), abs=1e-7)
    assert 0.005 < test.p_value < 0.01  # t(4) table: 3.747 (0.01) < 4.243 < 4.604 (0.005)
    # two-sided 95% interval: mean +- t(0.975, 4) * se, t(0.975, 4) = 2.776
    assert test.ci_lower == pytest.approx(3 - 2.776 * se, abs=1e-3)
    assert test.ci_upper == pytest.approx(3 + 2.776 * se, abs=1e-3)


def test_confidence_interval_widens_as_alpha_shrinks() -> None:
    deltas = [4, -1, 6, 3, 0, 5, 2]
    wide = paired_t_test(deltas, alpha=0.01)
    narrow = paired_t_test(deltas, alpha=0.10)
    assert wide.ci_lower < narrow.ci_lower < narrow.mean_delta < narrow.ci_upper < wide.ci_upper
    assert wide.p_value == narrow.p_value  # the p-value does not depend on alpha


def test_negative_mean_delta_has_a_large_one_sided_p_value() -> None:
    test = paired_t_test([-5, -3, -4, -6, -2], alpha=0.05)
    assert test.p_value is not None and test.p_value > 0.99
    assert test.ci_upper < 0


def test_deltas_without_spread_are_decided_by_their_sign() -> None:
    assert paired_t_test([7, 7, 7], alpha=0.05).p_value == 0.0
    assert paired_t_test([0, 0, 0], alpha=0.05).p_value == 1.0
    assert paired_t_test([-7, -7], alpha=0.05).p_value == 1.0
    flat = paired_t_test([7, 7, 7], alpha=0.05)
    assert flat.ci_lower == flat.ci_upper == 7


def test_a_single_sample_has_no_p_value() -> None:
    test = paired_t_test([12], alpha=0.05)
    assert test.p_value is None
    assert test.mean_delta == test.ci_lower == test.ci_upper == 12


def test_mann_kendall_detects_a_trend() -> None:
    rising = [float(i) for i in range(1, 11)]
    # S = 45, Var(S) = 10*9*25/18 = 125, z = 44/sqrt(125) = 3.936: p = 8.3e-5
    assert mann_kendall_p(rising) == pytest.approx(8.3e-5, rel=0.02)
    assert mann_kendall_p(list(reversed(rising))) == pytest.approx(8.3e-5, rel=0.02)
    noisy_fall = [100, 97, 98, 92, 90, 91, 85, 83, 84, 80]
    assert mann_kendall_p(noisy_fall) < 0.01


def test_mann_kendall_finds_no_trend_in_a_flat_series() -> None:
    assert mann_kendall_p([5.0] * 8) == 1.0
    assert mann_kendall_p([10, 12, 9, 11, 10, 12, 9, 11]) > 0.5
    assert mann_kendall_p([1.0, 2.0]) == 1.0  # too short to tell


def test_mann_kendall_corrects_the_variance_for_ties() -> None:
    # S = 17 (21 pairs, 4 of them tied); Var(S) = (7*6*19 - 2*1*9 - 3*2*11) / 18 = 39.667
    # z = 16 / sqrt(39.667) = 2.540: p = 0.01107 (0.0163 without the tie correction)
    assert mann_kendall_p([1, 2, 2, 3, 3, 3, 4]) == pytest.approx(0.011072, rel=1e-4)


def test_mann_kendall_knows_the_windows_too_short_to_show_a_trend() -> None:
    # the smallest p of n values is that of a strictly monotone series
    assert mann_kendall_min_p(4) == pytest.approx(mann_kendall_p([1, 2, 3, 4]))
    assert mann_kendall_min_p(4) == pytest.approx(0.0894, abs=1e-4)
    assert mann_kendall_min_p(5) == pytest.approx(0.0275, abs=1e-4)
    assert mann_kendall_min_p(2) == 1.0
    assert shortest_trend_window(0.05) == 5
    assert shortest_trend_window(0.01) == 6
    assert shortest_trend_window(0.1) == 4
