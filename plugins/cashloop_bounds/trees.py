"""Check the fields, parameters and actions a policy's trees use against the constraints."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cashloop.plugin import PolicyConstraints
from cashloop.policy_tree import PolicyScan, TreeReference
from cashloop_bounds.wording import allowed_list, suggestion

__all__ = ["check_trees"]


def check_trees(
    policy: Mapping[str, Any], scan: PolicyScan, constraints: PolicyConstraints
) -> list[str]:
    """Structural problems first, then every disallowed reference, in walk order."""
    errors = list(scan.problems)
    blocked = _blocked_trees(scan, constraints)
    errors.extend(
        f"{tree}: tree {tree!r} is not allowed; allowed trees: "
        f"{allowed_list(list(constraints.allowed_actions))}"
        for tree in blocked
    )
    defined = policy.get("parameters")
    defined_names = list(defined) if isinstance(defined, dict) else []
    for ref in scan.references:
        if ref.tree in blocked:
            continue
        message = _check_reference(ref, constraints, defined_names)
        if message:
            errors.append(f"{ref.path}: {message}")
    return errors


def _blocked_trees(scan: PolicyScan, constraints: PolicyConstraints) -> list[str]:
    if not constraints.allowed_actions:
        return []
    return [tree for tree in scan.trees if tree not in constraints.allowed_actions]


def _check_reference(
    ref: TreeReference, constraints: PolicyConstraints, defined: list[str]
) -> str | None:
    if ref.kind == "field":
        fields = list(constraints.allowed_fields)
        if fields and ref.name not in fields:
            return (
                f"unknown field {ref.name!r}; allowed: {allowed_list(fields)}"
                f"{suggestion(ref.name, fields)}"
            )
        return None
    if ref.kind == "param":
        allowed = [p.name for p in constraints.allowed_parameters]
        if allowed and ref.name not in allowed:
            return (
                f"unknown parameter {ref.name!r}; allowed: {allowed_list(allowed)}"
                f"{suggestion(ref.name, allowed)}"
            )
        if ref.name not in defined:
            return (
                f'parameter {ref.name!r} is used but not set; add it under "parameters"'
                f"{suggestion(ref.name, defined)}"
            )
        return None
    if constraints.allowed_actions:
        actions = list(constraints.allowed_actions.get(ref.tree, ()))
        if ref.name not in actions:
            return (
                f"action {ref.name!r} is not allowed in {ref.tree}; "
                f"allowed: {allowed_list(actions)}{suggestion(ref.name, actions)}"
            )
    return None
