"""Invariants of every run: money is conserved, each payment sits in one place, Q2 is FIFO,
and results are deterministic (also across processes)."""

from __future__ import annotations

import pickle
from concurrent.futures import ProcessPoolExecutor

from hypothesis import given, settings
from hypothesis import strategies as st
from rtgs_helpers import HOLD, evaluator, policy

from cashloop_rtgs.engine.arrivals import generate_arrivals
from cashloop_rtgs.engine.simulation import RunState, simulate

URGENT = {
    "type": "condition",
    "node_id": "urgent",
    "condition": {"op": "<=", "left": {"field": "ticks_to_deadline"}, "right": {"value": 2}},
    "on_true": {"type": "action", "node_id": "go", "action": "Release"},
    "on_false": HOLD,
}
SPLIT_BIG = {
    "type": "condition",
    "node_id": "big",
    "condition": {"op": ">", "left": {"field": "amount"}, "right": {"value": 15000}},
    "on_true": {
        "type": "action",
        "node_id": "split",
        "action": "Split",
        "parameters": {"num_splits": {"value": 2}},
    },
    "on_false": {"type": "action", "node_id": "go", "action": "Release"},
}
TREES = st.sampled_from([None, HOLD, URGENT, SPLIT_BIG])
FRACTIONS = st.sampled_from([0.0, 0.01, 0.05, 0.2, 0.5, 1.0])


class Checker:
    """Observer asserting the invariants at the end of every tick."""

    def __init__(self, world) -> None:
        self.world = world
        self.previous_q2: list = []

    def __call__(self, state: RunState) -> None:
        w = self.world
        assert not any(state.credits)  # deferred credits are all applied by the end of a tick
        end_of_day = state.tick % w.ticks_per_day == w.ticks_per_day - 1
        expected = sum(w.opening) + (0 if end_of_day else sum(state.allocation))
        assert sum(state.balance) == expected  # money neither created nor destroyed
        for a, bal in enumerate(state.balance):
            assert bal >= -w.unsecured_cap[a] - (state.allocation[a] if end_of_day else 0)
        places: dict[int, int] = {}
        for a, queue in enumerate(state.q1):
            for p in queue:
                assert p.sender == a and p.remaining > 0 and p.settled_at < 0
                places[id(p)] = places.get(id(p), 0) + 1
        for p in state.q2:
            assert p.remaining > 0 and p.settled_at < 0
            places[id(p)] = places.get(id(p), 0) + 1
        assert all(count == 1 for count in places.values())  # one place at most
        for p in state.payments:
            assert (p.settled_at >= 0) == (p.remaining == 0)
            assert p.settled_at >= 0 or id(p) in places or p.parent is None
        kept = [id(p) for p in self.previous_q2 if p.settled_at < 0]
        now = [id(p) for p in state.q2]
        assert [i for i in now if i in set(kept)] == kept  # survivors keep their order
        self.previous_q2 = list(state.q2)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**64 - 1), fa=FRACTIONS, fb=FRACTIONS, ta=TREES, tb=TREES)
def test_exp2_invariants(seed, fa, fb, ta, tb) -> None:
    ev = evaluator("castro_exp2")
    world = ev.world
    profile = ev.compile_profile({"BANK_A": policy(fa, ta), "BANK_B": policy(fb, tb)})
    result = simulate(world, generate_arrivals(world, seed), profile, observer=Checker(world))
    assert 0 <= result.settled <= result.total
    assert all(c >= 0 for row in result.costs for c in row)


def test_same_seed_same_result() -> None:
    ev = evaluator("castro_exp2")
    policies = {"BANK_A": policy(0.1, URGENT), "BANK_B": policy(0.3)}
    first = ev.evaluate(policies, [1, 2, 3])
    assert evaluator("castro_exp2").evaluate(policies, [1, 2, 3]) == first
    assert ev.evaluate(policies, [3, 1]) == [first[2], first[0]]
    assert pickle.loads(pickle.dumps(ev)).evaluate(policies, [1, 2, 3]) == first


def _evaluate_remotely(args):
    ev, policies, seeds = args
    return ev.evaluate(policies, seeds)


def test_same_result_on_a_process_pool() -> None:
    ev = evaluator("castro_exp2")
    policies = {"BANK_A": policy(0.05), "BANK_B": policy(0.2, SPLIT_BIG)}
    serial = [ev.evaluate(policies, [s]) for s in range(6)]
    with ProcessPoolExecutor(max_workers=2) as pool:
        remote = list(pool.map(_evaluate_remotely, [(ev, policies, [s]) for s in range(6)]))
    assert remote == serial
    boot = evaluator("castro_exp2", sampling="bootstrap-sandbox")
    with ProcessPoolExecutor(max_workers=2) as pool:
        [remote_boot] = pool.map(_evaluate_remotely, [(boot, policies, [4, 5])])
    assert remote_boot == boot.evaluate(policies, [4, 5])


def test_deterministic_scenarios_ignore_the_seed() -> None:
    for name in ("castro_exp1", "castro_exp3"):
        ev = evaluator(name)
        samples = ev.evaluate({"BANK_A": policy(0.3)}, [0, 1, 2**40])
        assert len({(tuple(s.costs.items()), tuple(s.metrics.items())) for s in samples}) == 1


def test_the_sample_seed_replaces_the_scenario_seed() -> None:
    ev = evaluator("castro_exp2")
    world = ev.world
    profile = ev.compile_profile({})
    for seed in (42, 7):
        run = simulate(world, generate_arrivals(world, seed), profile)
        [sample] = ev.evaluate({}, [seed])
        assert sample.metrics["total"] == run.total
        assert list(sample.costs.values()) == [sum(row) for row in run.costs]


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**64 - 1), fa=FRACTIONS, fb=FRACTIONS, deferred=st.booleans())
def test_invariants_hold_with_bilateral_offsetting(seed, fa, fb, deferred) -> None:
    import yaml
    from rtgs_helpers import SCENARIOS, inline_evaluator

    data = yaml.safe_load((SCENARIOS / "castro_exp2.yaml").read_text())
    data["lsm_config"] = {"enable_bilateral": True}
    data["deferred_crediting"] = deferred
    ev = inline_evaluator(data)
    world = ev.world
    profile = ev.compile_profile({"BANK_A": policy(fa), "BANK_B": policy(fb, URGENT)})
    simulate(world, generate_arrivals(world, seed), profile, observer=Checker(world))
