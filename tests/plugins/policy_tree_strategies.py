"""Hypothesis strategies for valid decision-tree policies, and helpers to check walker output."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import strategies as st

from cashloop.policy_tree import COMPARISON_OPS, COMPUTE_OPERANDS

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
