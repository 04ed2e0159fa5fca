"""The one money type: integer cents. Formatting uses integer arithmetic only."""

from __future__ import annotations

__all__ = ["Cents", "format_cents", "mean_cents"]

Cents = int


def format_cents(cents: int) -> str:
    """``123456`` -> ``"$1,234.56"``; negative values keep their sign."""
    sign = "-" if cents < 0 else ""
    dollars, rest = divmod(abs(int(cents)), 100)
    return f"{sign}${dollars:,}.{rest:02d}"


def mean_cents(values: list[int]) -> int:
    """Mean of integer cents, rounded half up, still integer cents."""
    if not values:
        return 0
    total, n = sum(values), len(values)
    return (2 * total + n) // (2 * n)
