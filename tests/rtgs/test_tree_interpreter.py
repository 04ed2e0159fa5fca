"""The compiled decision trees agree with a plain recursive interpreter of the spec."""

from __future__ import annotations

import math
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cashloop_rtgs.engine.payment import Payment
from cashloop_rtgs.policy.compiler import (
    DROP,
    HOLD,
    RELEASE,
    TreeEvaluationError,
    compile_policy,
)
from cashloop_rtgs.policy.context import FIELDS, AgentSnapshot
from cashloop_rtgs.policy.schema import check_policy
from cashloop_rtgs.rng import rust_round

FIELD_NAMES = sorted(FIELDS)
PARAMS = {"p1": 3.0, "p2": -0.5, "initial_liquidity_fraction": 0.25}


class Failed(Exception):
    pass


def reference_value(v, pay, snap):
    if "field" in v:
        return FIELDS[v["field"]](pay, snap)
    if "param" in v:
        return PARAMS[v["param"]]
    if "value" in v:
        return float(v["value"])
    c = v["compute"]
    op = c["op"]
    if op in "+-*/":
        a, b = reference_value(c["left"], pay, snap), reference_value(c["right"], pay, snap)
        if op == "/":
            if abs(b) < sys.float_info.epsilon:
                raise Failed
            return a / b
        return {"+": a + b, "-": a - b, "*": a * b}[op]
    if op in ("max", "min"):
        values = [reference_value(x, pay, snap) for x in c["values"]]
        best = -math.inf if op == "max" else math.inf
        for x in values:
            if (x > best) if op == "max" else (x < best):
                best = x
        return best
    if op in ("ceil", "floor", "round", "abs"):
        x = reference_value(c["value"], pay, snap)
        if op == "abs":
            return abs(x)
        if not math.isfinite(x):
            return x
        return {"ceil": math.ceil, "floor": math.floor, "round": rust_round}[op](x) + 0.0
    if op == "clamp":
        x, lo, hi = (reference_value(c[k], pay, snap) for k in ("value", "min", "max"))
        x = lo if x != x else (x if lo != lo else max(x, lo))
        return hi if x != x else (x if hi != hi else min(x, hi))
    n = reference_value(c["numerator"], pay, snap)
    d = reference_value(c["denominator"], pay, snap)
    return reference_value(c["default"], pay, snap) if abs(d) < 1e-9 else n / d


def reference_condition(e, pay, snap):
    op = e["op"]
    if op == "and":
        return all(reference_condition(x, pay, snap) for x in e["conditions"])
    if op == "or":
        return any(reference_condition(x, pay, snap) for x in e["conditions"])
    if op == "not":
        return not reference_condition(e["condition"], pay, snap)
    a, b = reference_value(e["left"], pay, snap), reference_value(e["right"], pay, snap)
    near = abs(a - b) < 1e-9
    return {
        "==": near,
        "!=": not near,
        "<": a < b,
        "<=": a <= b or near,
        ">": a > b,
        ">=": a >= b or near,
    }[op]


def reference_decide(node, pay, snap):
    while node["type"] == "condition":
        node = node["on_true" if reference_condition(node["condition"], pay, snap) else "on_false"]
    action = node["action"]
    if action == "Split":
        n = reference_value(node["parameters"]["num_splits"], pay, snap)
        n = 0 if n != n or n <= 0 else int(min(n, 2.0**64))
        if n < 2:
            raise Failed
        return -n
    return {"Release": RELEASE, "Hold": HOLD, "Drop": DROP}[action]


# -- random trees ----------------------------------------------------------------------------
literal = st.one_of(st.floats(-1e6, 1e6), st.integers(-50, 50), st.booleans())
leaf = st.one_of(
    st.sampled_from(FIELD_NAMES).map(lambda f: {"field": f}),
    st.sampled_from(["p1", "p2"]).map(lambda p: {"param": p}),
    literal.map(lambda x: {"value": x}),
)


def computes(children):
    binary = st.tuples(st.sampled_from("+-*/"), children, children).map(
        lambda t: {"compute": {"op": t[0], "left": t[1], "right": t[2]}}
    )
    nary = st.tuples(
        st.sampled_from(["max", "min"]), st.lists(children, min_size=1, max_size=3)
    ).map(lambda t: {"compute": {"op": t[0], "values": t[1]}})
    unary = st.tuples(st.sampled_from(["ceil", "floor", "round", "abs"]), children).map(
        lambda t: {"compute": {"op": t[0], "value": t[1]}}
    )
    clamp = st.tuples(children, children, children).map(
        lambda t: {"compute": {"op": "clamp", "value": t[0], "min": t[1], "max": t[2]}}
    )
    div0 = st.tuples(children, children, children).map(
        lambda t: {
            "compute": {"op": "div0", "numerator": t[0], "denominator": t[1], "default": t[2]}
        }
    )
    return st.one_of(binary, nary, unary, clamp, div0)


values = st.recursive(leaf, computes, max_leaves=6)
comparison = st.tuples(st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), values, values).map(
    lambda t: {"op": t[0], "left": t[1], "right": t[2]}
)
conditions = st.recursive(
    comparison,
    lambda c: st.one_of(
        st.tuples(st.sampled_from(["and", "or"]), st.lists(c, max_size=3)).map(
            lambda t: {"op": t[0], "conditions": t[1]}
        ),
        c.map(lambda x: {"op": "not", "condition": x}),
    ),
    max_leaves=4,
)
actions = st.one_of(
    st.sampled_from(["Release", "Hold", "Drop"]).map(lambda a: {"type": "action", "action": a}),
    values.map(lambda v: {"type": "action", "action": "Split", "parameters": {"num_splits": v}}),
)
trees = st.recursive(
    actions,
    lambda n: st.tuples(conditions, n, n).map(
        lambda t: {"type": "condition", "condition": t[0], "on_true": t[1], "on_false": t[2]}
    ),
    max_leaves=5,
)


def number_nodes(node, counter=None):
    counter = counter if counter is not None else [0]
    counter[0] += 1
    node = {**node, "node_id": f"n{counter[0]}"}
    if node["type"] == "condition":
        node["on_true"] = number_nodes(node["on_true"], counter)
        node["on_false"] = number_nodes(node["on_false"], counter)
    return node


payments = st.builds(
    lambda amount, arrival, span, prio, overdue: _payment(amount, arrival, span, prio, overdue),
    st.integers(1, 10**7),
    st.integers(0, 30),
    st.integers(1, 10),
    st.integers(0, 10),
    st.integers(-1, 40),
)
snapshots = st.builds(
    lambda tick, tpd, bal, cap, size, value: AgentSnapshot(
        tick=tick,
        ticks_per_day=tpd,
        eod_rush_threshold=0.8,
        balance=bal,
        unsecured_cap=cap,
        q1_size=size,
        q1_value=value,
    ),
    st.integers(0, 40),
    st.integers(1, 24),
    st.integers(-(10**6), 10**7),
    st.integers(0, 10**6),
    st.integers(0, 30),
    st.integers(0, 10**8),
)


def _payment(amount, arrival, span, prio, overdue):
    p = Payment(0, 1, amount, arrival, arrival + span, prio)
    p.overdue_since = overdue
    return p


@settings(max_examples=300, deadline=None)
@given(tree=trees, pay=payments, snap=snapshots)
def test_compiled_tree_matches_reference(tree, pay, snap) -> None:
    policy = {
        "version": "2.0",
        "policy_id": "x",
        "parameters": PARAMS,
        "payment_tree": number_nodes(tree),
    }
    assert check_policy(policy) == [] or "num_splits" in str(check_policy(policy))
    if check_policy(policy):
        return
    compiled = compile_policy(policy)
    try:
        expected = reference_decide(policy["payment_tree"], pay, snap)
    except Failed:
        with pytest.raises(TreeEvaluationError):
            _decide(compiled, pay, snap)
        return
    assert _decide(compiled, pay, snap) == expected


def _decide(compiled, pay, snap):
    if compiled.decide is None:
        return compiled.constant_action
    return compiled.decide(pay, snap)


JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8)),
    lambda c: st.one_of(
        st.lists(c, max_size=4),
        st.dictionaries(
            st.sampled_from(
                [
                    "type",
                    "node_id",
                    "op",
                    "left",
                    "right",
                    "field",
                    "value",
                    "action",
                    "condition",
                    "on_true",
                    "on_false",
                    "parameters",
                    "compute",
                    "values",
                    "conditions",
                    "version",
                    "policy_id",
                    "payment_tree",
                    "param",
                    "num_splits",
                ]
            ),
            c,
            max_size=5,
        ),
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_schema_check_never_crashes(garbage) -> None:
    errors = check_policy(garbage)
    assert isinstance(errors, list) and all(isinstance(e, str) and ": " in e for e in errors)
    if not errors:
        compile_policy(garbage)


def test_division_by_zero_names_the_node() -> None:
    policy = {
        "version": "2",
        "policy_id": "x",
        "payment_tree": {
            "type": "condition",
            "node_id": "c",
            "condition": {
                "op": ">",
                "left": {
                    "compute": {"op": "/", "left": {"field": "amount"}, "right": {"value": 0}}
                },
                "right": {"value": 1},
            },
            "on_true": {"type": "action", "node_id": "a", "action": "Release"},
            "on_false": {"type": "action", "node_id": "b", "action": "Hold"},
        },
    }
    compiled = compile_policy(policy)
    snap = AgentSnapshot(
        tick=0,
        ticks_per_day=2,
        eod_rush_threshold=0.8,
        balance=0,
        unsecured_cap=0,
        q1_size=1,
        q1_value=5,
    )
    with pytest.raises(TreeEvaluationError, match=r"payment_tree\.condition\.left\.compute"):
        compiled.decide(Payment(0, 1, 5, 0, 1, 5), snap)


def test_the_deepest_allowed_tree_compiles_and_runs() -> None:
    """100 nested conditions (SimCash's limit) compile into chunked generated functions."""
    node = {"type": "action", "node_id": "leaf", "action": "Hold"}
    for i in range(99):
        node = {
            "type": "condition",
            "node_id": f"c{i}",
            "condition": {"op": ">=", "left": {"field": "amount"}, "right": {"value": i}},
            "on_true": node,
            "on_false": {"type": "action", "node_id": f"r{i}", "action": "Release"},
        }
    policy = {"version": "2", "policy_id": "deep", "payment_tree": node}
    assert check_policy(policy) == []
    compiled = compile_policy(policy)
    snap = AgentSnapshot(
        tick=0,
        ticks_per_day=2,
        eod_rush_threshold=0.8,
        balance=0,
        unsecured_cap=0,
        q1_size=1,
        q1_value=5,
    )
    assert compiled.decide(Payment(0, 1, 500, 0, 1, 5), snap) == HOLD
    assert compiled.decide(Payment(0, 1, 50, 0, 1, 5), snap) == RELEASE
    deeper = node
    for name in ("top", "top2"):
        deeper = {
            "type": "condition",
            "node_id": name,
            "condition": node["condition"],
            "on_true": deeper,
            "on_false": {"type": "action", "node_id": f"{name}x", "action": "Drop"},
        }
    assert "deeper than 100 levels" in str(check_policy({**policy, "payment_tree": deeper}))


def test_absurd_expression_nesting_is_refused() -> None:
    value = {"field": "amount"}
    for _ in range(2000):
        value = {"compute": {"op": "abs", "value": value}}
    policy = {
        "version": "2",
        "policy_id": "p",
        "payment_tree": {
            "type": "condition",
            "node_id": "c",
            "condition": {"op": ">", "left": value, "right": {"value": 0}},
            "on_true": {"type": "action", "node_id": "a", "action": "Release"},
            "on_false": {"type": "action", "node_id": "b", "action": "Hold"},
        },
    }
    assert check_policy(policy) == [
        "payment_tree.condition: nested deeper than 64 levels; simplify it"
    ]
