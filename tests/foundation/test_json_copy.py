"""copy_json: the loop's copies of policies and events are full, order-keeping deep copies."""

from __future__ import annotations

from typing import Any

from cashloop.json_copy import copy_json


def _policy() -> dict[str, Any]:
    return {
        "version": "2.0",
        "parameters": {"initial_liquidity_fraction": 0.25, "urgency": 3},
        "payment_tree": {
            "type": "condition",
            "condition": {"op": "<=", "left": {"field": "ticks_to_deadline"}, "right": 2},
            "on_true": {"type": "action", "action": "Release"},
            "on_false": {"type": "action", "action": "Hold", "tags": [1, [2, None], True]},
        },
    }


def test_copy_is_equal_keeps_key_order_and_shares_no_container() -> None:
    original = _policy()
    copied = copy_json(original)
    assert copied == original
    assert list(copied) == list(original)
    assert list(copied["payment_tree"]) == list(original["payment_tree"])
    copied["parameters"]["initial_liquidity_fraction"] = 0.9
    copied["payment_tree"]["on_false"]["tags"][1].append("x")
    assert original == _policy()  # nothing of the original changed


def test_values_that_are_not_json_are_still_copied_deeply() -> None:
    original = {"cells": {1, 2}, "pair": (1, [2])}
    copied = copy_json(original)
    assert copied == original
    copied["cells"].add(3)
    copied["pair"][1].append(3)
    assert original == {"cells": {1, 2}, "pair": (1, [2])}
