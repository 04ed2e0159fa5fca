"""Paired statistics for accepting a candidate: t-test on paired deltas, Mann-Kendall trend.

Student-t probabilities use the regularized incomplete beta function (continued fraction).
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Sequence

import attrs

__all__ = [
    "PairedTest",
    "mann_kendall_min_p",
    "mann_kendall_p",
    "mean_and_sd",
    "paired_t_test",
    "shortest_trend_window",
    "student_t_quantile",
    "student_t_sf",
]


def _betacf(a: float, b: float, x: float) -> float:
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        for num in (
            m * (b - m) * x / ((a + m2 - 1) * (a + m2)),
            -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1)),
        ):
            d = 1.0 + num * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + num / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return h


def _reg_inc_beta(a: float, b: float, x: float) -> float:
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    ln_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(ln_front) * _betacf(a, b, x) / a
    return 1.0 - math.exp(ln_front) * _betacf(b, a, 1.0 - x) / b


def student_t_sf(t: float, df: int) -> float:
    """P(T > t) for Student's t with ``df`` degrees of freedom."""
    tail = 0.5 * _reg_inc_beta(df / 2.0, 0.5, df / (df + t * t))
    return tail if t >= 0 else 1.0 - tail


@functools.lru_cache(maxsize=256)
def student_t_quantile(p: float, df: int) -> float:
    """The t value with P(T <= t) = p (bisection; monotone and exact enough for intervals)."""
    lo, hi = -1e3, 1e3
    for _ in range(64):
        mid = (lo + hi) / 2.0
        if 1.0 - student_t_sf(mid, df) < p:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2.0


@attrs.frozen(kw_only=True)
class PairedTest:
    """One-sided test that the mean paired delta (incumbent - candidate) is above zero."""

    n: int
    mean_delta: float
    std_delta: float
    p_value: float | None
    ci_lower: float
    ci_upper: float


def mean_and_sd(values: Sequence[float]) -> tuple[float, float]:
    """The mean and the sample standard deviation (0 for fewer than two values), summed
    exactly (``math.fsum``)."""
    n = len(values)
    mean = math.fsum(values) / n
    if n < 2:
        return mean, 0.0
    return mean, math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))


def paired_t_test(deltas: Sequence[int], alpha: float) -> PairedTest:
    n = len(deltas)
    mean, sd = mean_and_sd(deltas)
    if n < 2:
        return PairedTest(
            n=n, mean_delta=mean, std_delta=0.0, p_value=None, ci_lower=mean, ci_upper=mean
        )
    if sd == 0.0:
        p = 0.0 if mean > 0 else 1.0
        return PairedTest(
            n=n, mean_delta=mean, std_delta=0.0, p_value=p, ci_lower=mean, ci_upper=mean
        )
    se = sd / math.sqrt(n)
    p = student_t_sf(mean / se, n - 1)
    half = student_t_quantile(1.0 - alpha / 2.0, n - 1) * se
    return PairedTest(
        n=n, mean_delta=mean, std_delta=sd, p_value=p, ci_lower=mean - half, ci_upper=mean + half
    )


def _mann_kendall_s(values: Sequence[float]) -> int:
    n = len(values)
    return sum(
        (values[j] > values[i]) - (values[j] < values[i])
        for i in range(n - 1)
        for j in range(i + 1, n)
    )


def _mann_kendall_variance(values: Sequence[float]) -> float:
    """Var(S) under no trend, corrected for ties: each group of t equal values removes
    t(t-1)(2t+5)/18 (Kendall 1975)."""
    n = len(values)
    ties = sum(t * (t - 1) * (2 * t + 5) for t in Counter(values).values() if t > 1)
    return (n * (n - 1) * (2 * n + 5) - ties) / 18.0


def _two_sided_p(s: int, var: float) -> float:
    if s == 0 or var <= 0:
        return 1.0
    z = (s - 1) / math.sqrt(var) if s > 0 else (s + 1) / math.sqrt(var)  # continuity correction
    return math.erfc(abs(z) / math.sqrt(2.0))


def mann_kendall_p(values: Sequence[float]) -> float:
    """Two-sided p-value of the Mann-Kendall trend test (normal approximation with continuity
    and tie corrections). Fewer than 3 values give 1.0: no trend can be seen."""
    if len(values) < 3:
        return 1.0
    return _two_sided_p(_mann_kendall_s(values), _mann_kendall_variance(values))


def mann_kendall_min_p(n: int) -> float:
    """The smallest p-value :func:`mann_kendall_p` can give for ``n`` values (a strictly
    monotone series). A window whose smallest p is not below alpha can never show a trend."""
    if n < 3:
        return 1.0
    return _two_sided_p(n * (n - 1) // 2, n * (n - 1) * (2 * n + 5) / 18.0)


def shortest_trend_window(alpha: float) -> int:
    """The fewest values with which Mann-Kendall can detect a trend at level ``alpha``."""
    n = 3
    while mann_kendall_min_p(n) >= alpha:
        n += 1
    return n
