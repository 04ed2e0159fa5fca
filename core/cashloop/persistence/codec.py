"""JSON text for stored values; rejects what would not read back equal (replay identity)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from cashloop.errors import StorageError

__all__ = ["EncodedData", "check_cents", "decode_json", "encode_json", "encode_native"]


class EncodedData(dict[str, Any]):
    """JSON-native data that carries the text it was decoded from, encoded as :func:`encode_json`
    would encode it: the event dispatcher encodes an event once, and storage stores that text."""

    __slots__ = ("json_text",)

    json_text: str


def encode_native(value: Any) -> str:
    """The stored text of ``value``, without checking it is JSON-native (see :func:`encode_json`).

    Non-finite floats raise ``ValueError``.
    """
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def encode_json(value: Any, *, what: str) -> str:
    """Encode ``value`` keeping key order; ``what`` names it in the error (``llm_call.error``)."""
    if type(value) is EncodedData:
        return value.json_text
    try:  # fast path: JSON-native data reads back equal (a tuple or an int key would not)
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        if json.loads(text) == value:
            return text
    except (TypeError, ValueError, RecursionError):
        pass
    native = _json_native(value, what)
    return json.dumps(native, ensure_ascii=False, sort_keys=False, separators=(",", ":"))


def decode_json(text: str) -> Any:
    return json.loads(text)


def check_cents(costs: Mapping[str, int], *, what: str) -> dict[str, int]:
    """Money is integer cents (INV-1); a float here is a bug upstream, so it stops the run."""
    checked: dict[str, int] = {}
    for agent, cost in costs.items():
        if isinstance(cost, bool) or not isinstance(cost, int):
            raise StorageError(
                f"{what}[{agent!r}] must be integer cents, got {type(cost).__name__} {cost!r}"
            )
        checked[agent] = cost
    return checked


def _json_native(value: Any, path: str) -> Any:
    """Return ``value`` with mappings as dicts; raise on anything JSON would change or refuse.

    Tuples are refused rather than turned into lists: the replayed event would then differ from
    the live one, breaking replay identity.
    """
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise StorageError(
                    f"{path}: key {key!r} is a {type(key).__name__}; stored keys must be strings"
                )
            result[key] = _json_native(item, f"{path}.{key}")
        return result
    if isinstance(value, list):
        return [_json_native(item, f"{path}[{index}]") for index, item in enumerate(value)]
    hint = "; use a list" if isinstance(value, tuple | set | frozenset) else ""
    raise StorageError(
        f"{path}: {type(value).__name__} is not JSON-native "
        f"(dict, list, str, int, float, bool or None){hint}"
    )
