"""The policy tree grammar shared by the schema check, the compiler and the schema text."""

from __future__ import annotations

from typing import Final

__all__ = [
    "ACTION_PARAMETERS",
    "BOOL_OPS",
    "COMPARISON_OPS",
    "COMPUTE_OPS",
    "FRACTION_PARAMETER",
    "ROOT_KEYS",
    "TREE_ACTIONS",
    "UNSUPPORTED_ACTIONS",
]

#: The policy parameter the engine reads directly (never through a tree).
FRACTION_PARAMETER: Final = "initial_liquidity_fraction"

ROOT_KEYS: Final = (
    "version",
    "policy_id",
    "description",
    "parameters",
    "payment_tree",
    "bank_tree",
    "strategic_collateral_tree",
    "end_of_tick_collateral_tree",
)

#: tree -> actions this evaluator runs. Bank and collateral trees exist in the format but this
#: model has no budgets or collateral, so only their no-op actions are accepted.
TREE_ACTIONS: Final[dict[str, tuple[str, ...]]] = {
    "payment_tree": ("Release", "Hold", "Split", "Drop"),
    "bank_tree": ("NoAction",),
    "strategic_collateral_tree": ("HoldCollateral",),
    "end_of_tick_collateral_tree": ("HoldCollateral",),
}

#: SimCash actions that exist but are not modelled here.
UNSUPPORTED_ACTIONS: Final = frozenset(
    {
        "ReleaseWithCredit",
        "PaceAndRelease",
        "StaggerSplit",
        "Reprioritize",
        "WithdrawFromRtgs",
        "ResubmitToRtgs",
        "SetReleaseBudget",
        "SetState",
        "AddState",
        "PostCollateral",
        "WithdrawCollateral",
    }
)

#: action -> (required parameters, optional parameters)
ACTION_PARAMETERS: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "Release": ((), ()),
    "Hold": ((), ("reason",)),
    "Split": (("num_splits",), ()),
    "Drop": ((), ()),
    "NoAction": ((), ()),
    "HoldCollateral": ((), ("reason",)),
}

COMPARISON_OPS: Final = ("==", "!=", "<", "<=", ">", ">=")
BOOL_OPS: Final = ("and", "or", "not")

#: compute op -> its operand keys ("values" is a list of values)
COMPUTE_OPS: Final[dict[str, tuple[str, ...]]] = {
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
