"""The evaluator as the loop sees it: the PolicyEvaluator protocol of DESIGN §2.3."""

from __future__ import annotations

import pytest
from rtgs_helpers import HOLD, evaluator, inline_evaluator, payment, policy, two_banks

from cashloop.errors import UserError
from cashloop.plugin import PolicyEvaluator, SampleResult, breakdown_key
from cashloop_rtgs.engine.costs import COMPONENTS
from cashloop_rtgs.errors import InvalidPolicyError, PolicyRuntimeError
from cashloop_rtgs.sandbox import simcash_sample_seeds


def test_protocol_and_agents(exp2) -> None:
    assert isinstance(exp2, PolicyEvaluator)
    assert exp2.agents() == ("BANK_A", "BANK_B")


def test_initial_policy_is_release_all_at_half_the_pool(exp1) -> None:
    initial = exp1.initial_policy("BANK_A")
    assert initial["parameters"] == {"initial_liquidity_fraction": 0.5}
    assert initial["payment_tree"]["action"] == "Release"
    assert exp1.validate("BANK_A", initial).is_valid
    initial["parameters"]["initial_liquidity_fraction"] = 0.9
    assert exp1.initial_policy("BANK_A")["parameters"]["initial_liquidity_fraction"] == 0.5
    assert exp1.evaluate({}, [1]) == exp1.evaluate({"BANK_A": exp1.initial_policy("BANK_A")}, [1])


def test_schema_and_description_are_texts_for_a_prompt(exp2) -> None:
    schema = exp2.policy_schema()
    for word in (
        "payment_tree",
        "Release",
        "Hold",
        "Split",
        "Drop",
        "ticks_to_deadline",
        "initial_liquidity_fraction",
        "div0",
    ):
        assert word in schema
    description = exp2.describe()
    assert "BANK_A" in description and "12 ticks" in description and "LogNormal" in description


def test_sample_results_carry_integer_costs_and_the_breakdown(exp2) -> None:
    [sample] = exp2.evaluate({"BANK_A": policy(0.05)}, [11])
    assert isinstance(sample, SampleResult) and sample.seed == 11
    for agent in exp2.agents():
        parts = [sample.metrics[breakdown_key(agent, c)] for c in COMPONENTS]
        assert all(isinstance(v, int) for v in parts)
        assert sum(parts) == sample.costs[agent]
    for key in ("settled", "total", "settlement_rate", "avg_delay"):
        assert isinstance(sample.metrics[key], float)
    assert sample.metrics["settlement_rate"] == sample.metrics["settled"] / sample.metrics["total"]


def test_one_result_per_seed_in_order(exp2) -> None:
    results = exp2.evaluate({}, [5, 1, 5])
    assert [r.seed for r in results] == [5, 1, 5]
    assert results[0] == results[2]
    assert exp2.evaluate({}, []) == []


def test_invalid_policies_and_agents_are_user_errors(exp1) -> None:
    bad = {
        "version": "2",
        "policy_id": "p",
        "payment_tree": {"type": "action", "node_id": "a", "action": "Go"},
    }
    with pytest.raises(InvalidPolicyError) as info:
        exp1.evaluate({"BANK_B": bad}, [1])
    assert info.value.errors == (
        "payment_tree: unknown action 'Go'; allowed: Release, Hold, Split, Drop",
    )
    assert "invalid policy for BANK_B" in str(info.value)
    with pytest.raises(UserError, match="unknown agent"):
        exp1.evaluate({"BANK_Z": policy(0.1)}, [1])
    assert not exp1.validate("BANK_A", bad).is_valid
    assert exp1.validate("BANK_Z", policy(0.1)).errors == (
        "unknown agent 'BANK_Z'; agents: BANK_A, BANK_B",
    )
    with pytest.raises(UserError, match="unknown agent"):
        exp1.initial_policy("BANK_Z")


def test_a_failing_tree_is_a_user_error_naming_agent_and_tick() -> None:
    data = two_banks(scenario_events=[payment("BANK_A", "BANK_B", 10, 2, 3)])
    ev = inline_evaluator(data)
    tree = {
        "type": "condition",
        "node_id": "c",
        "condition": {
            "op": ">",
            "left": {"compute": {"op": "/", "left": {"value": 1}, "right": {"field": "balance"}}},
            "right": {"value": 0},
        },
        "on_true": HOLD,
        "on_false": {**HOLD, "node_id": "hold2"},
    }
    with pytest.raises(
        PolicyRuntimeError,
        match=r"the policy of BANK_A failed at tick 2: "
        r"payment_tree\.condition\.left\.compute",
    ):
        ev.evaluate({"BANK_A": policy(0.5, tree)}, [1])


def test_bootstrap_sandbox_sampling() -> None:
    ev = evaluator("castro_exp2", sampling="bootstrap-sandbox")
    profile = {"BANK_A": policy(0.02), "BANK_B": policy(0.5)}
    first = ev.evaluate(profile, [1, 2])
    assert ev.evaluate(profile, [1, 2]) == first
    assert first[0].costs != first[1].costs
    # each agent's sandbox depends on its own policy only
    other = ev.evaluate({"BANK_A": policy(0.02), "BANK_B": policy(0.3)}, [1, 2])
    assert [r.costs["BANK_A"] for r in other] == [r.costs["BANK_A"] for r in first]
    # paired: both policies see the same resampled history
    shifted = ev.evaluate({"BANK_A": policy(0.03), "BANK_B": policy(0.5)}, [1, 2])
    assert [r.metrics["total"] for r in shifted] == [r.metrics["total"] for r in first]


def test_bootstrap_context_seed_changes_the_history() -> None:
    a = evaluator("castro_exp2", sampling="bootstrap-sandbox")
    b = evaluator("castro_exp2", sampling="bootstrap-sandbox", context_seed=7)
    assert a.evaluate({}, [1]) != b.evaluate({}, [1])


def test_simcash_sample_seed_derivation() -> None:
    seeds = simcash_sample_seeds(42, 5)
    assert seeds == simcash_sample_seeds(42, 5) and len(set(seeds)) == 5
    assert all(0 <= s < 2**31 for s in seeds)
