"""One simulation run: the tick loop of rtgs-model.md, step by step.

The loop binds everything it touches to locals (this is the hot path of every evaluation);
each numbered comment is the step of the model specification it implements.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import attrs

from cashloop_rtgs.engine.lsm import offset_bilateral
from cashloop_rtgs.engine.payment import Payment
from cashloop_rtgs.errors import PolicyRuntimeError
from cashloop_rtgs.policy.compiler import DROP, HOLD, RELEASE, TreeEvaluationError
from cashloop_rtgs.policy.context import AgentSnapshot

if TYPE_CHECKING:
    from cashloop_rtgs.engine.world import ArrivalRow, World
    from cashloop_rtgs.policy.compiler import CompiledPolicy

__all__ = ["RunResult", "RunState", "allocations", "policy_fractions", "simulate"]

# indices into the per-agent cost rows (same order as costs.COMPONENTS)
LIQ, DELAY, DEADLINE, EOD, OVERDRAFT, SPLIT = range(6)


@attrs.define(kw_only=True)
class RunState:
    """The mutable state, exposed to an optional per-tick observer (tests, tracing)."""

    tick: int = 0
    balance: list[int]
    allocation: list[int]
    credits: list[int]
    q1: list[list[Payment]]
    q2: list[Payment]
    costs: list[list[int]]
    payments: list[Payment]


@attrs.frozen(kw_only=True)
class RunResult:
    """Per-agent costs of the last day (rows in ``costs.COMPONENTS`` order) and run metrics."""

    costs: tuple[tuple[int, ...], ...]
    settled: int
    total: int
    delay_ticks: int  # sum over settled payments of (settlement tick - arrival tick)
    balances: tuple[int, ...]
    #: every payment that arrived (split children excluded), in arrival order
    payments: Sequence[Payment] = attrs.field(factory=tuple, eq=False, repr=False)


def policy_fractions(world: World, policies: Sequence[CompiledPolicy]) -> list[float]:
    """Each agent's pool fraction: its policy's, else the scenario's default."""
    return [
        p.liquidity_fraction if p.liquidity_fraction is not None else f
        for p, f in zip(policies, world.default_fraction, strict=True)
    ]


def allocations(world: World, policies: Sequence[CompiledPolicy]) -> list[int]:
    """Cents each agent commits from its pool at the start of every day."""
    return [
        math.floor(pool * f) if pool else 0
        for pool, f in zip(world.pool, policy_fractions(world, policies), strict=True)
    ]


def simulate(
    world: World,
    arrivals: Sequence[Sequence[ArrivalRow]],
    policies: Sequence[CompiledPolicy],
    observer: Callable[[RunState], None] | None = None,
) -> RunResult:
    """Run ``world`` with the seed's ``arrivals`` and one compiled policy per agent."""
    n = len(world.ids)
    tpd = world.ticks_per_day
    rates = world.rates
    deferred = world.deferred_crediting
    overdue_only = world.semantics.eod_penalty_overdue_only
    caps = world.unsecured_cap
    pools = world.pool
    fractions = policy_fractions(world, policies)
    allocation = allocations(world, policies)
    state = RunState(
        balance=[o + a for o, a in zip(world.opening, allocation, strict=True)],
        allocation=allocation,
        credits=[0] * n,
        q1=[[] for _ in range(n)],
        q2=[],
        costs=[[0] * 6 for _ in range(n)],
        payments=[],
    )
    balance, credits, q1, costs, payments = (
        state.balance,
        state.credits,
        state.q1,
        state.costs,
        state.payments,
    )
    q2 = state.q2
    liquidity_per_tick = [rates.liquidity(a) for a in allocation]
    overdue_mult = rates.overdue_mult_scaled
    agents = range(n)
    static_inputs = world.static_inputs
    constant_actions = [p.constant_action for p in policies]
    no_q2 = [0] * n  # read-only stand-in when Q2 is empty

    def try_settle(p: Payment, t: int) -> bool:
        sender = p.sender
        amount = p.remaining
        bal = balance[sender]
        headroom = caps[sender] - (-bal if bal < 0 else 0)  # available_liquidity(), inlined
        if amount > (bal if bal > 0 else 0) + (headroom if headroom > 0 else 0):
            return False
        balance[sender] = bal - amount
        if deferred:
            credits[p.receiver] += amount
        else:
            balance[p.receiver] += amount
        if p.parent is None:
            p.remaining = 0
            p.settled_at = t
        else:
            p.mark_settled(t)
        return True

    for t, new_arrivals in enumerate(arrivals):
        tick_in_day = t % tpd
        # 0. a new day: fresh cost accumulators, liquidity allocated again from the pool
        if tick_in_day == 0 and t > 0:
            for a in agents:
                costs[a] = [0] * 6
                allocation[a] = math.floor(pools[a] * fractions[a]) if pools[a] else 0
                balance[a] += allocation[a]
                liquidity_per_tick[a] = rates.liquidity(allocation[a])
        # 1. scheduled events (moves happen now; payments join Q1), then 2. Poisson arrivals
        moves, event_arrivals = static_inputs[t]
        for payer, payee, amount in moves:
            balance[payer] -= amount
            balance[payee] += amount
        for rows in (event_arrivals, new_arrivals):
            for sender, receiver, amount, deadline, priority in rows:
                p = Payment(sender, receiver, amount, t, deadline, priority)
                payments.append(p)
                q1[sender].append(p)
        # 3. policies: every Q1 payment judged against one snapshot per agent
        pending: list[Payment] = []
        for a in agents:
            queue = q1[a]
            if not queue:
                continue
            action = constant_actions[a]
            if action == RELEASE:
                pending.extend(queue)
                q1[a] = []
                continue
            if action == HOLD:
                continue
            snapshot = AgentSnapshot(
                tick=t,
                ticks_per_day=tpd,
                eod_rush_threshold=world.eod_rush_threshold,
                balance=balance[a],
                unsecured_cap=caps[a],
                q1_size=len(queue),
                q1_value=sum(p.remaining for p in queue),
            )
            decide = policies[a].decide
            kept = []
            try:
                for p in queue:
                    code = action if decide is None else decide(p, snapshot)
                    if code == RELEASE:
                        pending.append(p)
                    elif code == HOLD:
                        kept.append(p)
                    elif code == DROP:
                        if p.overdue_since < 0:
                            p.overdue_since = t
                    else:
                        parts = -code  # type: ignore[operator]  # a split: decide returned -n
                        pending.extend(_split(p, parts))
                        costs[a][SPLIT] += (parts - 1) * rates.split_friction
            except TreeEvaluationError as exc:
                raise PolicyRuntimeError.during_run(world.ids[a], t, exc) from None
            q1[a] = kept
        # 4. submissions settle in order, or join the back of Q2
        for p in pending:
            if not try_settle(p, t):
                q2.append(p)
        # 5. one pass over Q2: mark what is past its deadline, settle what is affordable
        if q2:
            waiting = []
            for p in q2:
                if p.overdue_since < 0 and t > p.deadline:
                    p.overdue_since = t
                if not try_settle(p, t):
                    waiting.append(p)
            q2 = waiting
            # 6. optional bilateral offsetting
            if world.lsm_bilateral and q2:
                q2 = offset_bilateral(q2, balance, caps, credits if deferred else None, t)
        # 7. deferred credits reach their receivers
        if deferred:
            for a in agents:
                if credits[a]:
                    balance[a] += credits[a]
                    credits[a] = 0
        # 8. costs
        if q2:
            q2_weight = [0] * n
            q2_new_overdue = [0] * n
            for p in q2:
                s = p.sender
                since = p.overdue_since
                q2_weight[s] += p.remaining * (overdue_mult if since >= 0 else 1000)
                if since == t:
                    q2_new_overdue[s] += 1
        else:
            q2_weight = q2_new_overdue = no_q2
        for a in agents:
            row = costs[a]
            row[LIQ] += liquidity_per_tick[a]
            weight = q2_weight[a]
            overdue = q2_new_overdue[a]
            for p in q1[a]:
                if p.overdue_since < 0 and t > p.deadline:
                    p.overdue_since = t
                    overdue += 1
                weight += p.remaining * (overdue_mult if p.overdue_since >= 0 else 1000)
            if weight:
                row[DELAY] += rates.delay(weight)
            if overdue:
                row[DEADLINE] += overdue * rates.deadline_penalty
            if balance[a] < 0:
                row[OVERDRAFT] += rates.overdraft(balance[a])
        # 9. end of day: penalties for what is still unsettled, pool liquidity handed back
        if tick_in_day == tpd - 1:
            for a in agents:
                late = [p for p in q1[a] if not overdue_only or p.deadline < t]
                late += [p for p in q2 if p.sender == a and (not overdue_only or p.deadline < t)]
                costs[a][EOD] += len(late) * rates.eod_penalty
                balance[a] -= allocation[a]
        if observer is not None:
            state.tick, state.q2 = t, q2
            observer(state)
    settled = [p for p in payments if p.settled_at >= 0]
    return RunResult(
        costs=tuple(tuple(row) for row in costs),
        settled=len(settled),
        total=len(payments),
        delay_ticks=sum(p.settled_at - p.arrival for p in settled),
        balances=tuple(balance),
        payments=payments,
    )


def _split(parent: Payment, parts: int) -> list[Payment]:
    """Children of equal size, the remainder on the last, each with the parent's terms."""
    if parts > parent.amount:
        raise TreeEvaluationError(
            "payment_tree",
            f"Split into {parts} parts of a {parent.amount}-cent payment would "
            "create zero-cent payments; use fewer parts",
        )
    base, remainder = divmod(parent.amount, parts)
    return [
        Payment(
            parent.sender,
            parent.receiver,
            base + (remainder if i == parts - 1 else 0),
            parent.arrival,
            parent.deadline,
            parent.priority,
            parent,
        )
        for i in range(parts)
    ]
