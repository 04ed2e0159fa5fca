"""Text from configs and LLM answers, made safe to show on a terminal.

An experiment name or an answer may hold escape sequences that set the terminal's title or
colours; shown text keeps line breaks and tabs and loses every other control character.
"""

from __future__ import annotations

import re
from typing import Any, Final

__all__ = ["printable", "printable_data"]

_CONTROL: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` without control characters (newlines and tabs kept)."""
    return _CONTROL.sub("", text)


def printable_data(value: Any) -> Any:
    """``value`` (JSON-shaped data, such as an event) with every string and key made
    :func:`printable`; the very same object when nothing needed it (the common case)."""
    if isinstance(value, str):
        return printable(value) if _CONTROL.search(value) else value
    if isinstance(value, dict):
        changed = False
        out: dict[Any, Any] = {}
        for key, item in value.items():
            new_key = printable_data(key)
            new_item = printable_data(item)
            changed = changed or new_key is not key or new_item is not item
            out[new_key] = new_item
        return out if changed else value
    if isinstance(value, list | tuple):
        items = [printable_data(item) for item in value]
        if any(new is not old for new, old in zip(items, value, strict=True)):
            return type(value)(items) if isinstance(value, list) else tuple(items)
        return value
    return value
