"""policy_diff: what a candidate changes, in parameters and in the decision tree."""

from __future__ import annotations

from typing import Any

from cashloop.runner.display.policy_diff import parameter_changes, tree_changes


def _policy(**parts: Any) -> dict[str, Any]:
    return {"version": "2.0", "policy_id": "p", **parts}


def test_parameter_changes_cover_both_sides() -> None:
    old = _policy(parameters={"a": 0.5, "b": 1, "gone": 3})
    new = _policy(parameters={"a": 0.25, "b": 1, "fresh": True})
    changes = {c.name: c for c in parameter_changes(old, new)}
    assert list(changes) == ["a", "b", "gone", "fresh"]
    assert changes["a"].changed and changes["a"].old == 0.5 and changes["a"].new == 0.25
    assert not changes["b"].changed
    assert changes["gone"].changed and not changes["gone"].in_new
    assert changes["fresh"].changed and not changes["fresh"].in_old


def test_parameters_missing_or_malformed() -> None:
    assert parameter_changes(None, {"parameters": "oops"}) == []


def test_identity_keys_are_not_tree_changes() -> None:
    old = _policy(parameters={"a": 1}, payment_tree={"type": "action", "action": "Release"})
    new = dict(old, policy_id="q", version="2.1", parameters={"a": 2})
    assert tree_changes(old, new) == []


def test_leaf_changes_have_dotted_paths() -> None:
    tree = {
        "type": "condition",
        "node_id": "root",
        "condition": {"op": "<", "left": {"field": "balance"}, "right": {"value": 100}},
        "on_true": {"type": "action", "action": "Release"},
        "on_false": {"type": "action", "action": "Hold"},
    }
    new_tree = {
        **tree,
        "condition": {"op": "<", "left": {"field": "balance"}, "right": {"value": 250}},
        "on_false": {"type": "action", "action": "Release"},
    }
    changes = tree_changes(_policy(payment_tree=tree), _policy(payment_tree=new_tree))
    assert [(c.path, c.kind, c.old, c.new) for c in changes] == [
        ("payment_tree.condition.right.value", "changed", 100, 250),
        ("payment_tree.on_false.action", "changed", "Hold", "Release"),
    ]


def test_replaced_node_is_one_change() -> None:
    old = _policy(payment_tree={"type": "action", "action": "Release"})
    new_tree = {"type": "condition", "on_true": {"type": "action", "action": "Hold"}}
    changes = tree_changes(old, _policy(payment_tree=new_tree))
    assert len(changes) == 1
    assert changes[0].path == "payment_tree" and changes[0].kind == "changed"


def test_added_removed_keys_and_list_items() -> None:
    old = _policy(bank_tree={"type": "x", "list": [1, 2, 3]}, strategic_tree={"type": "a"})
    new = _policy(bank_tree={"type": "x", "list": [1, 5], "extra": 1})
    changes = [(c.path, c.kind) for c in tree_changes(old, new)]
    assert changes == [
        ("bank_tree.list[1]", "changed"),
        ("bank_tree.list[2]", "removed"),
        ("bank_tree.extra", "added"),
        ("strategic_tree", "removed"),
    ]


def test_type_change_of_a_leaf_counts() -> None:
    changes = tree_changes(_policy(t={"type": "a", "v": 1}), _policy(t={"type": "a", "v": True}))
    assert [(c.path, c.old, c.new) for c in changes] == [("t.v", 1, True)]
