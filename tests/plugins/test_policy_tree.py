"""cashloop.policy_tree: every field, parameter and action of a tree is found, with its path."""

from __future__ import annotations

import copy
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from policy_tree_strategies import count_keys, policies, resolve

from cashloop.policy_tree import (
    PolicyScan,
    TreeReference,
    scan_policy,
    scan_tree,
    tree_names,
)

# ---------------------------------------------------------------- properties


@settings(max_examples=60, deadline=None)
@given(policies)
def test_every_reference_is_found_and_its_path_leads_back_to_it(policy: dict[str, Any]) -> None:
    scan = scan_policy(policy)
    assert scan.problems == ()
    assert scan.trees == tree_names(policy)
    assert len(scan.fields) == count_keys(policy, "field")
    assert len(scan.params) == count_keys(policy, "param")
    assert len(scan.actions) == count_keys(policy, "action")
    for ref in scan.references:
        target = resolve(policy, ref.path)
        assert target[ref.kind] == ref.name
        assert ref.path.split(".")[0] == ref.tree


@settings(max_examples=40, deadline=None)
@given(policies, st.data())
def test_broken_node_is_reported_at_its_path_and_walk_goes_on(
    policy: dict[str, Any], data: st.DataObject
) -> None:
    tree = data.draw(st.sampled_from(tree_names(policy)))
    broken = copy.deepcopy(policy)
    garbage = data.draw(st.sampled_from([[], 3, "Release", {"type": "branch"}, {"node_id": "x"}]))
    # replace the deepest on_false branch (or the root) with garbage
    path, node = tree, broken[tree]
    while isinstance(node, dict) and node.get("type") == "condition":
        path, node = f"{path}.on_false", node["on_false"]
    if path == tree:
        broken[tree] = garbage
    else:
        parent = resolve(broken, path.rsplit(".", 1)[0])
        parent["on_false"] = garbage
    scan = scan_policy(broken)
    assert any(p.startswith(f"{path}: ") for p in scan.problems)
    # references outside the broken branch are still reported
    untouched = [r for r in scan_policy(policy).references if not r.path.startswith(path)]
    assert set(untouched) <= set(scan.references)


@settings(max_examples=100, deadline=None)
@given(
    st.recursive(
        st.none() | st.integers() | st.text(max_size=3),
        lambda c: (
            st.lists(c, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "type",
                        "op",
                        "left",
                        "right",
                        "on_true",
                        "on_false",
                        "condition",
                        "conditions",
                        "compute",
                        "field",
                        "param",
                        "action",
                        "values",
                        "value",
                        "parameters",
                    ]
                ),
                c,
                max_size=4,
            )
        ),
        max_leaves=20,
    )
)
def test_arbitrary_json_never_raises(junk: Any) -> None:
    scan = scan_tree("payment_tree", junk)
    assert isinstance(scan, PolicyScan)
    assert all(p.startswith("payment_tree") for p in scan.problems)


# ---------------------------------------------------------------- examples


def test_paths_through_every_construct() -> None:
    policy = {
        "parameters": {"t": 1},
        "payment_tree": {
            "type": "condition",
            "node_id": "N1",
            "condition": {
                "op": "and",
                "conditions": [
                    {"op": "<", "left": {"field": "balance"}, "right": {"param": "t"}},
                    {
                        "op": "not",
                        "condition": {
                            "op": ">=",
                            "left": {"value": 1},
                            "right": {
                                "compute": {
                                    "op": "clamp",
                                    "value": {"field": "amount"},
                                    "min": {"value": 0},
                                    "max": {"param": "cap"},
                                }
                            },
                        },
                    },
                ],
            },
            "on_true": {"type": "action", "node_id": "A1", "action": "Release"},
            "on_false": {
                "type": "action",
                "node_id": "A2",
                "action": "Split",
                "parameters": {
                    "num_splits": {
                        "compute": {"op": "max", "values": [{"value": 2}, {"field": "queue_age"}]}
                    }
                },
            },
        },
    }
    found = {(r.kind, r.name, r.path) for r in scan_policy(policy).references}
    assert found == {
        ("field", "balance", "payment_tree.condition.conditions[0].left"),
        ("param", "t", "payment_tree.condition.conditions[0].right"),
        ("field", "amount", "payment_tree.condition.conditions[1].condition.right.compute.value"),
        ("param", "cap", "payment_tree.condition.conditions[1].condition.right.compute.max"),
        ("action", "Release", "payment_tree.on_true"),
        ("action", "Split", "payment_tree.on_false"),
        ("field", "queue_age", "payment_tree.on_false.parameters.num_splits.compute.values[1]"),
    }


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        ({"type": "action"}, "payment_tree: action node is missing 'action'"),
        (
            {
                "type": "condition",
                "condition": {"op": "<", "left": {"value": 1}, "right": {"value": 2}},
                "on_true": {"type": "action", "action": "Hold"},
            },
            "payment_tree: condition node is missing 'on_false'",
        ),
        ({"type": "loop"}, "payment_tree: node type 'loop' is neither 'condition' nor 'action'"),
        ({"action": "Hold"}, "payment_tree: node is missing 'type'"),
        (
            {
                "type": "condition",
                "condition": {"op": "xor"},
                "on_true": {"type": "action", "action": "Hold"},
                "on_false": {"type": "action", "action": "Hold"},
            },
            "payment_tree.condition.op: unknown operator 'xor'",
        ),
        (
            {
                "type": "condition",
                "condition": {
                    "op": "<",
                    "left": {"compute": {"op": "div0", "numerator": {"value": 1}}},
                    "right": {"value": 1},
                },
                "on_true": {"type": "action", "action": "Hold"},
                "on_false": {"type": "action", "action": "Hold"},
            },
            "payment_tree.condition.left.compute: 'div0' is missing 'denominator', 'default'",
        ),
        ({"type": "action", "action": 7}, "payment_tree.action: must be an action name"),
    ],
)
def test_structural_problems_are_path_prefixed_sentences(node: Any, expected: str) -> None:
    problems = scan_tree("payment_tree", node).problems
    assert any(p.startswith(expected) for p in problems), problems


def test_null_tree_is_absent_and_non_tree_keys_are_ignored() -> None:
    policy = {
        "payment_tree": None,
        "parameters": {"a": 1},
        "description": "x",
        "bank_tree": {"type": "action", "action": "NoAction"},
    }
    assert tree_names(policy) == ("bank_tree",)
    assert scan_policy(policy).names("action") == frozenset({"NoAction"})


def test_runaway_nesting_is_reported_not_recursed() -> None:
    expr: dict[str, Any] = {"op": "<", "left": {"value": 1}, "right": {"value": 2}}
    for _ in range(400):
        expr = {"op": "not", "condition": expr}
    node = {
        "type": "condition",
        "condition": expr,
        "on_true": {"type": "action", "action": "Hold"},
        "on_false": {"type": "action", "action": "Hold"},
    }
    problems = scan_tree("payment_tree", node).problems
    assert any("nested deeper than" in p for p in problems)


def test_results_are_frozen() -> None:
    ref = TreeReference(kind="field", name="a", tree="t", path="t.left")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        ref.name = "b"  # type: ignore[misc]
