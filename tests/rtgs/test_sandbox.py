"""The bootstrap sandbox follows SimCash's sampler: draw order, remapping, sandbox rules."""

from __future__ import annotations

import attrs
from rtgs_helpers import evaluator

from cashloop_rtgs.engine.simulation import simulate
from cashloop_rtgs.rng import Xorshift64Star
from cashloop_rtgs.sandbox import SINK, SOURCE, BootstrapSandbox


def reference_sample(sandbox: BootstrapSandbox, agent: int, seed: int, ticks: int):
    """SimCash's BootstrapSampler: outgoing then settled incoming, two draws per record."""
    rng = Xorshift64Star(seed)
    picks = []
    for records in (
        sandbox.outgoing[agent],
        [r for r in sandbox.incoming[agent] if r.settlement_offset is not None],
    ):
        chosen = []
        for _ in records:
            record = records[rng.next_u64() % len(records)]
            chosen.append((rng.next_u64() % ticks, record))
        picks.append(chosen)
    return picks


def test_sandbox_inputs_follow_the_reference_sampler() -> None:
    ev = evaluator("castro_exp2", sampling="bootstrap-sandbox")
    ev.evaluate({}, [0])
    sandbox = ev._sandbox
    ticks = ev.world.total_ticks
    for agent in range(2):
        template = sandbox._templates[agent]
        me = template.ids.index(ev.world.ids[agent])
        source, sink = template.ids.index(SOURCE), template.ids.index(SINK)
        for seed in (1, 99):
            outgoing, incoming = reference_sample(sandbox, agent, seed, ticks)
            inputs = sandbox._inputs(agent, seed, template)
            expected_arrivals = [[] for _ in range(ticks)]
            for arrival, r in outgoing:
                deadline = min(arrival + r.deadline_offset, ticks)
                due = max(min(arrival + max(deadline - arrival, 1), ticks), arrival + 1)
                expected_arrivals[arrival].append((me, sink, r.amount, due, r.priority))
            expected_moves = [[] for _ in range(ticks)]
            for arrival, r in incoming:
                tick = min(arrival + r.settlement_offset, ticks)
                if tick < ticks:
                    expected_moves[tick].append((source, me, r.amount))
            assert [list(a) for _, a in inputs] == expected_arrivals
            assert [list(m) for m, _ in inputs] == expected_moves


def test_sandbox_rules_and_agent_cost() -> None:
    ev = evaluator("castro_exp2", sampling="bootstrap-sandbox")
    [sample] = ev.evaluate({}, [5])
    sandbox = ev._sandbox
    template = sandbox._templates[0]
    assert template.ids == ("BANK_A", SINK, SOURCE)
    assert not template.deferred_crediting and not template.deadline_cap_at_eod
    assert template.opening[template.ids.index(SOURCE)] == 10_000_000_000
    profile = ev.compile_profile({})
    world_inputs = sandbox._inputs(0, 5, template)
    run = simulate(
        attrs.evolve(template, static_inputs=world_inputs),
        ((),) * 12,
        [profile[0], profile[0], profile[0]],
    )
    assert sample.costs["BANK_A"] == sum(run.costs[0])


def test_context_history_comes_from_the_initial_policies() -> None:
    ev = evaluator("castro_exp2", sampling="bootstrap-sandbox")
    ev.evaluate({}, [1])
    full = evaluator("castro_exp2")
    [context] = full.evaluate({}, [full.scenario.simulation.rng_seed])
    sandbox = ev._sandbox
    assert sum(len(o) for o in sandbox.outgoing) == context.metrics["total"]
    settled = sum(r.settlement_offset is not None for o in sandbox.outgoing for r in o)
    assert settled == context.metrics["settled"]
