"""cashloop.policy_tree: every field, parameter and action of a tree is found, with its path."""

from __future__ import annotations

import copy
import re
from typing import Any

import attrs
import pytest
from cashloop.policy_tree import (
    COMPARISON_OPS,
    COMPUTE_OPERANDS,
    PolicyScan,
    TreeReference,
    scan_policy,
    scan_tree,
    tree_names,
)
from hypothesis import given, settings
from hypothesis import strategies as st

# ---------------------------------------------------------------- strategies: valid trees

names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12)
literals = st.builds(lambda v: {"value": v}, st.integers(-5, 5) | st.floats(-1, 1))
leaf_values = (
    st.builds(lambda n: {"field": n}, names) | st.builds(lambda n: {"param": n}, names) | literals
)


def _compute(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    def build(op: str, draw_list: list[dict[str, Any]], single: list[dict[str, Any]]) -> Any:
        body: dict[str, Any] = {"op": op}
        for i, key in enumerate(COMPUTE_OPERANDS[op]):
            body[key] = draw_list if key == "values" else single[i]
        return {"compute": body}

    return st.builds(
        build,
        st.sampled_from(sorted(COMPUTE_OPERANDS)),
        st.lists(children, min_size=1, max_size=3),
        st.lists(children, min_size=3, max_size=3),
    )


values = st.recursive(leaf_values, _compute, max_leaves=4)
comparisons = st.builds(
    lambda op, left, right: {"op": op, "left": left, "right": right},
    st.sampled_from(COMPARISON_OPS),
    values,
    values,
)
expressions = st.recursive(
    comparisons,
    lambda inner: (
        st.builds(
            lambda op, conds: {"op": op, "conditions": conds},
            st.sampled_from(["and", "or"]),
            st.lists(inner, min_size=1, max_size=3),
        )
        | st.builds(lambda c: {"op": "not", "condition": c}, inner)
    ),
    max_leaves=3,
)
actions = st.builds(
    lambda a, params: {"type": "action", "node_id": "A", "action": a, **params},
    st.sampled_from(["Release", "Hold", "Split", "Drop"]),
    st.just({}) | st.builds(lambda v: {"parameters": {"num_splits": v}}, values),
)
nodes = st.recursive(
    actions,
    lambda inner: st.builds(
        lambda c, t, f: {
            "type": "condition",
            "node_id": "N",
            "condition": c,
            "on_true": t,
            "on_false": f,
        },
        expressions,
        inner,
        inner,
    ),
    max_leaves=4,
)
policies = st.dictionaries(
    st.sampled_from(["payment_tree", "bank_tree", "strategic_collateral_tree"]),
    nodes,
    min_size=1,
    max_size=2,
).map(lambda trees: {"version": "1.0", "policy_id": "p", "parameters": {"x": 1.0}, **trees})

# ---------------------------------------------------------------- helpers

_STEP = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


def resolve(policy: dict[str, Any], path: str) -> Any:
    """Follow a walker path (``a.b[0].c``) back into the policy."""
    node: Any = policy
    for part in path.split("."):
        for key, index in _STEP.findall(part):
            node = node[key] if key else node[int(index)]
    return node


def count_keys(obj: Any, key: str) -> int:
    """How many dicts under ``obj`` have ``key`` (the walker's references, counted naively)."""
    if isinstance(obj, dict):
        own = 1 if key in obj and not isinstance(obj[key], dict | list) else 0
        return own + sum(count_keys(v, key) for v in obj.values())
    if isinstance(obj, list):
        return sum(count_keys(v, key) for v in obj)
    return 0


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
