"""Shared phrasing for error sentences an LLM can act on."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

__all__ = ["allowed_list", "describe", "suggestion"]


def allowed_list(names: Sequence[str]) -> str:
    """Names in declared order, or ``none`` when nothing is allowed."""
    return ", ".join(names) if names else "none"


def suggestion(name: str, names: Sequence[str]) -> str:
    """`` Did you mean 'x'?`` for a near miss, else an empty string."""
    close = difflib.get_close_matches(name, list(names), n=1, cutoff=0.75)
    return f". Did you mean {close[0]!r}?" if close else ""


def describe(value: Any) -> str:
    """A short description of a JSON value: its kind and, for scalars, the value itself."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"string {value[:60]!r}{'...' if len(value) > 60 else ''}"
    if isinstance(value, int) and abs(value) > 2**63:
        return f"a number of about {int(value.bit_length() * 0.30103) + 1} digits"
    return repr(value)
