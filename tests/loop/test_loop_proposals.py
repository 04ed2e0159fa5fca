"""Proposals: retries with the errors fed back, rejection reasons, and what the prompts say."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from loop_helpers import (
    EXAMPLES,
    FailingClient,
    FractionScript,
    TextScript,
    example_config,
    fraction,
    local_search,
    of_type,
    run_experiment,
    strip_run_id,
    with_fraction,
)

from cashloop import events as ev
from cashloop.config import ExperimentConfig
from cashloop.converter import unstructure
from cashloop.host import PluginHost
from cashloop.money import format_cents
from cashloop.plugin import PolicyParseError, PolicyProposal, PolicyRequest, parse_policy_json
from cashloop.runner.experiment_runner import GenericExperimentRunner
from cashloop.runner.recorded import RecordedClient

GARBAGE = "I would commit a little less liquidity next time."


def _initial_policy() -> dict[str, object]:
    config = example_config("castro_exp1")
    evaluator = PluginHost.load().registry.create(
        "evaluator", "rtgs", config.evaluator.options, "evaluator", EXAMPLES
    )
    return evaluator.initial_policy("BANK_A")


def _answer(value: float) -> str:
    policy = with_fraction(_initial_policy(), value)
    return "Here is my policy:\n```json\n" + json.dumps(policy, indent=2) + "\n```"


def _parse_error(text: str) -> str:
    with pytest.raises(PolicyParseError) as caught:
        parse_policy_json(text)
    return str(caught.value)


def _validator_errors(config: ExperimentConfig, policy: dict[str, object]) -> list[str]:
    """What the evaluator's own check and the configured ``bounds`` validator say."""
    registry = PluginHost.load().registry
    evaluator = registry.create(
        "evaluator", "rtgs", config.evaluator.options, "evaluator", EXAMPLES
    )
    bounds = registry.create(
        "validator",
        "bounds",
        {"constraints": unstructure(config.policy_constraints)},
        "validators[0]",
        EXAMPLES,
    )
    errors: list[str] = []
    for result in (evaluator.validate("BANK_A", policy), bounds.validate("BANK_A", policy)):
        errors += [e for e in result.errors if e not in errors]
    return errors


async def test_failed_attempts_are_retried_with_their_errors_fed_back(tmp_path: Path) -> None:
    client = TextScript({"BANK_A": [GARBAGE, _answer(1.5), _answer(0.4)]})
    config = example_config(
        "castro_exp1", optimized_agents=["BANK_A"], convergence={"max_iterations": 1}
    )
    _, events, _ = await run_experiment(config, tmp_path / "runs.db", client=client)

    calls = of_type(events, ev.LLM_CALL)
    assert [c["attempt"] for c in calls] == [1, 2, 3]
    assert [c["outcome"] for c in calls] == ["parse_error", "constraint_violation", "ok"]
    assert [c["raw_response"] for c in calls] == [GARBAGE, _answer(1.5), _answer(0.4)]
    assert [c["user_prompt"] for c in calls] == [r.user_prompt for r in client.requests]

    first, second, third = (r.user_prompt for r in client.requests)
    assert "rejected" not in first.lower()
    parse_error = _parse_error(GARBAGE)
    assert calls[0]["error"] == parse_error
    assert parse_error in second
    validator_errors = _validator_errors(config, with_fraction(_initial_policy(), 1.5))
    assert any("initial_liquidity_fraction" in e for e in validator_errors)
    assert calls[1]["error"] == "; ".join(validator_errors)
    assert all(f"- {e}" in third for e in validator_errors)
    assert parse_error not in third  # only the latest attempt's errors are fed back

    (change,) = of_type(events, ev.POLICY_CHANGE)
    assert fraction(change["new_policy"]) == 0.4
    assert not of_type(events, ev.POLICY_REJECTED)


@pytest.mark.parametrize(
    ("client_factory", "reason"),
    [
        (lambda: TextScript({"BANK_A": [GARBAGE]}), "parse_error"),
        (lambda: TextScript({"BANK_A": [_answer(1.5)]}), "constraint_violation"),
        (lambda: FailingClient("rate limited by the provider"), "llm_error"),
    ],
    ids=["parse_error", "constraint_violation", "llm_error"],
)
async def test_a_proposal_is_rejected_when_its_attempts_run_out(
    tmp_path: Path, client_factory: object, reason: str
) -> None:
    client = client_factory()  # type: ignore[operator]
    config = example_config(
        "castro_exp1",
        optimized_agents=["BANK_A"],
        llm={"max_retries": 1},
        convergence={"max_iterations": 1},
    )
    result, events, _ = await run_experiment(config, tmp_path / "runs.db", client=client)

    calls = of_type(events, ev.LLM_CALL)
    assert [c["attempt"] for c in calls] == [1, 2]
    assert [c["outcome"] for c in calls] == [reason, reason]
    (rejected,) = of_type(events, ev.POLICY_REJECTED)
    assert rejected["agent_id"] == "BANK_A"
    assert rejected["rejection_reason"] == reason
    assert rejected["validation_errors"]
    assert "; ".join(rejected["validation_errors"]) == calls[-1]["error"]
    if reason == "llm_error":
        assert "rate limited by the provider" in rejected["validation_errors"][0]
    assert not of_type(events, ev.POLICY_CHANGE)
    (done,) = of_type(events, ev.ITERATION_COMPLETE)
    assert done["accepted_changes"] == {"BANK_A": False}
    assert fraction(result.final_policies["BANK_A"]) == 0.5


async def test_without_retries_there_is_one_attempt(tmp_path: Path) -> None:
    client = FailingClient()
    config = example_config(
        "castro_exp1",
        optimized_agents=["BANK_A"],
        llm={"max_retries": 0},
        convergence={"max_iterations": 2},
    )
    _, events, _ = await run_experiment(config, tmp_path / "runs.db", client=client)
    assert client.calls == 2  # one per iteration
    assert [e["attempts"] for e in of_type(events, ev.POLICY_REJECTED)] == [1, 1]


async def test_the_prompts_carry_what_the_llm_needs(tmp_path: Path) -> None:
    client = FractionScript({"BANK_A": [0.3, 0.25], "BANK_B": [0.3, 0.25]})
    config = example_config(
        "castro_exp2", evaluation={"num_samples": 5}, convergence={"max_iterations": 2}
    )
    _, events, _ = await run_experiment(config, tmp_path / "runs.db", client=client)
    evaluator = PluginHost.load().registry.create(
        "evaluator", "rtgs", config.evaluator.options, "evaluator", EXAMPLES
    )

    # system prompt: the evaluator's own description and schema, and the constraints
    system = client.requests[0].system_prompt
    assert evaluator.describe().strip() in system
    assert evaluator.policy_schema().strip() in system
    assert "initial_liquidity_fraction (float, 0 to 1)" in system
    assert "Allowed fields: system_tick_in_day, ticks_to_deadline, balance, amount" in system
    assert "Allowed actions in payment_tree: Release, Hold" in system
    assert all(r.system_prompt == system for r in client.requests)

    # iteration 1, BANK_A: current policy, incumbent costs, best and worst sample, no history
    (request,) = [r for r in client.requests if (r.agent_id, r.iteration) == ("BANK_A", 1)]
    user = request.user_prompt
    initial = evaluator.initial_policy("BANK_A")
    assert json.dumps(initial, indent=2, sort_keys=True) in user
    (start,) = of_type(events, ev.ITERATION_START, iteration=1)
    assert f"BANK_A (you): {format_cents(start['costs_per_agent']['BANK_A'])}" in user
    assert f"BANK_B: {format_cents(start['costs_per_agent']['BANK_B'])}" in user
    (boot,) = of_type(events, ev.BOOTSTRAP_EVALUATION, iteration=1)
    seeds = [r["seed"] for r in boot["seed_results"]]
    samples = evaluator.evaluate(
        {a: evaluator.initial_policy(a) for a in ("BANK_A", "BANK_B")}, seeds
    )
    own = sorted(samples, key=lambda s: s.costs["BANK_A"])
    assert (
        f"Best sample: seed {own[0].seed}, your cost {format_cents(own[0].costs['BANK_A'])}" in user
    )
    assert (
        f"worst sample: seed {own[-1].seed}, your cost "
        f"{format_cents(own[-1].costs['BANK_A'])}" in user
    )
    assert "(none yet)" in user

    # iteration 2: the earlier proposal with its cost change and the decision
    (later,) = [r for r in client.requests if (r.agent_id, r.iteration) == ("BANK_A", 2)]
    (change,) = of_type(events, ev.POLICY_CHANGE, iteration=1, agent_id="BANK_A")
    decision = "ACCEPTED" if change["accepted"] else "rejected"
    assert f"iteration 1: {decision}, delta {change['delta']:+d}" in later.user_prompt
    assert '"initial_liquidity_fraction": 0.3' in later.user_prompt
    assert len(later.history) == 1 and later.history[0].accepted is change["accepted"]
    assert later.current_policy == of_type(events, ev.ITERATION_COMPLETE)[0]["policies"]["BANK_A"]

    # the recorded calls hold the prompts that were sent
    for call, sent in zip(of_type(events, ev.LLM_CALL), client.requests, strict=True):
        assert (call["system_prompt"], call["user_prompt"]) == (
            sent.system_prompt,
            sent.user_prompt,
        )


async def test_the_request_carries_the_constraints_and_schema(tmp_path: Path) -> None:
    client = FractionScript({"BANK_A": [0.3], "BANK_B": [0.3]})
    config = example_config("castro_exp1", convergence={"max_iterations": 1})
    await run_experiment(config, tmp_path / "runs.db", client=client)
    request = client.requests[0]
    assert request.constraints == config.policy_constraints
    assert request.schema and request.schema in request.system_prompt
    assert request.attempt == 1


async def test_prompt_customization_reaches_the_user_prompt(tmp_path: Path) -> None:
    client = FractionScript({"BANK_A": [0.3], "BANK_B": [0.3]})
    config = example_config(
        "castro_exp1",
        llm={"prompt_customization": {"all": "Think about deadlines.", "BANK_B": "Be bold."}},
        convergence={"max_iterations": 1},
    )
    await run_experiment(config, tmp_path / "runs.db", client=client)
    prompts = {r.agent_id: r.user_prompt for r in client.requests}
    assert "Think about deadlines." in prompts["BANK_A"]
    assert "Be bold." not in prompts["BANK_A"]
    assert "Think about deadlines." in prompts["BANK_B"] and "Be bold." in prompts["BANK_B"]


class _SlowTimeoutThenLocalSearch:
    """The provider times out (after a while) on BANK_A's first attempt of iteration 1."""

    def __init__(self) -> None:
        self.inner = local_search()

    async def propose(self, request: PolicyRequest) -> PolicyProposal:
        if (request.agent_id, request.iteration, request.attempt) == ("BANK_A", 1, 1):
            await asyncio.sleep(0.05)
            raise TimeoutError("the provider did not answer in time")
        return await self.inner.propose(request)


async def test_offline_rerun_of_a_clean_run_reproduces_its_event_log(tmp_path: Path) -> None:
    client = TextScript({"BANK_A": [GARBAGE, _answer(1.5), _answer(0.4)], "BANK_B": [_answer(0.3)]})
    config = example_config("castro_exp1", convergence={"max_iterations": 3})
    _, events, _ = await run_experiment(config, tmp_path / "runs.db", client=client)
    rerun = GenericExperimentRunner(
        config, db_path=tmp_path / "runs.db", llm_client=RecordedClient(events), offline_llm=True
    )
    await rerun.run()
    assert rerun.state_provider is not None
    assert strip_run_id(rerun.state_provider.get_all_events()) == strip_run_id(events)


async def test_offline_rerun_reproduces_a_run_with_provider_errors(tmp_path: Path) -> None:
    config = example_config("castro_exp1", convergence={"max_iterations": 2})
    _, events, _ = await run_experiment(
        config, tmp_path / "runs.db", client=_SlowTimeoutThenLocalSearch()
    )
    assert [c["outcome"] for c in of_type(events, ev.LLM_CALL, iteration=1)] == [
        "llm_error",
        "ok",
        "ok",
    ]
    rerun = GenericExperimentRunner(
        config, db_path=tmp_path / "runs.db", llm_client=RecordedClient(events), offline_llm=True
    )
    await rerun.run()
    assert rerun.state_provider is not None
    assert strip_run_id(rerun.state_provider.get_all_events()) == strip_run_id(events)
