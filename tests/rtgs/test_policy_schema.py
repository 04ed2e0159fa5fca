"""The schema check speaks in sentences an LLM can act on, each with the path of the problem."""

from __future__ import annotations

import copy

import pytest
from rtgs_helpers import HOLD, RELEASE, policy

from cashloop.plugin import ValidationResult
from cashloop_rtgs.policy.schema import check_policy
from cashloop_rtgs.validator import RtgsPolicyValidator

CONDITION = {
    "type": "condition",
    "node_id": "urgent",
    "condition": {
        "op": "<=",
        "left": {"field": "ticks_to_deadline"},
        "right": {"param": "urgency"},
    },
    "on_true": RELEASE,
    "on_false": HOLD,
}


def errors_of(**changes) -> list[str]:
    base = policy(0.3, copy.deepcopy(CONDITION), urgency=2)
    base.update(changes)
    return check_policy(base)


def test_valid_policies_pass() -> None:
    assert errors_of() == []
    assert check_policy(policy(0.0)) == []
    assert check_policy({"version": "1.0", "policy_id": "p"}) == []  # no tree: release all
    assert (
        check_policy(
            {
                **policy(1.0),
                "bank_tree": {"type": "action", "node_id": "b", "action": "NoAction"},
                "strategic_collateral_tree": None,
            }
        )
        == []
    )


def test_the_issue_example() -> None:
    tree = copy.deepcopy(CONDITION)
    tree["on_true"] = {"type": "action", "node_id": "go", "action": "Relase"}
    assert errors_of(payment_tree=tree) == [
        "payment_tree.on_true: unknown action 'Relase'; allowed: Release, Hold, Split, Drop"
    ]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda t: t["condition"]["left"].update(field="balanse"),
            "payment_tree.condition.left: unknown field 'balanse'; allowed: amount,",
        ),
        (
            lambda t: t["condition"]["right"].update(param="urgncy"),
            "payment_tree.condition.right: unknown parameter 'urgncy'; define it under "
            '"parameters" (defined: initial_liquidity_fraction, urgency)',
        ),
        (
            lambda t: t["condition"].update(op="=<"),
            "payment_tree.condition: unknown operator '=<'; allowed: ==, !=, <, <=, >, >=, and, "
            "or, not",
        ),
        (
            lambda t: t["condition"].update(right=2),
            'payment_tree.condition.right: a value must be an object such as {"value": 2}',
        ),
        (
            lambda t: t["condition"].update(right={"value": "two"}),
            "payment_tree.condition.right: a literal value must be a finite number or a boolean, "
            "got the string 'two'",
        ),
        (lambda t: t.pop("on_false"), "payment_tree: condition node is missing 'on_false'"),
        (
            lambda t: t["on_true"].update(node_id="urgent"),
            "payment_tree.on_true: duplicate node_id 'urgent' (also used at payment_tree)",
        ),
        (
            lambda t: t.update(type="branch"),
            'payment_tree: node "type" must be "condition" or "action", got the string',
        ),
        (
            lambda t: t["on_true"].update(action="PostCollateral"),
            "payment_tree.on_true: action 'PostCollateral' is not supported by the rtgs evaluator",
        ),
        (
            lambda t: t["on_true"].update(action="NoAction"),
            "payment_tree.on_true: action 'NoAction' cannot be used in payment_tree",
        ),
        (
            lambda t: t["on_true"].update(action="Split"),
            "payment_tree.on_true: action 'Split' needs parameter 'num_splits'",
        ),
        (
            lambda t: t["on_true"].update(parameters={"num_splits": {"value": 1}}),
            "payment_tree.on_true.parameters.num_splits: unknown parameter 'num_splits' for "
            "action 'Release'; allowed: none",
        ),
        (
            lambda t: t["condition"]["left"].update(compute={"op": "pow"}),
            "payment_tree.condition.left: a value must have exactly one of the keys",
        ),
        (
            lambda t: t["condition"].update(left={"compute": {"op": "pow"}}),
            "payment_tree.condition.left.compute: unknown compute op 'pow'; allowed: +, -, *, /,",
        ),
        (
            lambda t: t["condition"].update(left={"compute": {"op": "max", "values": []}}),
            "payment_tree.condition.left.compute: 'max' needs \"values\": a non-empty list",
        ),
        (
            lambda t: t.update(colour="red"),
            "payment_tree: unknown key 'colour' in a condition node; allowed: type, node_id,",
        ),
    ],
)
def test_each_problem_is_named_with_its_path(mutate, expected) -> None:
    tree = copy.deepcopy(CONDITION)
    mutate(tree)
    found = errors_of(payment_tree=tree)
    assert any(e.startswith(expected) for e in found), found


def test_root_problems() -> None:
    assert check_policy([1]) == ["policy: must be a JSON object, got a list"]
    found = check_policy(
        {
            "policy_id": "p",
            "paymnet_tree": {},
            "parameters": {"initial_liquidity_fraction": 1.5, "k": "x"},
        }
    )
    assert "policy: missing required key 'version' (a string such as \"2.0\")" in found
    assert any(e.startswith("policy: unknown key 'paymnet_tree'") for e in found)
    assert (
        "parameters.initial_liquidity_fraction: must be between 0 and 1 (a fraction of "
        "the pool), got 1.5"
    ) in found
    assert "parameters.k: must be a finite number, got the string 'x'" in found


def test_split_with_too_few_parts() -> None:
    split = {
        "type": "action",
        "node_id": "s",
        "action": "Split",
        "parameters": {"num_splits": {"value": 1}},
    }
    assert check_policy(policy(0.5, split)) == [
        "payment_tree.parameters.num_splits: num_splits must be at least 2, got 1"
    ]


def test_validator_plugin_reports_the_same_errors() -> None:
    validator = RtgsPolicyValidator()
    assert validator.validate("BANK_A", policy(0.2)) == ValidationResult.ok()
    result = validator.validate(
        "BANK_A",
        {
            "version": "2",
            "policy_id": "p",
            "payment_tree": {"type": "action", "node_id": "a", "action": "Relase"},
        },
    )
    assert not result.is_valid
    assert result.errors == (
        "payment_tree: unknown action 'Relase'; allowed: Release, Hold, Split, Drop",
    )
