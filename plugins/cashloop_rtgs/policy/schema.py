"""The policy schema check: every problem as a sentence an LLM can act on, with its path.

``check_policy`` never raises on bad input; it returns the list of errors (empty when valid).
The compiler relies on it: it only ever sees policies that passed.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from typing import Any, Final

from cashloop_rtgs.policy.context import FIELDS
from cashloop_rtgs.policy.grammar import (
    ACTION_PARAMETERS,
    BOOL_OPS,
    COMPARISON_OPS,
    COMPUTE_OPS,
    FRACTION_PARAMETER,
    ROOT_KEYS,
    TREE_ACTIONS,
    UNSUPPORTED_ACTIONS,
)

__all__ = [
    "MAX_EXPRESSION_NESTING",
    "MAX_NUMBER",
    "MAX_TREE_DEPTH",
    "check_policy",
    "literal_zero_divisions",
]

MAX_TREE_DEPTH: Final = 100
#: the largest magnitude a number in a policy may have: money is 64-bit integer cents
MAX_NUMBER: Final = 2**63 - 1
#: JSON nesting allowed inside one condition or action parameter (keeps compiled code sane)
MAX_EXPRESSION_NESTING: Final = 64
#: a divisor below this fails at run time (the compiler's ``_div``)
DIV_EPSILON: Final = sys.float_info.epsilon
_VALUE_KEYS: Final = ("field", "param", "value", "compute")
_NODE_TYPES: Final = ("condition", "action")


def check_policy(policy: Any) -> list[str]:
    """Return the schema errors of ``policy`` (an empty list when it is valid)."""
    return _Checker().run(policy)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int) and abs(value) > MAX_NUMBER:
        return f"a number of about {int(value.bit_length() * 0.30103) + 1} digits"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"the string {shown!r}"
    if isinstance(value, list):
        return "a list"
    return "an object" if isinstance(value, Mapping) else type(value).__name__


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _usable_number(value: Any) -> bool:
    """A number the engine can use: finite and within 64-bit cents (no float overflow, even for
    an integer of 400 digits, which ``math.isfinite`` cannot convert)."""
    if not _is_number(value):
        return False
    if isinstance(value, int):
        return abs(value) <= MAX_NUMBER
    return math.isfinite(value) and abs(value) <= MAX_NUMBER


def _number_problem(value: Any) -> str:
    if _is_number(value) and (isinstance(value, int) or math.isfinite(value)):
        return f"must be at most {MAX_NUMBER} in magnitude (64-bit cents), got {_kind(value)}"
    return f"must be a finite number, got {_kind(value)}"


def _nesting(obj: Any) -> int:
    """Depth of JSON containers in ``obj`` (iterative: safe on any input)."""
    deepest = 0
    stack = [(obj, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, Mapping) else item
        if isinstance(item, Mapping | list):
            deepest = max(deepest, depth)
            if depth <= MAX_EXPRESSION_NESTING:
                stack.extend((child, depth + 1) for child in children)
    return deepest


def _join(names: Any) -> str:
    return ", ".join(names)


class _Checker:
    __slots__ = ("errors", "node_ids", "params")

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.node_ids: dict[str, str] = {}
        self.params: set[str] = set()

    def fail(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    def keys(self, path: str, obj: Mapping[str, Any], allowed: tuple[str, ...], what: str) -> None:
        for key in obj:
            if key not in allowed:
                self.fail(path, f"unknown key '{key}' in {what}; allowed: {_join(allowed)}")

    def run(self, policy: Any) -> list[str]:
        if not isinstance(policy, Mapping):
            self.fail("policy", f"must be a JSON object, got {_kind(policy)}")
            return self.errors
        self.keys("policy", policy, ROOT_KEYS, "the policy")
        for key, example in (("version", '"2.0"'), ("policy_id", '"my_policy"')):
            value = policy.get(key)
            if key not in policy:
                self.fail("policy", f"missing required key '{key}' (a string such as {example})")
            elif not isinstance(value, str) or not value.strip():
                self.fail(key, f"must be a non-empty string such as {example}, got {_kind(value)}")
        if "description" in policy and not isinstance(policy["description"], str | None):
            self.fail("description", f"must be a string, got {_kind(policy['description'])}")
        self.check_parameters(policy.get("parameters", {}))
        for tree in TREE_ACTIONS:
            node = policy.get(tree)
            if node is not None:
                self.check_node(tree, node, tree, 1)
        return self.errors

    def check_parameters(self, params: Any) -> None:
        if not isinstance(params, Mapping):
            self.fail("parameters", f"must be an object of name: number, got {_kind(params)}")
            return
        for name, value in params.items():
            self.params.add(name)
            path = f"parameters.{name}"
            if not _usable_number(value):
                self.fail(path, _number_problem(value))
            elif name == FRACTION_PARAMETER and not 0.0 <= value <= 1.0:
                self.fail(path, f"must be between 0 and 1 (a fraction of the pool), got {value}")

    def check_node(self, path: str, node: Any, tree: str, depth: int) -> None:
        if depth > MAX_TREE_DEPTH:
            self.fail(path, f"the tree is deeper than {MAX_TREE_DEPTH} levels; simplify it")
            return
        if not isinstance(node, Mapping):
            self.fail(path, 'a node must be an object with "type": "condition" or "action"')
            return
        node_type = node.get("type")
        if node_type not in _NODE_TYPES:
            got = "missing" if "type" not in node else f"{_kind(node_type)}"
            self.fail(path, f'node "type" must be "condition" or "action", got {got}')
            return
        node_id = node.get("node_id")
        if not isinstance(node_id, str) or not node_id:
            self.fail(path, 'every node needs a unique string "node_id"')
        elif node_id in self.node_ids:
            self.fail(
                path, f"duplicate node_id '{node_id}' (also used at {self.node_ids[node_id]})"
            )
        else:
            self.node_ids[node_id] = path
        if node_type == "condition":
            self.keys(
                path,
                node,
                ("type", "node_id", "description", "condition", "on_true", "on_false"),
                "a condition node",
            )
            for key in ("condition", "on_true", "on_false"):
                if key not in node:
                    self.fail(path, f"condition node is missing '{key}'")
            if "condition" in node and self.shallow(f"{path}.condition", node["condition"]):
                self.check_expr(f"{path}.condition", node["condition"])
            for branch in ("on_true", "on_false"):
                if branch in node:
                    self.check_node(f"{path}.{branch}", node[branch], tree, depth + 1)
        else:
            self.keys(
                path,
                node,
                ("type", "node_id", "description", "action", "parameters"),
                "an action node",
            )
            self.check_action(path, node, tree)

    def check_action(self, path: str, node: Mapping[str, Any], tree: str) -> None:
        allowed = TREE_ACTIONS[tree]
        action = node.get("action")
        if "action" not in node:
            self.fail(path, f"action node is missing 'action'; allowed: {_join(allowed)}")
            return
        if action not in allowed:
            if isinstance(action, str) and action in UNSUPPORTED_ACTIONS:
                self.fail(
                    path,
                    f"action '{action}' is not supported by the rtgs evaluator in "
                    f"{tree}; allowed: {_join(allowed)}",
                )
            elif isinstance(action, str) and any(action in acts for acts in TREE_ACTIONS.values()):
                self.fail(
                    path, f"action '{action}' cannot be used in {tree}; allowed: {_join(allowed)}"
                )
            else:
                shown = action if isinstance(action, str) else _kind(action)
                self.fail(path, f"unknown action '{shown}'; allowed: {_join(allowed)}")
            return
        params = node.get("parameters", {})
        if not isinstance(params, Mapping):
            self.fail(f"{path}.parameters", f"must be an object, got {_kind(params)}")
            return
        required, optional = ACTION_PARAMETERS[action]
        for name in required:
            if name not in params:
                self.fail(
                    path,
                    f"action '{action}' needs parameter '{name}' "
                    f'(for example {{"{name}": {{"value": 2}}}})',
                )
        for name, value in params.items():
            ppath = f"{path}.parameters.{name}"
            if name not in required + optional:
                allowed_params = _join(required + optional) or "none"
                self.fail(
                    ppath,
                    f"unknown parameter '{name}' for action '{action}'; allowed: {allowed_params}",
                )
            elif not self.shallow(ppath, value):
                continue
            elif name == "reason":
                if not (isinstance(value, Mapping) and isinstance(value.get("value"), str)):
                    self.check_value(ppath, value)
            else:
                self.check_value(ppath, value)
                literal = value.get("value") if isinstance(value, Mapping) else None
                is_number = isinstance(literal, int | float) and not isinstance(literal, bool)
                if name == "num_splits" and is_number and literal < 2:  # type: ignore[operator]
                    self.fail(ppath, f"num_splits must be at least 2, got {literal}")

    def shallow(self, path: str, expr: Any) -> bool:
        """Refuse absurdly nested expressions before walking them."""
        if _nesting(expr) > MAX_EXPRESSION_NESTING:
            self.fail(path, f"nested deeper than {MAX_EXPRESSION_NESTING} levels; simplify it")
            return False
        return True

    def check_expr(self, path: str, expr: Any) -> None:
        ops = (*COMPARISON_OPS, *BOOL_OPS)
        if not isinstance(expr, Mapping) or "op" not in expr:
            self.fail(
                path,
                f'a condition must be an object with an "op" ({_join(ops)}), got {_kind(expr)}',
            )
            return
        op = expr["op"]
        if op in COMPARISON_OPS:
            self.keys(path, expr, ("op", "left", "right"), f"a '{op}' condition")
            for side in ("left", "right"):
                if side not in expr:
                    self.fail(path, f"'{op}' needs '{side}'")
                else:
                    self.check_value(f"{path}.{side}", expr[side])
        elif op in ("and", "or"):
            self.keys(path, expr, ("op", "conditions"), f"an '{op}' condition")
            conditions = expr.get("conditions")
            if not isinstance(conditions, list):
                self.fail(path, f"'{op}' needs \"conditions\": a list of conditions")
                return
            for i, sub in enumerate(conditions):
                self.check_expr(f"{path}.conditions[{i}]", sub)
        elif op == "not":
            self.keys(path, expr, ("op", "condition"), "a 'not' condition")
            if "condition" not in expr:
                self.fail(path, "'not' needs \"condition\"")
            else:
                self.check_expr(f"{path}.condition", expr["condition"])
        else:
            shown = op if isinstance(op, str) else _kind(op)
            self.fail(path, f"unknown operator '{shown}'; allowed: {_join(ops)}")

    def check_value(self, path: str, value: Any) -> None:
        if not isinstance(value, Mapping):
            example = value if _is_number(value) else 0
            self.fail(
                path,
                f'a value must be an object such as {{"value": {example}}}, '
                f'{{"field": "balance"}}, {{"param": "name"}} or {{"compute": ...}}, '
                f"got {_kind(value)}",
            )
            return
        present = [k for k in _VALUE_KEYS if k in value]
        extra = [k for k in value if k not in _VALUE_KEYS]
        if len(present) != 1 or extra:
            self.fail(
                path,
                f"a value must have exactly one of the keys {_join(_VALUE_KEYS)}, "
                f"got {_join(value) or 'none'}",
            )
            return
        key = present[0]
        item = value[key]
        if key == "field":
            if item not in FIELDS:
                shown = item if isinstance(item, str) else _kind(item)
                self.fail(path, f"unknown field '{shown}'; allowed: {_join(FIELDS)}")
        elif key == "param":
            if item not in self.params:
                defined = _join(sorted(self.params)) or "none defined"
                shown = item if isinstance(item, str) else _kind(item)
                self.fail(
                    path,
                    f"unknown parameter '{shown}'; define it under \"parameters\" "
                    f"(defined: {defined})",
                )
        elif key == "value":
            if not (isinstance(item, bool) or _usable_number(item)):
                problem = _number_problem(item)
                if problem.startswith("must be a finite"):
                    problem = f"must be a finite number or a boolean, got {_kind(item)}"
                self.fail(path, f"a literal value {problem}")
        else:
            self.check_compute(f"{path}.compute", item)

    def check_compute(self, path: str, compute: Any) -> None:
        ops = tuple(COMPUTE_OPS)
        if not isinstance(compute, Mapping) or "op" not in compute:
            self.fail(
                path,
                f'a computation must be an object with an "op" ({_join(ops)}), '
                f"got {_kind(compute)}",
            )
            return
        op = compute["op"]
        if op not in COMPUTE_OPS:
            shown = op if isinstance(op, str) else _kind(op)
            self.fail(path, f"unknown compute op '{shown}'; allowed: {_join(ops)}")
            return
        operands = COMPUTE_OPS[op]
        self.keys(path, compute, ("op", *operands), f"a '{op}' computation")
        for name in operands:
            if name not in compute:
                self.fail(path, f"'{op}' needs '{name}'")
            elif name == "values":
                values = compute[name]
                if not isinstance(values, list) or not values:
                    self.fail(path, f"'{op}' needs \"values\": a non-empty list of values")
                    continue
                for i, item in enumerate(values):
                    self.check_value(f"{path}.values[{i}]", item)
            else:
                self.check_value(f"{path}.{name}", compute[name])


def literal_zero_divisions(policy: Any) -> list[str]:
    """A ``/`` by a literal 0 anywhere in ``policy``: legal in the schema (SimCash accepts it
    and fails when the node is reached), refused for proposals, which it would fail at
    evaluation. One iterative walk."""
    problems: list[str] = []
    stack: list[tuple[Any, str]] = [(policy, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, Mapping):
            if node.get("op") == "/" and _literal_zero(node.get("right")):
                problems.append(
                    f"{path}.right: division by a literal 0; divide by something else, or use "
                    "the div0 op to give a default"
                )
            stack.extend((v, f"{path}.{k}" if path else str(k)) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, f"{path}[{i}]") for i, v in enumerate(node))
    return sorted(problems)


def _literal_zero(value: Any) -> bool:
    """Whether ``value`` is a literal ``{"value": 0}`` (or a near-zero number)."""
    if not isinstance(value, Mapping) or set(value) != {"value"}:
        return False
    item = value["value"]
    return _usable_number(item) and abs(item) < DIV_EPSILON
