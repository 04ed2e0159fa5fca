"""Everything about a run that depends on the scenario alone, computed once per evaluator."""

from __future__ import annotations

from typing import Final, Literal

import attrs

from cashloop_rtgs.distributions import NativeAmountSpec, amount_sampler, native_amount_spec
from cashloop_rtgs.engine.costs import RateTable
from cashloop_rtgs.scenario.model import CustomTransactionArrival, Scenario

__all__ = ["SEMANTICS", "AgentArrivalPlan", "Semantics", "World"]

#: (sender, receiver, amount, deadline tick, priority) of a payment entering Q1
ArrivalRow = tuple[int, int, int, int, int]
#: (payer, payee, amount) moved immediately
MoveRow = tuple[int, int, int]


@attrs.frozen(kw_only=True)
class Semantics:
    """Where SimCash has a known flaw, the flag keeps it (simcash) or fixes it (corrected)."""

    name: str
    #: Stochastic arrivals cap deadlines at the first tick of the next day (SimCash) rather
    #: than at the day's last tick, as scheduled events do.
    arrival_cap_next_day: bool
    #: EOD penalty only for payments whose deadline is before the last tick (SimCash), so an
    #: unsettled payment still within its deadline at the close pays nothing.
    eod_penalty_overdue_only: bool
    #: Weight of a receiver missing from counterparty_weights (SimCash: 1.0).
    unlisted_weight: float
    #: Arrivals configured with priority 0 get the default priority 5 (SimCash only sets a
    #: priority above 0).
    zero_priority_is_default: bool


SEMANTICS: Final[dict[str, Semantics]] = {
    "simcash": Semantics(
        name="simcash",
        arrival_cap_next_day=True,
        eod_penalty_overdue_only=True,
        unlisted_weight=1.0,
        zero_priority_is_default=True,
    ),
    "corrected": Semantics(
        name="corrected",
        arrival_cap_next_day=False,
        eod_penalty_overdue_only=False,
        unlisted_weight=0.0,
        zero_priority_is_default=False,
    ),
}

SemanticsName = Literal["simcash", "corrected"]


@attrs.frozen(kw_only=True)
class AgentArrivalPlan:
    """One agent's Poisson arrivals, with every per-draw constant precomputed."""

    sender: int
    rate: float
    amount_draws: int
    amount: object  # callable(*raw draws) -> cents
    #: the distribution for the compiled engine (None: it cannot draw this one exactly)
    native_amount: NativeAmountSpec | None
    receivers: tuple[int, ...]
    #: None: one uniform receiver by ``range``; else the weights, in config order
    weights: tuple[float, ...] | None
    total_weight: float
    deadline_lo: int
    deadline_span: int
    priority: int


@attrs.frozen(kw_only=True)
class World:
    ids: tuple[str, ...]
    ticks_per_day: int
    num_days: int
    rng_seed: int
    eod_rush_threshold: float
    opening: tuple[int, ...]
    unsecured_cap: tuple[int, ...]
    pool: tuple[int, ...]
    default_fraction: tuple[float, ...]
    rates: RateTable
    deferred_crediting: bool
    deadline_cap_at_eod: bool
    lsm_bilateral: bool
    semantics: Semantics
    #: per global tick: (moves, event arrivals) — the seed-independent inputs
    static_inputs: tuple[tuple[tuple[MoveRow, ...], tuple[ArrivalRow, ...]], ...]
    arrival_plans: tuple[AgentArrivalPlan, ...]

    @property
    def total_ticks(self) -> int:
        return self.ticks_per_day * self.num_days

    def expected_draws(self) -> float:
        """Mean number of random draws of one run: per agent and tick ``1 + rate`` for the
        Poisson count and ``rate * (amount draws + 2)`` for the payments."""
        return self.total_ticks * sum(
            1.0 + p.rate * (p.amount_draws + 3) for p in self.arrival_plans if p.rate > 0.0
        )

    @classmethod
    def build(cls, scenario: Scenario, semantics: Semantics) -> World:
        ids = scenario.agent_ids
        index = {name: i for i, name in enumerate(ids)}
        by_id = {a.id: a for a in scenario.agents}
        agents = [by_id[name] for name in ids]
        tpd = scenario.simulation.ticks_per_day
        world = cls(
            ids=ids,
            ticks_per_day=tpd,
            num_days=scenario.simulation.num_days,
            rng_seed=scenario.simulation.rng_seed,
            eod_rush_threshold=scenario.eod_rush_threshold,
            opening=tuple(a.opening_balance for a in agents),
            unsecured_cap=tuple(a.unsecured_cap for a in agents),
            pool=tuple(a.liquidity_pool or 0 for a in agents),
            default_fraction=tuple(
                0.5 if a.liquidity_allocation_fraction is None else a.liquidity_allocation_fraction
                for a in agents
            ),
            rates=RateTable.from_rates(scenario.cost_rates),
            deferred_crediting=scenario.deferred_crediting,
            deadline_cap_at_eod=scenario.deadline_cap_at_eod,
            lsm_bilateral=scenario.lsm_config.enable_bilateral,
            semantics=semantics,
            static_inputs=(),
            arrival_plans=_arrival_plans(scenario, index, semantics),
        )
        return attrs.evolve(world, static_inputs=_static_inputs(scenario, world, index))

    def event_deadline(self, tick: int, relative: int) -> int:
        """Deadline of a scheduled payment: capped at the episode end and, when
        ``deadline_cap_at_eod``, at the last tick of its day; never before ``tick + 1``."""
        deadline = min(tick + relative, self.total_ticks)
        if self.deadline_cap_at_eod:
            deadline = min(deadline, (tick // self.ticks_per_day + 1) * self.ticks_per_day - 1)
        return max(deadline, tick + 1)


def _arrival_plans(
    scenario: Scenario, index: dict[str, int], semantics: Semantics
) -> tuple[AgentArrivalPlan, ...]:
    config_order = [a.id for a in scenario.agents]  # SimCash picks receivers in config order
    plans = []
    for agent in sorted(scenario.agents, key=lambda a: a.id):
        cfg = agent.arrival_config
        if cfg is None:
            continue
        receivers = [name for name in config_order if name != agent.id]
        draws, sampler = amount_sampler(cfg.amount_distribution)
        weights: tuple[float, ...] | None = None
        total = 0.0
        if cfg.counterparty_weights:
            weights = tuple(
                cfg.counterparty_weights.get(name, semantics.unlisted_weight) for name in receivers
            )
            for w in weights:  # left-to-right, as Rust's iterator sum
                total += w
        lo, hi = cfg.deadline_range
        plans.append(
            AgentArrivalPlan(
                sender=index[agent.id],
                rate=cfg.rate_per_tick,
                amount_draws=draws,
                amount=sampler,
                native_amount=native_amount_spec(cfg.amount_distribution),
                receivers=tuple(index[name] for name in receivers),
                weights=weights,
                total_weight=total,
                deadline_lo=lo,
                deadline_span=hi + 1 - lo,
                priority=5
                if cfg.priority == 0 and semantics.zero_priority_is_default
                else cfg.priority,
            )
        )
    return tuple(plans)


def _static_inputs(
    scenario: Scenario, world: World, index: dict[str, int]
) -> tuple[tuple[tuple[MoveRow, ...], tuple[ArrivalRow, ...]], ...]:
    tpd = world.ticks_per_day
    rows = []
    for tick in range(world.total_ticks):
        moves: list[MoveRow] = []
        arrivals: list[ArrivalRow] = []
        for event in scenario.scenario_events:
            if not event.schedule.fires_at(tick):
                continue
            payer, payee = index[event.from_agent], index[event.to_agent]
            if isinstance(event, CustomTransactionArrival):
                relative = event.deadline if event.deadline is not None else max(tpd // 10, 5)
                priority = 5 if event.priority is None else event.priority
                arrivals.append(
                    (payer, payee, event.amount, world.event_deadline(tick, relative), priority)
                )
            else:
                moves.append((payer, payee, event.amount))
        rows.append((tuple(moves), tuple(arrivals)))
    return tuple(rows)
