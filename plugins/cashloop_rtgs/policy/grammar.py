"""The policy tree grammar shared by the schema check, the compiler and the schema text."""

from __future__ import annotations

from typing import Final

from cashloop.plugin import COMPARISON_OPS as _COMPARISON_OPS
from cashloop.plugin import COMPUTE_OPERANDS as _COMPUTE_OPERANDS
from cashloop.plugin import LOGICAL_OPS as _LOGICAL_OPS

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

# The operator tables are the core's (one grammar for every tree walker).
COMPARISON_OPS: Final = _COMPARISON_OPS
BOOL_OPS: Final = _LOGICAL_OPS
#: compute op -> its operand keys ("values" is a list of values)
COMPUTE_OPS: Final = _COMPUTE_OPERANDS
