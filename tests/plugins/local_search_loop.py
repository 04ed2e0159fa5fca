"""A small accept-if-cheaper loop over fake costs, to drive the local-search proposer the way
the core's loop does (sequential best response in agent order, strict improvement)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from cashloop.plugin import (
    ParameterSpec,
    PolicyConstraints,
    PolicyProposal,
    PolicyRequest,
    ProposalRecord,
)
from cashloop_local_search import LocalSearchOptions, create

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
