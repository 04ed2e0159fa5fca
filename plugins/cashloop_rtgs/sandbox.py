"""SimCash's bootstrap sandbox evaluation (``sampling: bootstrap-sandbox``).

A context run of the full scenario under the initial policies records, per agent, its outgoing
payments and its settled incoming payments as offsets from arrival. Each sample seed resamples
both lists with replacement onto uniform arrival ticks (SimCash's ``BootstrapSampler``) and runs
a three-agent sandbox: SOURCE (unlimited money) pays the agent at the recorded settlement
offsets, the agent pays SINK (unlimited credit) under the evaluated policy. The agent's sandbox
cost is its sample cost. As in SimCash the sandbox has no deferred crediting, no end-of-day
deadline cap and no LSM, and split children of the context run are not resampled.

Opt-in and biased: an agent's sandbox cost is not its cost in the scenario. Incoming liquidity
is replayed from the context run whatever the agent now does (no feedback from its own policy to
the others' payments), so, for example, cutting liquidity looks cheaper than it is; candidates
are compared on these costs only. Use ``sampling: full`` for decisions you publish.

How it differs from SimCash's own bootstrap evaluation (compare with care):

* The context is frozen. It is run once, under the *initial* policies and ``context_seed``
  (default: the scenario's ``rng_seed``), and every later sample resamples that one history.
  SimCash runs its context simulation in its own loop (in its later versions once per
  iteration, with an iteration seed and the policies then in force), so its histories follow
  the incumbents.
* Deadlines are relative and capped. A resampled payment keeps its deadline's offset from
  arrival, cut at the sandbox's last tick (at least one tick), then goes through the world's
  ``event_deadline`` rule; SimCash passes the raw offset (at least 1) to its own engine.
* Seeds are cashloop's: sample seeds come from ``master_seed`` by the loop's hashing
  (``cashloop.runner.seeds``), not SimCash's ``sha256(f"{master}:sample:{idx}")``;
  :func:`simcash_sample_seeds` gives SimCash's seeds to compare with its published runs.
* Cost rates are the scenario's in every sandbox (SimCash's sandbox builder uses its default
  rates unless the caller overrides them).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Final

import attrs

from cashloop_rtgs.engine.arrivals import Fill, fill_python, generate_arrivals
from cashloop_rtgs.engine.simulation import RunResult, simulate
from cashloop_rtgs.engine.world import ArrivalRow, MoveRow, World
from cashloop_rtgs.policy.compiler import RELEASE_ALL, CompiledPolicy
from cashloop_rtgs.rng import MASK64

__all__ = ["BootstrapSandbox", "Record", "simcash_sample_seeds"]

INFINITE_LIQUIDITY: Final = 10_000_000_000
SOURCE: Final = "SOURCE"
SINK: Final = "SINK"


def simcash_sample_seeds(master_seed: int, count: int) -> list[int]:
    """The seeds SimCash's sampler derives for samples ``0..count-1`` of ``master_seed``."""
    seeds = []
    for idx in range(count):
        digest = hashlib.sha256(f"{master_seed}:sample:{idx}".encode()).digest()
        seeds.append(int.from_bytes(digest[:8], "big") % (2**31))
    return seeds


@attrs.frozen(kw_only=True)
class Record:
    """A context-run payment with its timing relative to its arrival."""

    amount: int
    priority: int
    deadline_offset: int
    settlement_offset: int | None


class BootstrapSandbox:
    """Context histories of every agent, and the sandbox runs built from them."""

    def __init__(
        self,
        world: World,
        initial: Sequence[CompiledPolicy],
        context_seed: int,
        fill: Fill = fill_python,
    ) -> None:
        self.world = world
        self._fill = fill
        self.outgoing: list[list[Record]] = [[] for _ in world.ids]
        self.incoming: list[list[Record]] = [[] for _ in world.ids]
        self._record_context(initial, context_seed)
        #: SimCash resamples only the incoming payments that settled in the context run
        self.settled_incoming = [
            [r for r in records if r.settlement_offset is not None] for records in self.incoming
        ]
        self._templates = [self._template(i) for i in range(len(world.ids))]

    def _record_context(self, initial: Sequence[CompiledPolicy], seed: int) -> None:
        context = simulate(self.world, generate_arrivals(self.world, seed, self._fill), initial)
        for p in context.payments:
            settled = p.settled_at - p.arrival if p.settled_at >= 0 else None
            record = Record(
                amount=p.amount,
                priority=p.priority,
                deadline_offset=p.deadline - p.arrival,
                settlement_offset=settled,
            )
            self.outgoing[p.sender].append(record)
            self.incoming[p.receiver].append(record)

    def _template(self, agent: int) -> World:
        """The agent's sandbox world, without inputs (agents in sorted order)."""
        w = self.world
        name = w.ids[agent]
        ids = tuple(sorted((name, SOURCE, SINK)))
        me, source, sink = ids.index(name), ids.index(SOURCE), ids.index(SINK)
        opening = [0, 0, 0]
        caps = [0, 0, 0]
        pools = [0, 0, 0]
        fractions = [0.5, 0.5, 0.5]
        opening[me], caps[me] = w.opening[agent], w.unsecured_cap[agent]
        pools[me], fractions[me] = w.pool[agent], w.default_fraction[agent]
        opening[source] = INFINITE_LIQUIDITY
        caps[sink] = INFINITE_LIQUIDITY
        return attrs.evolve(
            w,
            ids=ids,
            ticks_per_day=w.total_ticks,
            num_days=1,
            eod_rush_threshold=0.8,
            opening=tuple(opening),
            unsecured_cap=tuple(caps),
            pool=tuple(pools),
            default_fraction=tuple(fractions),
            deferred_crediting=False,
            deadline_cap_at_eod=False,
            lsm_bilateral=False,
            static_inputs=(),
            arrival_plans=(),
        )

    def run(self, seed: int, policies: Sequence[CompiledPolicy]) -> RunResult:
        """Every agent's sandbox for sample ``seed``, folded into one result row per agent."""
        rows = []
        settled = total = delay = 0
        for agent, policy in enumerate(policies):
            template = self._templates[agent]
            world = attrs.evolve(template, static_inputs=self._inputs(agent, seed, template))
            me = template.ids.index(self.world.ids[agent])
            profile = [policy if i == me else RELEASE_ALL for i in range(3)]
            result = simulate(world, ((),) * world.total_ticks, profile)
            rows.append(result.costs[me])
            settled += result.settled
            total += result.total
            delay += result.delay_ticks
        return RunResult(
            costs=tuple(rows), settled=settled, total=total, delay_ticks=delay, balances=()
        )

    def _inputs(
        self, agent: int, seed: int, template: World
    ) -> tuple[tuple[tuple[MoveRow, ...], tuple[ArrivalRow, ...]], ...]:
        """Resample the agent's history (SimCash's draw order) into per-tick sandbox inputs."""
        ticks = template.total_ticks
        ids = template.ids
        me, source, sink = (ids.index(self.world.ids[agent]), ids.index(SOURCE), ids.index(SINK))
        outgoing = self.outgoing[agent]
        incoming = self.settled_incoming[agent]
        count = 2 * (len(outgoing) + len(incoming))  # two draws per resampled record
        draws, _ = self._fill((seed & MASK64) or 1, count) if count else ([], 0)
        moves: list[list[MoveRow]] = [[] for _ in range(ticks)]
        arrivals: list[list[ArrivalRow]] = [[] for _ in range(ticks)]
        for arrival, record in _resample(draws[: 2 * len(outgoing)], outgoing, ticks):
            deadline = min(arrival + record.deadline_offset, ticks)
            relative = max(deadline - arrival, 1)
            arrivals[arrival].append(
                (
                    me,
                    sink,
                    record.amount,
                    template.event_deadline(arrival, relative),
                    record.priority,
                )
            )
        for arrival, record in _resample(draws[2 * len(outgoing) :], incoming, ticks):
            tick = min(arrival + record.settlement_offset, ticks)  # type: ignore[operator]
            if tick < ticks:  # a settlement remapped past the last tick never happens
                moves[tick].append((source, me, record.amount))
        return tuple((tuple(m), tuple(a)) for m, a in zip(moves, arrivals, strict=True))


def _resample(
    draws: Sequence[int], records: Sequence[Record], ticks: int
) -> list[tuple[int, Record]]:
    """Draw ``len(records)`` records with replacement, each onto a uniform arrival tick
    (SimCash's ``next_int``: one raw draw modulo the bound for each)."""
    n = len(records)
    return [(draws[2 * j + 1] % ticks, records[draws[2 * j] % n]) for j in range(n)]
