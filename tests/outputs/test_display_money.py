"""Money is integer cents; the display turns it into currency without float arithmetic."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cashloop.runner.display.money import format_cents, format_money, format_saving, round_cents


@pytest.mark.parametrize(
    ("cents", "text"),
    [
        (0, "$0.00"),
        (5, "$0.05"),
        (99, "$0.99"),
        (100, "$1.00"),
        (123456, "$1,234.56"),
        (-1, "-$0.01"),
        (-123456, "-$1,234.56"),
        (100_000_000_000, "$1,000,000,000.00"),
        (-987_654_321_012, "-$9,876,543,210.12"),
    ],
)
def test_format_cents(cents: int, text: str) -> None:
    assert format_cents(cents) == text


def test_huge_amounts_are_exact() -> None:
    """Beyond float precision (2**53) every digit is still right."""
    cents = 12_345_678_901_234_567_891
    assert format_cents(cents) == "$123,456,789,012,345,678.91"
    assert format_cents(-cents) == "-$123,456,789,012,345,678.91"


@given(st.integers(min_value=-(10**30), max_value=10**30))
def test_format_cents_round_trips(cents: int) -> None:
    text = format_cents(cents)
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("-").removeprefix("$").replace(",", "").replace(".", "")
    assert sign * int(digits) == cents
    assert text.count(".") == 1 and len(text.split(".")[1]) == 2


@pytest.mark.parametrize(
    ("value", "cents"),
    [(0.125, 0), (0.5, 0), (1.5, 2), (2.5, 2), (-1.5, -2), (20000.125, 20000), (1e17, 10**17)],
)
def test_round_cents_half_even(value: float, cents: int) -> None:
    assert round_cents(value) == cents


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_round_cents_not_finite(value: float) -> None:
    assert round_cents(value) is None


def test_format_money_accepts_event_values() -> None:
    assert format_money(123456) == "$1,234.56"
    assert format_money(23456.4) == "$234.56"
    assert format_money(-0.6) == "-$0.01"
    assert format_money(None) == "n/a"
    assert format_money(True) == "n/a"
    assert format_money(math.nan) == "n/a"


def test_format_saving_reads_the_delta_sign() -> None:
    assert format_saving(2_500) == "saves $25.00"
    assert format_saving(-2_500) == "costs $25.00 more"
    assert format_saving(0) == "no change"
    assert format_saving(None) == "saving n/a"
