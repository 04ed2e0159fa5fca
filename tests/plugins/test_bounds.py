"""The ``bounds`` validator: every violation of policy_constraints, as actionable sentences."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cashloop.plugin import ConstraintValidator, ParameterSpec, PolicyConstraints
from cashloop_bounds import BoundsOptions, BoundsValidator, register_validators

FRACTION = ParameterSpec(
    name="initial_liquidity_fraction", param_type="float", min_value=0.0, max_value=1.0
)
CASTRO = PolicyConstraints(
    allowed_parameters=(
        FRACTION,
        ParameterSpec(name="urgency", param_type="int", min_value=0, max_value=10),
        ParameterSpec(name="eager", param_type="bool"),
    ),
    allowed_fields=("system_tick_in_day", "ticks_to_deadline", "balance", "amount"),
    allowed_actions={"payment_tree": ("Release", "Hold")},
)


def release_all(**parameters: Any) -> dict[str, Any]:
    return {
        "version": "1.0",
        "policy_id": "p",
        "parameters": parameters,
        "payment_tree": {
            "type": "condition",
            "node_id": "N1",
            "condition": {
                "op": "<=",
                "left": {"field": "ticks_to_deadline"},
                "right": {"param": "urgency"},
            },
            "on_true": {"type": "action", "node_id": "A1", "action": "Release"},
            "on_false": {"type": "action", "node_id": "A2", "action": "Hold"},
        },
    }


def errors(policy: Any, constraints: PolicyConstraints = CASTRO) -> list[str]:
    return list(BoundsValidator(constraints).validate("BANK_A", policy).errors)


def test_registration_spec() -> None:
    (spec,) = register_validators()
    assert spec.name == "bounds"
    assert spec.options is BoundsOptions
    validator = spec.factory(BoundsOptions(constraints=CASTRO))
    assert isinstance(validator, ConstraintValidator)
    assert BoundsOptions().constraints == PolicyConstraints()


def test_valid_policy_passes() -> None:
    result = BoundsValidator(CASTRO).validate(
        "BANK_A", release_all(initial_liquidity_fraction=0.25, urgency=3, eager=True)
    )
    assert result.is_valid
    assert result.errors == ()


def test_bounds_are_inclusive() -> None:
    assert errors(release_all(initial_liquidity_fraction=0.0, urgency=0)) == []
    assert errors(release_all(initial_liquidity_fraction=1.0, urgency=10)) == []


def test_above_and_below_bounds() -> None:
    assert errors(release_all(initial_liquidity_fraction=1.5, urgency=3)) == [
        "parameters.initial_liquidity_fraction: 1.5 is above the maximum 1.0"
    ]
    assert errors(release_all(initial_liquidity_fraction=-0.1, urgency=3)) == [
        "parameters.initial_liquidity_fraction: -0.1 is below the minimum 0.0"
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"urgency": 2.5}, "parameters.urgency: must be a whole number (int), got 2.5"),
        ({"urgency": "3"}, "parameters.urgency: must be a finite number, got string '3'"),
        ({"urgency": True}, "parameters.urgency: must be a finite number, got boolean true"),
        ({"urgency": 3, "eager": 2}, "parameters.eager: must be true or false"),
        (
            {"urgency": 3, "initial_liquidity_fraction": math.nan},
            "parameters.initial_liquidity_fraction: must be a finite number",
        ),
    ],
)
def test_parameter_types(params: dict[str, Any], expected: str) -> None:
    found = errors(release_all(**params))
    assert len(found) == 1 and found[0].startswith(expected), found


def test_integral_float_is_an_int_and_bool_accepts_0_1() -> None:
    assert errors(release_all(urgency=4.0, eager=0)) == []


def test_unknown_parameter_names_the_allowed_ones() -> None:
    (error,) = errors(release_all(urgency=3, initial_liquidity_fracton=0.5))
    assert error.startswith(
        "parameters.initial_liquidity_fracton: unknown parameter 'initial_liquidity_fracton'; "
        "allowed: initial_liquidity_fraction, urgency, eager"
    )
    assert "Did you mean 'initial_liquidity_fraction'?" in error


def test_unknown_field_with_path_and_suggestion() -> None:
    policy = release_all(urgency=3)
    policy["payment_tree"]["condition"]["left"] = {"field": "balanc"}
    (error,) = errors(policy)
    assert error.startswith(
        "payment_tree.condition.left: unknown field 'balanc'; allowed: system_tick_in_day, "
        "ticks_to_deadline, balance, amount"
    )
    assert error.endswith("Did you mean 'balance'?")


def test_disallowed_action_with_path() -> None:
    policy = release_all(urgency=3)
    policy["payment_tree"]["on_true"] = {
        "type": "action",
        "action": "Split",
        "parameters": {"num_splits": {"value": 2}},
    }
    assert errors(policy) == [
        "payment_tree.on_true: action 'Split' is not allowed in payment_tree; "
        "allowed: Release, Hold"
    ]


def test_tree_not_listed_in_allowed_actions_is_not_allowed() -> None:
    policy = release_all(urgency=3)
    policy["bank_tree"] = {"type": "action", "action": "NoAction"}
    assert errors(policy) == [
        "bank_tree: tree 'bank_tree' is not allowed; allowed trees: payment_tree"
    ]


def test_param_used_in_tree_must_be_allowed_and_set() -> None:
    policy = release_all(urgency=3)
    policy["payment_tree"]["condition"]["right"] = {"param": "threshold"}
    assert errors(policy)[0].startswith(
        "payment_tree.condition.right: unknown parameter 'threshold'; allowed:"
    )
    unset = release_all()  # urgency is allowed but not set
    assert errors(unset) == [
        "payment_tree.condition.right: parameter 'urgency' is used but not set; "
        'add it under "parameters"'
    ]


def test_all_errors_are_reported_at_once() -> None:
    policy = release_all(initial_liquidity_fraction=1.5, urgency=11, bogus=1)
    policy["payment_tree"]["condition"]["left"] = {"field": "balanc"}
    policy["payment_tree"]["on_false"] = {"type": "action", "action": "Drop"}
    policy["payment_tree"]["on_true"] = {"type": "actoin"}
    found = errors(policy)
    prefixes = [e.split(":")[0] for e in found]
    assert prefixes == [
        "parameters.initial_liquidity_fraction",
        "parameters.urgency",
        "parameters.bogus",
        "payment_tree.on_true",
        "payment_tree.condition.left",
        "payment_tree.on_false",
    ]


def test_empty_constraints_restrict_nothing_but_structure() -> None:
    open_constraints = PolicyConstraints()
    policy = release_all(anything=123.0, urgency=1)
    policy["payment_tree"]["on_true"]["action"] = "Teleport"
    assert errors(policy, open_constraints) == []
    policy["payment_tree"]["on_false"] = {"type": "nope"}
    assert errors(policy, open_constraints) == [
        "payment_tree.on_false: node type 'nope' is neither 'condition' nor 'action'"
    ]


def test_not_an_object() -> None:
    assert errors([1, 2]) == ["policy: must be a JSON object, got a list"]
    assert errors({"parameters": [0.5]}) == [
        "parameters: must be an object mapping parameter names to numbers, got a list"
    ]


def test_policy_without_parameters_or_trees_is_valid() -> None:
    assert errors({"version": "1.0"}) == []


@settings(max_examples=80, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-3, max_value=3))
def test_bound_errors_match_the_interval(value: float) -> None:
    found = errors(release_all(initial_liquidity_fraction=value, urgency=1))
    assert (found == []) == (0.0 <= value <= 1.0)
