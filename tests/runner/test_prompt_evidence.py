"""Prompts carry the evidence the loop decided on: each earlier proposal's samples and bound, and
how the incumbent's samples went (penalties, settlement, delay)."""

from __future__ import annotations

from cashloop.prompts import AgentContext
from cashloop.prompts.user import build_user_prompt
from cashloop.types import ProposalRecord, SampleResult, breakdown_key


def sample(seed: int, penalty: float) -> SampleResult:
    return SampleResult(
        seed=seed,
        costs={"A": 1_000 + int(penalty)},
        metrics={
            breakdown_key("A", "liquidity_cost"): 1_000.0,
            breakdown_key("A", "deadline_penalty"): penalty,
            "settlement_rate": 0.9,
            "avg_delay": 1.5,
        },
    )


def test_history_shows_samples_and_bound_and_samples_show_penalties() -> None:
    record = ProposalRecord(
        iteration=2,
        policy={"parameters": {"x": 0.2}},
        old_cost=1_900,
        new_cost=1_800,
        delta=100,
        accepted=True,
        samples=8_000,
        lower_bound=37.5,
        reason="sequential test: ...",
    )
    ctx = AgentContext(
        agent_id="A",
        iteration=3,
        current_policy={"parameters": {"x": 0.2}},
        incumbent_costs={"A": 1_250},
        samples=[sample(1, 0.0), sample(2, 50_000.0), sample(3, 0.0), sample(4, 0.0)],
        history=[record],
    )
    prompt = build_user_prompt(ctx)
    assert "ACCEPTED, delta +100 over 8,000 paired samples" in prompt
    assert "one-sided lower bound of the saving +38" in prompt
    assert "Samples with a penalty for you: 1 of 4 (25 %)" in prompt
    assert "Settlement rate (mean over samples): 90.0 %" in prompt
    assert "Mean delay of settled payments: 1.50 ticks" in prompt


def test_records_without_evidence_read_as_before() -> None:
    record = ProposalRecord(
        iteration=1, policy={}, old_cost=10, new_cost=20, delta=-10, accepted=False
    )
    ctx = AgentContext(
        agent_id="A", iteration=2, current_policy={}, incumbent_costs={"A": 10}, samples=[],
        history=[record],
    )  # fmt: skip
    prompt = build_user_prompt(ctx)
    assert "rejected, delta -10, cost" in prompt and "paired samples" not in prompt
