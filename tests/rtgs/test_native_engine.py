"""The compiled engine (``cashloop_rtgs._native``) gives exactly the reference engine's results.

The reference is the pure-Python ``generate_arrivals`` + ``simulate``; the compiled path is what
``evaluate`` uses when the extension is built. Random scenarios (agents, days, distributions,
weights, caps, events, both semantics, both crediting modes) and random trees over every field
and action are run through both, seed by seed, and must agree on every arrival, every cost
component, the settlement counts and the closing balances.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rtgs_helpers import evaluator, inline_evaluator, policy

from cashloop.errors import UserError
from cashloop_rtgs.engine.arrivals import generate_arrivals
from cashloop_rtgs.engine.native import load_native_engine, native_module, unpack_arrivals
from cashloop_rtgs.engine.simulation import simulate
from cashloop_rtgs.evaluator import RtgsEvaluator, _flat
from cashloop_rtgs.policy.compiler import HOLD, RELEASE
from cashloop_rtgs.policy.context import FIELDS
from cashloop_rtgs.rng import MASK64

NATIVE = native_module()
needs_native = pytest.mark.skipif(NATIVE is None, reason="compiled engine not built or disabled")

AGENTS = ("BANK_A", "BANK_B", "BANK_C")


def test_the_extension_is_built_where_a_compiler_exists(monkeypatch: pytest.MonkeyPatch) -> None:
    """An install on a machine with a C compiler must not silently fall back to pure Python."""
    if shutil.which("cc") is None and shutil.which("gcc") is None:
        pytest.skip("no C compiler on PATH: the pure-Python engine is the expected outcome")
    monkeypatch.delenv("CASHLOOP_RTGS_PURE", raising=False)
    assert native_module() is not None, "cashloop_rtgs._native did not build; reinstall"
    monkeypatch.setenv("CASHLOOP_RTGS_PURE", "1")
    assert native_module() is None


# -- random scenarios --------------------------------------------------------------------------
@st.composite
def distributions(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["Uniform", "Normal", "LogNormal", "Exponential"]))
    if kind == "Uniform":
        lo = draw(st.integers(1, 50_000))
        return {"type": kind, "min": lo, "max": lo + draw(st.integers(0, 50_000))}
    if kind == "Exponential":
        return {"type": kind, "lambda": draw(st.floats(1e-5, 1e-2))}
    return {
        "type": kind,
        "mean": draw(st.floats(500.0, 40_000.0)),
        "std_dev": draw(st.floats(0.0, 30_000.0)),
    }


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(2, 3))
    ids = AGENTS[:n]
    tpd = draw(st.integers(2, 12))
    agents = []
    for name in ids:
        others = [o for o in ids if o != name]
        arrival = None
        if draw(st.booleans()) or name == "BANK_A":
            lo = draw(st.integers(1, 6))
            arrival = {
                "rate_per_tick": draw(st.sampled_from([0.0, 0.5, 1.5, 3.0])),
                "amount_distribution": draw(distributions()),
                "deadline_range": [lo, lo + draw(st.integers(0, 8))],
                "priority": draw(st.integers(0, 10)),
            }
            if draw(st.booleans()):
                weights = {o: draw(st.sampled_from([0.0, 0.5, 1.0, 3.0])) for o in others}
                weights[others[0]] = weights[others[0]] or 1.0  # the sum must be positive
                arrival["counterparty_weights"] = weights
        agents.append(
            {
                "id": name,
                "opening_balance": draw(st.integers(0, 60_000)),
                "unsecured_cap": draw(st.sampled_from([0, 0, 10_000, 100_000])),
                "liquidity_pool": draw(st.sampled_from([None, 0, 50_000, 1_000_000])),
                **({"arrival_config": arrival} if arrival else {}),
            }
        )
    events = []
    for _ in range(draw(st.integers(0, 3))):
        src, dst = draw(st.permutations(ids))[:2]
        kind = draw(st.sampled_from(["CustomTransactionArrival", "ScheduledSettlement"]))
        event: dict[str, Any] = {
            "type": kind,
            "from_agent": src,
            "to_agent": dst,
            "amount": draw(st.integers(1, 80_000)),
            "schedule": draw(
                st.sampled_from(
                    [
                        {"type": "OneTime", "tick": draw(st.integers(0, tpd - 1))},
                        {"type": "Repeating", "start_tick": 0, "interval": 2},
                    ]
                )
            ),
        }
        if kind == "CustomTransactionArrival":
            event["deadline"] = draw(st.integers(1, 6))
        events.append(event)
    return {
        "simulation": {"ticks_per_day": tpd, "num_days": draw(st.integers(1, 3)), "rng_seed": 7},
        "deferred_crediting": draw(st.booleans()),
        "deadline_cap_at_eod": draw(st.booleans()),
        "cost_rates": {
            "delay_cost_per_tick_per_cent": draw(st.sampled_from([0.0001, 0.01, 0.2])),
            "overdraft_bps_per_tick": draw(st.sampled_from([0.0, 0.001, 7.5])),
            "liquidity_cost_per_tick_bps": draw(st.sampled_from([0.0, 83.0, 12.5])),
            "eod_penalty_per_transaction": draw(st.integers(0, 100_000)),
            "deadline_penalty": draw(st.integers(0, 50_000)),
            "split_friction_cost": draw(st.integers(0, 2_000)),
            "overdue_delay_multiplier": draw(st.sampled_from([1.0, 5.0, 2.5])),
        },
        "agents": agents,
        "scenario_events": events,
    }


# -- random trees over every field and action ---------------------------------------------------
LEAVES = st.sampled_from(
    [
        {"type": "action", "node_id": "r", "action": "Release"},
        {"type": "action", "node_id": "h", "action": "Hold"},
        {"type": "action", "node_id": "d", "action": "Drop"},
        {
            "type": "action",
            "node_id": "s",
            "action": "Split",
            "parameters": {"num_splits": {"value": 2}},
        },
        {
            "type": "action",
            "node_id": "s3",
            "action": "Split",
            "parameters": {"num_splits": {"value": 3}},
        },
    ]
)


@st.composite
def trees(draw: st.DrawFn, depth: int = 2) -> dict[str, Any]:
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return dict(draw(LEAVES))
    field = draw(st.sampled_from(sorted(FIELDS)))
    right: dict[str, Any] = draw(
        st.sampled_from(
            [
                {"value": draw(st.sampled_from([0, 1, 2, 5, 0.5, 3000, 50_000]))},
                {"field": draw(st.sampled_from(sorted(FIELDS)))},
                {
                    "compute": {
                        "op": "*",
                        "left": {"field": draw(st.sampled_from(sorted(FIELDS)))},
                        "right": {"value": 0.5},
                    }
                },
            ]
        )
    )
    return {
        "type": "condition",
        "node_id": f"n{depth}{draw(st.integers(0, 999))}",
        "condition": {
            "op": draw(st.sampled_from(["<", "<=", ">", ">=", "==", "!="])),
            "left": {"field": field},
            "right": right,
        },
        "on_true": draw(trees(depth - 1)),
        "on_false": draw(trees(depth - 1)),
    }


def _outcome(run: Any, *args: Any) -> Any:
    """``run(*args)``'s result, or the sentence of the error it ended with."""
    try:
        return run(*args)
    except UserError as exc:
        return f"error: {exc}"


def _both(ev: RtgsEvaluator, policies: dict[str, Any], seeds: list[int]) -> None:
    """Arrivals and runs agree seed by seed, failures included."""
    world = ev.world
    native = load_native_engine(world, NATIVE)
    assert native is not None
    compiled = ev.compile_profile(policies)
    for seed in seeds:
        key = seed & MASK64
        reference = generate_arrivals(world, key)
        packed = native.arrivals(key)
        assert packed is not None
        assert unpack_arrivals(packed, world.total_ticks) == reference
        expected = _outcome(lambda *a: _flat(simulate(*a)), world, reference, compiled)
        assert _outcome(native.run, packed, compiled) == expected, f"seed {seed}"


@needs_native
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    scenarios(),
    st.lists(st.integers(0, MASK64), min_size=1, max_size=4),
    st.data(),
)
def test_random_scenarios_and_trees_agree_with_the_reference(
    data: dict[str, Any], seeds: list[int], more: st.DataObject
) -> None:
    ev = inline_evaluator(data, semantics=more.draw(st.sampled_from(["simcash", "corrected"])))
    policies = {}
    for agent in ev.agents():
        if more.draw(st.booleans()):
            tree = more.draw(trees())
            policies[agent] = policy(more.draw(st.floats(0.0, 1.0)), tree)
    try:
        ev.compile_profile(policies)
    except UserError:  # a tree the schema refuses: nothing to compare
        return
    _both(ev, policies, seeds)


@needs_native
@pytest.mark.parametrize("name", ["castro_exp1", "castro_exp2", "castro_exp3"])
def test_castro_scenarios_agree_with_the_reference(name: str) -> None:
    hold_small = {
        "type": "condition",
        "node_id": "c",
        "condition": {
            "op": "<=",
            "left": {"field": "ticks_to_deadline"},
            "right": {"param": "urgency"},
        },
        "on_true": {"type": "action", "node_id": "r", "action": "Release"},
        "on_false": {"type": "action", "node_id": "h", "action": "Hold"},
    }
    ev = evaluator(name)
    for fa, fb in [(0.0, 0.2), (0.5, 0.5), (1.0, 0.05)]:
        _both(ev, {"BANK_A": policy(fa), "BANK_B": policy(fb)}, list(range(25)))
        _both(
            ev,
            {"BANK_A": policy(fa, hold_small, urgency=2), "BANK_B": policy(fb)},
            list(range(25)),
        )


def _pure_and_fast(data: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    fast = inline_evaluator(data)
    monkeypatch.setenv("CASHLOOP_RTGS_PURE", "1")
    pure = inline_evaluator(data)
    monkeypatch.delenv("CASHLOOP_RTGS_PURE")
    return fast, pure


@needs_native
def test_run_time_tree_failures_read_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """A division by a zero field and an oversized split fail with the reference's sentence."""
    data = {
        "simulation": {"ticks_per_day": 4, "num_days": 1, "rng_seed": 3},
        "agents": [
            {
                "id": "BANK_A",
                "opening_balance": 1000,
                "arrival_config": {
                    "rate_per_tick": 2.0,
                    "amount_distribution": {"type": "Uniform", "min": 1, "max": 2},
                    "deadline_range": [1, 3],
                },
            },
            {"id": "BANK_B"},
        ],
    }
    divide = {
        "type": "condition",
        "node_id": "div",
        "condition": {
            "op": ">",
            "left": {
                "compute": {
                    "op": "/",
                    "left": {"field": "amount"},
                    "right": {"field": "credit_used"},
                }
            },
            "right": {"value": 1},
        },
        "on_true": {"type": "action", "node_id": "r", "action": "Release"},
        "on_false": {"type": "action", "node_id": "h", "action": "Hold"},
    }
    split = {
        "type": "action",
        "node_id": "s",
        "action": "Split",
        "parameters": {"num_splits": {"value": 5}},
    }
    fast, pure = _pure_and_fast(data, monkeypatch)
    assert fast.native_engine is not None and pure.native_engine is None
    for tree in (divide, split):
        profile = {"BANK_A": policy(0.5, tree)}
        with pytest.raises(UserError) as fast_error:
            fast.evaluate(profile, [1, 2, 3])
        with pytest.raises(UserError) as pure_error:
            pure.evaluate(profile, [1, 2, 3])
        assert str(fast_error.value) == str(pure_error.value)
        assert "the policy of BANK_A failed at tick" in str(fast_error.value)


@needs_native
def test_values_beyond_int64_fall_back_to_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    """Amounts near 2**62 overflow an int64 balance: the compiled run gives up and the
    evaluator answers from the reference engine, so results still match exactly."""
    huge = 2**62
    data = {
        "simulation": {"ticks_per_day": 3, "num_days": 1, "rng_seed": 3},
        "agents": [
            {
                "id": "BANK_A",
                "opening_balance": huge,
                "unsecured_cap": huge,
                "arrival_config": {
                    "rate_per_tick": 3.0,
                    "amount_distribution": {"type": "Uniform", "min": huge, "max": huge + 5},
                    "deadline_range": [1, 2],
                },
            },
            {"id": "BANK_B", "opening_balance": huge},
        ],
        "scenario_events": [
            {
                "type": "ScheduledSettlement",
                "from_agent": "BANK_A",
                "to_agent": "BANK_B",
                "amount": huge,
                "schedule": {"type": "OneTime", "tick": 0},
            }
        ],
    }
    fast, pure = _pure_and_fast(data, monkeypatch)
    native = fast.native_engine
    assert native is not None
    packed = native.arrivals(5)
    assert packed is not None
    assert native.run(packed, fast.compile_profile({})) is None
    assert fast.evaluate({}, [5, 6]) == pure.evaluate({}, [5, 6])


@needs_native
def test_lsm_scenarios_use_the_reference_engine() -> None:
    data = {
        "simulation": {"ticks_per_day": 3, "num_days": 1, "rng_seed": 3},
        "lsm_config": {"enable_bilateral": True},
        "agents": [{"id": "BANK_A"}, {"id": "BANK_B"}],
    }
    assert inline_evaluator(data).native_engine is None


def _recording_profile(ev: RtgsEvaluator, log: list[tuple[float, ...]]) -> list[Any]:
    """Every agent's policy replaced by a decide that logs every field it can see, then
    holds or releases by a rule of those values (so queues evolve differently per tick)."""
    names = sorted(FIELDS)
    getters = [FIELDS[name] for name in names]

    def decide(p: Any, s: Any) -> int:
        seen = tuple(get(p, s) for get in getters)
        log.append(seen)
        return HOLD if (int(s.tick) + int(p.amount)) % 3 == 0 and p.deadline > s.tick else RELEASE

    return [attrs.evolve(c, decide=decide, constant_action=None) for c in ev.compile_profile({})]


@needs_native
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.integers(0, MASK64))
def test_trees_see_the_same_field_values(data: dict[str, Any], seed: int) -> None:
    """The views the compiled engine hands to trees equal Payment and AgentSnapshot, field by
    field, at every decision (``day_progress`` hits the rush threshold exactly when it can)."""
    data["simulation"]["ticks_per_day"] = 5  # 4/5 == 0.8, the default eod_rush_threshold
    ev = inline_evaluator(data)
    world = ev.world
    native = load_native_engine(world, NATIVE)
    assert native is not None
    seen_native: list[tuple[float, ...]] = []
    seen_reference: list[tuple[float, ...]] = []
    packed = native.arrivals(seed)
    assert packed is not None
    fast = native.run(packed, _recording_profile(ev, seen_native))
    slow = simulate(world, generate_arrivals(world, seed), _recording_profile(ev, seen_reference))
    assert seen_native == seen_reference
    assert fast == _flat(slow)


@needs_native
def test_evaluating_on_the_compiled_engine_never_imports_numpy() -> None:
    """numpy only speeds up the reference engine's random stream; a run on the compiled engine
    must not pay for importing it (a large share of `cashloop run`'s start-up)."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from rtgs_helpers import evaluator, policy; "
        "ev = evaluator('castro_exp2'); "
        "ev.evaluate({'BANK_A': policy(0.1), 'BANK_B': policy(0.2)}, list(range(5))); "
        "print('numpy' in sys.modules)"
    )
    env = {k: v for k, v in os.environ.items() if k != "CASHLOOP_RTGS_PURE"}
    here = str(Path(__file__).parent)
    proc = subprocess.run(
        [sys.executable, "-c", code, here], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.stdout.strip() == "False", proc.stderr
