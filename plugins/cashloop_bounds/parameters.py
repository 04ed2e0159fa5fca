"""Check a policy's ``parameters`` object against the declared parameter specs."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from cashloop.plugin import ParameterSpec, PolicyConstraints
from cashloop_bounds.wording import allowed_list, describe, suggestion

__all__ = ["check_parameters"]

PARAM_TYPES = ("float", "int", "bool")
#: how many unknown names get a "Did you mean" hint
_HINTED = 50


def check_parameters(policy: Mapping[str, Any], constraints: PolicyConstraints) -> list[str]:
    """Every problem of ``policy["parameters"]``, each prefixed with its path."""
    if "parameters" not in policy or policy["parameters"] is None:
        return []
    params = policy["parameters"]
    if not isinstance(params, dict):
        return [
            f"parameters: must be an object mapping parameter names to numbers, "
            f"got {describe(params)}"
        ]
    declared = constraints.allowed_parameters
    names = [p.name for p in declared]
    errors: list[str] = []
    for name, value in params.items():
        path = f"parameters.{name}"
        spec = constraints.parameter(name)
        if spec is None:
            if declared:
                # near-miss hints for the first few only: a flood of names stays linear and fast
                hint = suggestion(name, names) if len(errors) < _HINTED else ""
                errors.append(
                    f"{path}: unknown parameter {name!r}; allowed: {allowed_list(names)}{hint}"
                )
            elif not _is_number(value):
                errors.append(f"{path}: must be a number, got {describe(value)}")
            continue
        errors.extend(f"{path}: {problem}" for problem in _check_value(value, spec))
    return errors


#: money is 64-bit integer cents: no policy number may be larger
INT64_MAX = 2**63 - 1


def _is_number(value: Any) -> bool:
    """A finite number within 64-bit range (an integer of 400 digits is not: ``math.isfinite``
    could not even convert it)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) <= INT64_MAX
    return math.isfinite(value) and abs(value) <= INT64_MAX


def _check_value(value: Any, spec: ParameterSpec) -> list[str]:
    if spec.param_type not in PARAM_TYPES:
        return [
            f"the constraint declares unknown param_type {spec.param_type!r} "
            f"(use {', '.join(PARAM_TYPES)}); fix policy_constraints"
        ]
    if spec.param_type == "bool":
        if isinstance(value, bool) or (_is_number(value) and value in (0, 1)):
            return []
        return [f"must be true or false (or 1/0), got {describe(value)}"]
    if not _is_number(value):
        return [f"must be a finite number, got {describe(value)}"]
    if spec.param_type == "int" and not float(value).is_integer():
        return [f"must be a whole number (int), got {value!r}"]
    problems = []
    if spec.min_value is not None and value < spec.min_value:
        problems.append(f"{value!r} is below the minimum {spec.min_value!r}")
    if spec.max_value is not None and value > spec.max_value:
        problems.append(f"{value!r} is above the maximum {spec.max_value!r}")
    return problems
