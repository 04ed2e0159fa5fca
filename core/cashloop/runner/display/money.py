"""Money as text: integer cents in, currency out, with integer arithmetic only (INV-1).

Integer cents use the core's one formatter (:func:`cashloop.money.format_cents`); this module adds
what events also hold: float statistics in cents (means, interval bounds) and missing values.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, Decimal

from cashloop.money import format_cents

__all__ = ["format_cents", "format_money", "format_saving", "round_cents"]

NOT_AVAILABLE = "n/a"


def round_cents(value: float) -> int | None:
    """Nearest whole cent of a statistic in cents (half to even); ``None`` if not finite.

    Goes through the float's shortest decimal form, so ``0.125`` rounds as the decimal 0.125.
    """
    if not math.isfinite(value):
        return None
    return int(Decimal(repr(value)).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def format_money(value: object) -> str:
    """Any money value of an event: integer cents exactly, a float statistic to the cent."""
    if isinstance(value, bool) or value is None:
        return NOT_AVAILABLE
    if isinstance(value, int):
        return format_cents(value)
    if isinstance(value, float):
        cents = round_cents(value)
        return NOT_AVAILABLE if cents is None else format_cents(cents)
    return str(value)


def format_saving(delta: object) -> str:
    """A cost delta ``old - new`` in words: positive is a saving, negative an extra cost."""
    if isinstance(delta, bool) or not isinstance(delta, int | float):
        return "saving n/a"
    if delta > 0:
        return f"saves {format_money(delta)}"
    if delta < 0:
        return f"costs {format_money(-delta)} more"
    return "no change"
