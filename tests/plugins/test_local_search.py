"""The ``local-search`` proposer, driven by a small accept-if-cheaper loop over fake costs."""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from local_search_loop import (
    FRACTION,
    TREE,
    F,
    Profile,
    castro_exp1,
    drive,
    fraction,
    kinked,
    policy,
    request,
)

from cashloop.errors import ConfigError
from cashloop.plugin import LLMClient, ParameterSpec, PolicyConstraints
from cashloop_local_search import (
    LocalSearchOptions,
    LocalSearchProposer,
    create,
    register_llm_clients,
)

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
    assert proposal.exhausted is False  # it has steps left to try


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
    assert last.exhausted is True


async def test_declares_exhaustion_only_after_its_smallest_step_failed_both_ways() -> None:
    cost = kinked(0.2)
    result = await drive(
        lambda p: {"A": cost(p["A"][F])}, {"A": policy(**{F: 0.5})}, max_iterations=60, window=60
    )
    made = result.proposals["A"]
    first = next(i for i, (_, p) in enumerate(made) if p.exhausted)
    assert all(p.exhausted is False for _, p in made[:first])
    assert all(p.exhausted is True for _, p in made[first:])  # it stays exhausted
    incumbent = made[first][0].current_policy["parameters"][F]
    tried = {round(p.policy["parameters"][F] - incumbent, 6) for _, p in made[:first]}
    smallest = LocalSearchOptions().min_step_fraction
    assert {-smallest, smallest} <= tried


async def test_nothing_to_tune_keeps_the_policy() -> None:
    current = policy(other=1.0)
    proposal = await create(LocalSearchOptions()).propose(request(current, [], PolicyConstraints()))
    assert proposal.policy == current
    assert proposal.exhausted is True


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


TWO_AXES = PolicyConstraints(
    allowed_parameters=(
        FRACTION,
        ParameterSpec(name="slots", param_type="int", min_value=-3, max_value=12),
    )
)


@settings(max_examples=15, deadline=None)
@given(
    start=st.tuples(st.floats(0.0, 1.0), st.integers(-3, 12)),
    target=st.tuples(st.floats(0.0, 1.0), st.integers(-3, 12)),
    coupling=st.integers(0, 3000),
)
async def test_two_axes_stay_typed_in_bounds_and_settle(
    start: tuple[float, int], target: tuple[float, int], coupling: int
) -> None:
    def cost(p: Profile) -> dict[str, int]:
        x, n = p["A"][F], p["A"]["slots"]
        dx, dn = x - target[0], n - target[1]
        return {"A": int(1e5 * dx * dx + 500 * dn * dn + coupling * abs(dx * dn))}

    start_policy = policy(**{F: start[0], "slots": start[1]})
    result = await drive(
        cost, {"A": start_policy}, constraints=TWO_AXES, max_iterations=400, window=60
    )
    assert result.converged
    for _, proposal in result.proposals["A"]:
        params = proposal.policy["parameters"]
        assert 0.0 <= params[F] <= 1.0 and -3 <= params["slots"] <= 12
        assert isinstance(params["slots"], int)
    final = result.policies["A"]["parameters"]
    assert final["slots"] == target[1]
    assert final[F] == pytest.approx(target[0], abs=0.01)


async def test_history_order_does_not_matter() -> None:
    result = await drive(
        castro_exp1,
        {"BANK_A": policy(**{F: 0.5}), "BANK_B": policy(**{F: 0.5})},
        max_iterations=6,
        window=100,
    )
    req, proposal = result.proposals["BANK_B"][-1]
    shuffled = attrs.evolve(req, history=list(reversed(list(req.history))))
    assert await create(LocalSearchOptions()).propose(shuffled) == proposal
