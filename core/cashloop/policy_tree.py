"""Walk JSON decision-tree policies (the RTGS tree format) without evaluating them.

Validators and tools need to know which fields, parameters and actions a policy uses, and where,
so their error messages can point an LLM at the exact spot (``payment_tree.on_true.action``).
Walking is tolerant: a malformed node is reported as a path-prefixed problem and the walk goes on,
so one pass reports every problem at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, cast

import attrs

__all__ = [
    "COMPARISON_OPS",
    "COMPUTE_OPERANDS",
    "LOGICAL_OPS",
    "MAX_DEPTH",
    "PolicyScan",
    "TreeReference",
    "scan_policy",
    "scan_tree",
    "tree_names",
]

ReferenceKind = Literal["field", "param", "action"]

#: Top-level policy keys ending in this suffix hold decision trees.
TREE_SUFFIX = "_tree"
#: Nesting beyond this depth is reported instead of walked (guards against runaway recursion).
MAX_DEPTH = 200

COMPARISON_OPS: tuple[str, ...] = ("==", "!=", "<", "<=", ">", ">=")
LOGICAL_OPS: tuple[str, ...] = ("and", "or", "not")

#: Compute operator -> its operand keys; ``values`` holds a list, every other key one value.
COMPUTE_OPERANDS: Mapping[str, tuple[str, ...]] = {
    "+": ("left", "right"),
    "-": ("left", "right"),
    "*": ("left", "right"),
    "/": ("left", "right"),
    "max": ("values",),
    "min": ("values",),
    "ceil": ("value",),
    "floor": ("value",),
    "round": ("value",),
    "abs": ("value",),
    "clamp": ("value", "min", "max"),
    "div0": ("numerator", "denominator", "default"),
}

_VALUE_KEYS = ("field", "param", "value", "compute")


@attrs.frozen(kw_only=True)
class TreeReference:
    """One use of a field, parameter or action inside a tree, with where it occurs."""

    kind: ReferenceKind
    name: str
    tree: str
    path: str


@attrs.frozen(kw_only=True)
class PolicyScan:
    """Everything a walk found: the trees, every reference and every structural problem."""

    trees: tuple[str, ...] = ()
    references: tuple[TreeReference, ...] = ()
    problems: tuple[str, ...] = ()

    def of_kind(self, kind: ReferenceKind) -> tuple[TreeReference, ...]:
        return tuple(r for r in self.references if r.kind == kind)

    def names(self, kind: ReferenceKind) -> frozenset[str]:
        return frozenset(r.name for r in self.references if r.kind == kind)

    @property
    def fields(self) -> tuple[TreeReference, ...]:
        return self.of_kind("field")

    @property
    def params(self) -> tuple[TreeReference, ...]:
        return self.of_kind("param")

    @property
    def actions(self) -> tuple[TreeReference, ...]:
        return self.of_kind("action")


def tree_names(policy: Mapping[str, Any]) -> tuple[str, ...]:
    """The policy's tree keys in document order; a ``null`` tree counts as absent."""
    return tuple(
        key
        for key, value in policy.items()
        if isinstance(key, str) and key.endswith(TREE_SUFFIX) and value is not None
    )


def scan_policy(policy: Mapping[str, Any]) -> PolicyScan:
    """Walk every tree of ``policy``."""
    return _scan([(name, policy[name]) for name in tree_names(policy)])


def scan_tree(tree: str, node: Any) -> PolicyScan:
    """Walk one tree rooted at ``node``; paths start with ``tree``."""
    return _scan([(tree, node)])


def _scan(trees: list[tuple[str, Any]]) -> PolicyScan:
    walker = _Walker()
    for name, root in trees:
        walker.node(root, name, name, 0)
    return PolicyScan(
        trees=tuple(name for name, _ in trees),
        references=tuple(walker.references),
        problems=tuple(walker.problems),
    )


def _kind_of(value: Any) -> str:
    names = {dict: "object", list: "list", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number" if isinstance(value, int | float) else "other")


class _Walker:
    """Accumulates references and problems during one walk (internal, single use)."""

    def __init__(self) -> None:
        self.references: list[TreeReference] = []
        self.problems: list[str] = []

    def _problem(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def _deep(self, path: str, depth: int) -> bool:
        if depth > MAX_DEPTH:
            self._problem(path, f"nested deeper than {MAX_DEPTH} levels; simplify the tree")
            return True
        return False

    def _name(self, kind: ReferenceKind, value: Any, tree: str, path: str) -> None:
        if isinstance(value, str) and value:
            self.references.append(TreeReference(kind=kind, name=value, tree=tree, path=path))
        else:
            self._problem(path, f"'{kind}' must be a non-empty string, got {_kind_of(value)}")

    def node(self, node: Any, tree: str, path: str, depth: int) -> None:
        if self._deep(path, depth):
            return
        if not isinstance(node, dict):
            self._problem(path, f"expected a node object, got {_kind_of(node)}")
            return
        node_type = node.get("type")
        if node_type == "condition":
            missing = _missing(node, ("condition", "on_true", "on_false"))
            if missing:
                self._problem(path, f"condition node is missing {_quoted(missing)}")
            if "condition" in node:
                self.expression(node["condition"], tree, f"{path}.condition", depth + 1)
            for branch in ("on_true", "on_false"):
                if branch in node:
                    self.node(node[branch], tree, f"{path}.{branch}", depth + 1)
        elif node_type == "action":
            if "action" not in node:
                self._problem(path, "action node is missing 'action'")
            else:
                self._action(node["action"], tree, path)
            params = node.get("parameters")
            if params is not None:
                self._action_parameters(params, tree, f"{path}.parameters", depth + 1)
        elif "type" not in node:
            self._problem(
                path,
                "node is missing 'type'; use \"condition\" (with condition, on_true, "
                'on_false) or "action" (with action)',
            )
        else:
            self._problem(path, f"node type {node_type!r} is neither 'condition' nor 'action'")

    def _action(self, action: Any, tree: str, path: str) -> None:
        if isinstance(action, str) and action:
            self.references.append(TreeReference(kind="action", name=action, tree=tree, path=path))
        else:
            self._problem(f"{path}.action", f"must be an action name, got {_kind_of(action)}")

    def _action_parameters(self, params: Any, tree: str, path: str, depth: int) -> None:
        # Bare scalars are tolerated here (some engines accept ``"num_splits": 2``); whether
        # they run is the evaluator's call, not a structural problem of the tree.
        if not isinstance(params, dict):
            self._problem(path, f"must be an object of named values, got {_kind_of(params)}")
            return
        for key, value in params.items():
            if isinstance(value, dict | list):
                self.value(value, tree, f"{path}.{key}", depth + 1)

    def expression(self, expr: Any, tree: str, path: str, depth: int) -> None:
        if self._deep(path, depth):
            return
        if not isinstance(expr, dict):
            self._problem(path, f"expected an expression object, got {_kind_of(expr)}")
            return
        if "op" not in expr:
            self._problem(path, "expression is missing 'op'")
            return
        op = expr["op"]
        if op in COMPARISON_OPS:
            missing = _missing(expr, ("left", "right"))
            if missing:
                self._problem(path, f"comparison {op!r} is missing {_quoted(missing)}")
            for side in ("left", "right"):
                if side in expr:
                    self.value(expr[side], tree, f"{path}.{side}", depth + 1)
        elif op in ("and", "or"):
            self._conditions(expr, op, tree, path, depth)
        elif op == "not":
            if "condition" not in expr:
                self._problem(path, "'not' is missing 'condition'")
            else:
                self.expression(expr["condition"], tree, f"{path}.condition", depth + 1)
        else:
            self._problem(
                f"{path}.op",
                f"unknown operator {op!r}; use one of {', '.join(COMPARISON_OPS + LOGICAL_OPS)}",
            )

    def _conditions(
        self, expr: Mapping[str, Any], op: str, tree: str, path: str, depth: int
    ) -> None:
        conditions = expr.get("conditions")
        if not isinstance(conditions, list) or not conditions:
            self._problem(path, f"{op!r} needs 'conditions': a non-empty list of expressions")
            return
        for i, sub in enumerate(conditions):
            self.expression(sub, tree, f"{path}.conditions[{i}]", depth + 1)

    def value(self, value: Any, tree: str, path: str, depth: int) -> None:
        if self._deep(path, depth):
            return
        if not isinstance(value, dict):
            self._problem(path, f"expected a value object, got {_kind_of(value)}; {_VALUE_HINT}")
            return
        present = [k for k in _VALUE_KEYS if k in value]
        if len(present) != 1:
            found = "none" if not present else _quoted(present)
            self._problem(path, f"a value needs exactly one key, found {found}; {_VALUE_HINT}")
            return
        key = present[0]
        if key in ("field", "param"):
            self._name(cast(ReferenceKind, key), value[key], tree, path)
        elif key == "compute":
            self.compute(value["compute"], tree, f"{path}.compute", depth + 1)

    def compute(self, comp: Any, tree: str, path: str, depth: int) -> None:
        if self._deep(path, depth):
            return
        if not isinstance(comp, dict):
            self._problem(path, f"expected a computation object, got {_kind_of(comp)}")
            return
        op = comp.get("op")
        operands = COMPUTE_OPERANDS.get(op) if isinstance(op, str) else None
        if operands is None:
            shown = "missing" if op is None else repr(op)
            self._problem(
                path, f"compute operator is {shown}; use one of {', '.join(COMPUTE_OPERANDS)}"
            )
            return
        missing = [k for k in operands if k not in comp]
        if missing:
            self._problem(path, f"{op!r} is missing {_quoted(missing)}")
        for key in (k for k in operands if k in comp):
            if key == "values":
                self._values(comp[key], str(op), tree, f"{path}.values", depth)
            else:
                self.value(comp[key], tree, f"{path}.{key}", depth + 1)

    def _values(self, values: Any, op: str, tree: str, path: str, depth: int) -> None:
        if not isinstance(values, list) or not values:
            self._problem(path, f"{op!r} needs a non-empty list of values")
            return
        for i, item in enumerate(values):
            self.value(item, tree, f"{path}[{i}]", depth + 1)


_VALUE_HINT = 'use {"field": name}, {"param": name}, {"value": number} or {"compute": {...}}'


def _missing(obj: Mapping[str, Any], keys: tuple[str, ...]) -> list[str]:
    return [k for k in keys if k not in obj]


def _quoted(keys: list[str]) -> str:
    return ", ".join(f"'{k}'" for k in keys)
