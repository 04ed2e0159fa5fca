"""The ``bounds`` validator: every constraint violation of a policy, reported at once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, final

from cashloop.plugin import PolicyConstraints, ValidationResult
from cashloop.policy_tree import scan_policy
from cashloop_bounds.parameters import check_parameters
from cashloop_bounds.trees import check_trees
from cashloop_bounds.wording import describe

__all__ = ["BoundsValidator"]


@final
class BoundsValidator:
    """Checks parameters (names, types, inclusive bounds) and tree references (fields,
    parameters, actions per tree) against one :class:`PolicyConstraints`. An empty constraint
    list means "not restricted"; ``allowed_actions`` also restricts which trees may appear."""

    __slots__ = ("_constraints",)

    def __init__(self, constraints: PolicyConstraints) -> None:
        self._constraints = constraints

    @property
    def constraints(self) -> PolicyConstraints:
        return self._constraints

    def validate(self, agent_id: str, policy: Mapping[str, Any]) -> ValidationResult:
        """The same constraints apply to every agent; ``agent_id`` is accepted for the protocol."""
        if not isinstance(policy, Mapping):
            return ValidationResult.failed(
                [f"policy: must be a JSON object, got {describe(policy)}"]
            )
        errors = check_parameters(policy, self._constraints)
        errors += check_trees(policy, scan_policy(policy), self._constraints)
        return ValidationResult.failed(errors)

    def __repr__(self) -> str:
        return f"BoundsValidator({self._constraints!r})"
