"""``copy_json``: a deep copy of JSON-shaped data (policies, costs, events), several times faster
than ``copy.deepcopy``, which the loop would otherwise pay for on every iteration."""

from __future__ import annotations

import copy
from typing import Any, TypeVar

__all__ = ["copy_json"]

T = TypeVar("T")

_IMMUTABLE = (str, int, float, bool, type(None))


def copy_json(value: T) -> T:
    """A deep copy of ``value``: dicts and lists are copied level by level (keeping key order);
    strings, numbers, booleans and ``None`` are shared (they are immutable); anything else is
    handed to :func:`copy.deepcopy`, so the result is always a full copy."""
    return _copy(value)  # type: ignore[no-any-return]


def _copy(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return {key: _copy(item) for key, item in value.items()}
    if kind is list:
        return [_copy(item) for item in value]
    if kind in _IMMUTABLE:
        return value
    return copy.deepcopy(value)
