"""Built-in ``bounds`` validator: enforces the experiment's ``policy_constraints`` on policies."""

from __future__ import annotations

from collections.abc import Iterable

from cashloop.plugin import ValidatorSpec, hookimpl
from cashloop_bounds.options import BoundsOptions
from cashloop_bounds.validator import BoundsValidator

__all__ = ["BoundsOptions", "BoundsValidator", "register_validators"]


def _create(options: BoundsOptions) -> BoundsValidator:
    return BoundsValidator(options.constraints)


@hookimpl
def register_validators() -> Iterable[ValidatorSpec]:
    return [
        ValidatorSpec(
            name="bounds",
            factory=_create,
            options=BoundsOptions,
            description="parameters within declared types and bounds; only allowed fields, "
            "parameters and actions in trees",
        )
    ]
