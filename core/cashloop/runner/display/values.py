"""Non-money values as text: deterministic, so the same event always prints the same way."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "as_mapping",
    "as_sequence",
    "format_count",
    "format_p_value",
    "format_rate",
    "format_value",
    "yes_no",
]


def format_value(value: object) -> str:
    """A JSON value as JSON text (``0.5``, ``"Hold"``, ``true``, ``null``), keys in order."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def format_count(value: object) -> str:
    """An integer count with thousands separators; anything else as it is."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return "n/a" if value is None else str(value)


def format_rate(value: object) -> str:
    """A fraction in [0, 1] as a percentage with one decimal."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return "n/a"
    return f"{value * 100:.1f}%"


def format_p_value(value: object) -> str:
    """``p=0.0123``, ``p<0.0001`` or ``p n/a``."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return "p n/a"
    if value < 0.0001:
        return "p<0.0001"
    return f"p={value:.4f}"


def yes_no(value: object) -> str:
    return "yes" if value is True else "no"


def as_mapping(value: object) -> Mapping[str, Any]:
    """The value when it is a JSON object, else an empty one (old or partial events)."""
    return value if isinstance(value, Mapping) else {}


def as_sequence(value: object) -> Sequence[Any]:
    """The value when it is a JSON array, else an empty one."""
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return value
    return ()
