"""The ``rtgs-policy`` validator: the evaluator's schema check as a ConstraintValidator."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from cashloop.plugin import ValidationResult
from cashloop_rtgs.policy.schema import check_policy

__all__ = ["RtgsPolicyValidator", "RtgsPolicyValidatorOptions"]


@attrs.frozen(kw_only=True)
class RtgsPolicyValidatorOptions:
    """The validator takes no options; the schema does not depend on the scenario."""


class RtgsPolicyValidator:
    """Rejects unknown fields, parameters, actions and malformed nodes, with paths."""

    def __init__(self, options: RtgsPolicyValidatorOptions | None = None) -> None:
        self.options = options or RtgsPolicyValidatorOptions()

    def validate(self, agent_id: str, policy: Mapping[str, Any]) -> ValidationResult:
        return ValidationResult.failed(check_policy(policy))
