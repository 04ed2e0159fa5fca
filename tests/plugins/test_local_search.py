"""The ``local-search`` proposer, driven by a small accept-if-cheaper loop over fake costs."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import pytest
from cashloop.errors import ConfigError
from cashloop.plugin import (
    LLMClient,
    ParameterSpec,
    PolicyConstraints,
    PolicyProposal,
    PolicyRequest,
    ProposalRecord,
)
from cashloop_local_search import (
    LocalSearchOptions,
    LocalSearchProposer,
    create,
    register_llm_clients,
)
from hypothesis import given, settings
from hypothesis import strategies as st

F = "initial_liquidity_fraction"
FRACTION = ParameterSpec(name=F, param_type="float", min_value=0.0, max_value=1.0)
ONE_FRACTION = PolicyConstraints(allowed_parameters=(FRACTION,))
TREE = {"type": "action", "node_id": "A1", "action": "Release"}

Profile = Mapping[str, Mapping[str, float]]  # agent -> parameters
CostFn = Callable[[Profile], Mapping[str, int]]


def policy(**parameters: float) -> dict[str, Any]:
    return {"version": "1.0", "policy_id": "p", "parameters": parameters, "payment_tree": TREE}


def request(
    current: Mapping[str, Any],
    history: list[ProposalRecord],
    constraints: PolicyConstraints = ONE_FRACTION,
    agent: str = "BANK_A",
) -> PolicyRequest:
    return PolicyRequest(
        agent_id=agent,
        iteration=len(history) + 1,
        system_prompt="",
        user_prompt="",
        current_policy=current,
        history=history,
        constraints=constraints,
        seed=len(history) * 7919,
    )


@attrs.frozen(kw_only=True)
class LoopResult:
    policies: dict[str, dict[str, Any]]
    iterations: int
    converged: bool
    proposals: dict[str, list[tuple[PolicyRequest, PolicyProposal]]]


async def drive(
    cost: CostFn,
    start: Mapping[str, dict[str, Any]],
    *,
    constraints: PolicyConstraints = ONE_FRACTION,
    options: LocalSearchOptions | None = None,
    max_iterations: int = 60,
    window: int = 5,
) -> LoopResult:
    """Sequential best response in agent order; accept a candidate only if strictly cheaper;
    stop after ``window`` iterations without an accepted change (the core's convergence rule)."""
    proposer = create(options or LocalSearchOptions())
    incumbents = {agent: dict(p) for agent, p in start.items()}
    history: dict[str, list[ProposalRecord]] = {agent: [] for agent in start}
    made: dict[str, list[tuple[PolicyRequest, PolicyProposal]]] = {a: [] for a in start}
    quiet = 0
    for iteration in range(1, max_iterations + 1):
        changed = False
        for agent in start:
            req = attrs.evolve(
                request(incumbents[agent], list(history[agent]), constraints, agent),
                iteration=iteration,
            )
            proposal = await proposer.propose(req)
            made[agent].append((req, proposal))
            profile = {a: p["parameters"] for a, p in incumbents.items()}
            old = cost(profile)[agent]
            new = cost({**profile, agent: proposal.policy["parameters"]})[agent]
            accepted = new < old
            history[agent].append(
                ProposalRecord(
                    iteration=iteration,
                    policy=proposal.policy,
                    old_cost=old,
                    new_cost=new,
                    delta=old - new,
                    accepted=accepted,
                )
            )
            if accepted:
                incumbents[agent] = proposal.policy
                changed = True
        quiet = 0 if changed else quiet + 1
        if quiet >= window:
            return LoopResult(
                policies=incumbents, iterations=iteration, converged=True, proposals=made
            )
    return LoopResult(
        policies=incumbents, iterations=max_iterations, converged=False, proposals=made
    )


def fraction(result: LoopResult, agent: str) -> float:
    return float(result.policies[agent]["parameters"][F])


def kinked(kink: float, slope: int = 10_000, penalty: int = 150_000) -> Callable[[float], int]:
    """Linear in the fraction above the kink; below it a large penalty (a missed payment)."""

    def cost(f: float) -> int:
        return int(slope * f + 0.5) + (penalty if f < kink - 1e-12 else 0)

    return cost


def castro_exp1(profile: Profile) -> dict[str, int]:
    """The shape of Castro's 2-period game: A's liquidity is never needed while B pays at t0
    (B needs 0.15), B needs 0.2 to pay its t1 payment; liquidity costs 10000 per unit fraction."""
    fa, fb = profile["BANK_A"][F], profile["BANK_B"][F]
    a = int(10_000 * fa + 0.5) + (50_000 if fb < 0.15 and fa < 0.15 else 0)
    b = kinked(0.2)(fb)
    return {"BANK_A": a, "BANK_B": b}


# ---------------------------------------------------------------- registration and options


def test_registration_spec() -> None:
    (spec,) = register_llm_clients()
    assert spec.name == "local-search"
    assert spec.options is LocalSearchOptions
    assert isinstance(spec.factory(LocalSearchOptions()), LLMClient)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"grow": 0.5}, "llm.grow: must be >= 1"),
        ({"shrink": 1.0}, "llm.shrink: must be > 0 and < 1"),
        ({"initial_step_fraction": 0.0}, "llm.initial_step_fraction: must be > 0 and <= 1"),
        ({"min_step_fraction": 0.5}, "llm.min_step_fraction: must be > 0 and <= "),
        ({"precision": -1}, "llm.precision: must be between 0 and 12"),
        ({"initial_direction": "left"}, "llm.initial_direction: must be one of down, up"),
    ],
)
def test_invalid_options_are_config_errors(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        create(LocalSearchOptions(**change))
    assert caught.value.errors[0].startswith(message)


# ---------------------------------------------------------------- convergence targets


async def test_castro_two_period_equilibrium() -> None:
    start = {"BANK_A": policy(**{F: 0.5}), "BANK_B": policy(**{F: 0.5})}
    result = await drive(castro_exp1, start, max_iterations=25)
    assert result.converged
    assert fraction(result, "BANK_A") == pytest.approx(0.0, abs=0.01)
    assert 0.2 <= fraction(result, "BANK_B") <= 0.21
    assert result.policies["BANK_A"]["payment_tree"] == TREE


@pytest.mark.parametrize(
    ("kink", "start"), [(0.2, 0.5), (0.237, 0.5), (0.05, 0.5), (0.61, 0.9), (0.9013, 1.0)]
)
async def test_lands_within_001_above_a_kink(kink: float, start: float) -> None:
    cost = kinked(kink)
    result = await drive(
        lambda p: {"A": cost(p["A"][F])}, {"A": policy(**{F: start})}, max_iterations=80, window=25
    )
    assert kink <= fraction(result, "A") <= kink + 0.01


@pytest.mark.parametrize(
    ("start", "slope", "optimum"), [(0.5, 1, 0.0), (0.5, -1, 1.0), (0.0, -1, 1.0), (1.0, 1, 0.0)]
)
async def test_optimum_at_a_bound(start: float, slope: int, optimum: float) -> None:
    result = await drive(
        lambda p: {"A": int(slope * 10_000 * p["A"][F])}, {"A": policy(**{F: start})}
    )
    assert result.converged
    assert fraction(result, "A") == optimum


async def test_smooth_interior_optimum() -> None:
    result = await drive(
        lambda p: {"A": int(1e6 * (p["A"][F] - 0.637) ** 2)}, {"A": policy(**{F: 0.1})}, window=25
    )
    assert fraction(result, "A") == pytest.approx(0.637, abs=0.01)


async def test_several_parameters_and_an_int() -> None:
    constraints = PolicyConstraints(
        allowed_parameters=(
            FRACTION,
            ParameterSpec(name="buffer", param_type="int", min_value=0, max_value=40),
            ParameterSpec(name="fixed", param_type="float", min_value=1.0, max_value=1.0),
        )
    )

    def cost(p: Profile) -> dict[str, int]:
        x = p["A"]
        return {"A": int(1e5 * abs(x[F] - 0.3) + 1000 * abs(x["buffer"] - 17))}

    start = {"A": policy(**{F: 0.9, "buffer": 2, "fixed": 1.0, "untouched": 3.5})}
    result = await drive(cost, start, constraints=constraints, window=30, max_iterations=150)
    params = result.policies["A"]["parameters"]
    assert params[F] == pytest.approx(0.3, abs=0.01)
    assert params["buffer"] == 17 and isinstance(params["buffer"], int)
    assert params["fixed"] == 1.0 and params["untouched"] == 3.5


# ---------------------------------------------------------------- determinism and statelessness


async def test_proposals_are_a_pure_function_of_the_request() -> None:
    start = {"BANK_A": policy(**{F: 0.5}), "BANK_B": policy(**{F: 0.5})}
    result = await drive(castro_exp1, start, max_iterations=12, window=100)
    fresh = LocalSearchProposer(LocalSearchOptions())
    for made in result.proposals.values():
        for req, proposal in made:
            again = await fresh.propose(req)  # a "resumed" run: new instance, same request
            assert again == proposal
            assert again == await fresh.propose(attrs.evolve(req, seed=req.seed + 1))


async def test_proposal_fields() -> None:
    proposal = await create(LocalSearchOptions()).propose(request(policy(**{F: 0.5}), []))
    assert proposal.policy["parameters"][F] == 0.4
    assert json.loads(proposal.raw_response) == proposal.policy
    assert proposal.model == "local-search"
    assert proposal.prompt_tokens == proposal.completion_tokens == 0
    assert proposal.reasoning and "\n" not in proposal.reasoning
    assert proposal.reasoning.startswith("local-search: initial_liquidity_fraction 0.5 -> 0.4")


async def test_request_policy_is_not_mutated() -> None:
    current = policy(**{F: 0.5})
    snapshot = json.dumps(current, sort_keys=True)
    await create(LocalSearchOptions()).propose(request(current, []))
    assert json.dumps(current, sort_keys=True) == snapshot


async def test_repeats_the_incumbent_once_every_step_is_exhausted() -> None:
    cost = kinked(0.2)
    result = await drive(
        lambda p: {"A": cost(p["A"][F])}, {"A": policy(**{F: 0.5})}, max_iterations=60, window=60
    )
    last_req, last = result.proposals["A"][-1]
    assert last.policy == dict(last_req.current_policy)
    assert last.reasoning is not None and "minimum" in last.reasoning


async def test_nothing_to_tune_keeps_the_policy() -> None:
    current = policy(other=1.0)
    proposal = await create(LocalSearchOptions()).propose(request(current, [], PolicyConstraints()))
    assert proposal.policy == current


async def test_up_direction_option() -> None:
    options = LocalSearchOptions(initial_direction="up", initial_step_fraction=0.25)
    proposal = await create(options).propose(request(policy(**{F: 0.5}), []))
    assert proposal.policy["parameters"][F] == 0.75


# ---------------------------------------------------------------- properties


@settings(max_examples=25, deadline=None)
@given(
    start=st.floats(0.0, 1.0),
    table=st.lists(st.integers(0, 10_000), min_size=11, max_size=11),
)
async def test_any_landscape_stays_in_bounds_and_goes_idle(start: float, table: list[int]) -> None:
    """Arbitrary piecewise-constant costs: proposals stay in bounds with 4 decimals, never
    change the tree, never repeat a candidate against the same incumbent, and the search stops
    proposing changes after finitely many rejections."""

    def cost(p: Profile) -> dict[str, int]:
        return {"A": table[min(10, int(p["A"][F] * 10))]}

    result = await drive(cost, {"A": policy(**{F: start})}, max_iterations=200, window=40)
    assert result.converged
    rejected_here: set[float] = set()
    incumbent = None
    for req, proposal in result.proposals["A"]:
        value = proposal.policy["parameters"][F]
        assert 0.0 <= value <= 1.0
        assert value == round(value, 4) or value == start
        assert proposal.policy["payment_tree"] == TREE
        if req.current_policy != incumbent:
            incumbent, rejected_here = req.current_policy, set()
        if value == incumbent["parameters"][F]:
            assert proposal.reasoning and "minimum" in proposal.reasoning  # idle only
        else:
            assert value not in rejected_here  # never the same candidate twice
            rejected_here.add(value)
