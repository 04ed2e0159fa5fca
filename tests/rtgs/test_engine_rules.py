"""Single rules of the tick loop, each on a small hand-computed scenario."""

from __future__ import annotations

from rtgs_helpers import HOLD, inline_evaluator, payment, policy, two_banks

from cashloop_rtgs.engine.costs import COMPONENTS


def run(data, policies, **options):
    [sample] = inline_evaluator(data, **options).evaluate(policies, [3])
    return sample


def breakdown(sample, agent="BANK_A"):
    return {c: sample.breakdown(agent)[c] for c in COMPONENTS if sample.breakdown(agent)[c]}


def test_overdue_in_q2_pays_one_penalty_and_five_fold_delay() -> None:
    """A owes 10000 due at tick 1 and has no money. Delay 0.01/cent: 100 per tick, 500 once
    overdue. t0, t1: 100 each. t2 > 1: marked overdue in the Q2 pass, penalty 777 once, 500.
    t3: 500. Close: deadline 1 < 3, EOD penalty 1000."""
    data = two_banks(scenario_events=[payment("BANK_A", "BANK_B", 10000, 0, 1)])
    sample = run(data, {})
    assert breakdown(sample) == {"delay_cost": 1200, "deadline_penalty": 777, "eod_penalty": 1000}
    assert sample.costs == {"BANK_A": 2977, "BANK_B": 0}
    assert sample.metrics["settled"] == 0.0 and sample.metrics["total"] == 1.0


def test_overdue_in_q1_is_marked_at_cost_time() -> None:
    """The same payment held in Q1: marked overdue when costs accrue at t2, so the penalty
    and the multiplier apply from that same tick: identical costs."""
    data = two_banks(scenario_events=[payment("BANK_A", "BANK_B", 10000, 0, 1)])
    sample = run(data, {"BANK_A": policy(0.5, HOLD)})
    assert breakdown(sample) == {"delay_cost": 1200, "deadline_penalty": 777, "eod_penalty": 1000}


def test_drop_accrues_nothing_and_stays_unsettled() -> None:
    data = two_banks(scenario_events=[payment("BANK_A", "BANK_B", 10000, 0, 1)])
    drop = {"type": "action", "node_id": "d", "action": "Drop"}
    sample = run(data, {"BANK_A": policy(0.5, drop)})
    assert sample.costs == {"BANK_A": 0, "BANK_B": 0}
    assert (sample.metrics["settled"], sample.metrics["total"]) == (0.0, 1.0)


def test_split_charges_friction_and_settles_the_parent_once() -> None:
    """9001 split in 3 (3000, 3000, 3001): friction (3-1)*1000; the three children settle
    from A's 10000; the original counts once as settled."""
    data = two_banks(scenario_events=[payment("BANK_A", "BANK_B", 9001, 0, 3)])
    data["agents"][0]["opening_balance"] = 10000
    split = {
        "type": "action",
        "node_id": "s",
        "action": "Split",
        "parameters": {"num_splits": {"value": 3}},
    }
    sample = run(data, {"BANK_A": policy(0.5, split)})
    assert breakdown(sample) == {"split_friction": 2000}
    assert (sample.metrics["settled"], sample.metrics["total"]) == (1.0, 1.0)


def test_split_leaves_a_child_waiting_when_money_runs_out() -> None:
    """Opening 6000: children 3000 and 3000 settle, 3001 waits; the parent is unsettled."""
    data = two_banks(scenario_events=[payment("BANK_A", "BANK_B", 9001, 0, 3)])
    data["agents"][0]["opening_balance"] = 6000
    split = {
        "type": "action",
        "node_id": "s",
        "action": "Split",
        "parameters": {"num_splits": {"value": 3}},
    }
    sample = run(data, {"BANK_A": policy(0.5, split)})
    assert sample.metrics["settled"] == 0.0
    # 3001 queued for 4 ticks at 0.01: round(30.01) = 30 per tick
    assert breakdown(sample) == {"delay_cost": 120, "split_friction": 2000}


def test_immediate_crediting_recycles_within_the_tick() -> None:
    """A pays B 5000 at t0; B owes A 5000 at t0 and has nothing. Without deferred crediting
    B's payment (after A's in sorted order) settles from A's money in the same tick."""
    events = [payment("BANK_A", "BANK_B", 5000, 0, 3), payment("BANK_B", "BANK_A", 5000, 0, 3)]
    data = two_banks(scenario_events=events)
    data["agents"][0]["opening_balance"] = 5000
    assert run(data, {}).costs == {"BANK_A": 0, "BANK_B": 0}
    deferred = run({**data, "deferred_crediting": True}, {})
    assert deferred.costs == {"BANK_A": 0, "BANK_B": 50}  # waits one tick: 0.01 * 5000


def test_snapshot_is_taken_before_any_decision() -> None:
    """Release if amount <= balance: both 6000 payments pass against the same balance 10000;
    the second cannot settle and waits in Q2 for the 3 remaining ticks (60 each)."""
    events = [payment("BANK_A", "BANK_B", 6000, 0, 3), payment("BANK_A", "BANK_B", 6000, 0, 3)]
    data = two_banks(scenario_events=events)
    data["agents"][0]["opening_balance"] = 10000
    tree = {
        "type": "condition",
        "node_id": "c",
        "condition": {"op": "<=", "left": {"field": "amount"}, "right": {"field": "balance"}},
        "on_true": {"type": "action", "node_id": "r", "action": "Release"},
        "on_false": HOLD,
    }
    sample = run(data, {"BANK_A": policy(0.5, tree)})
    assert breakdown(sample) == {"delay_cost": 240}


def test_scheduled_settlement_moves_money_at_its_tick() -> None:
    """B receives 8000 from A at t2 (a scheduled settlement), then its 8000 payment due at
    t3 settles at t2. Queued t0 and t1: 2 * 80."""
    move = {
        "type": "ScheduledSettlement",
        "from_agent": "BANK_A",
        "to_agent": "BANK_B",
        "amount": 8000,
        "schedule": {"type": "OneTime", "tick": 2},
    }
    data = two_banks(scenario_events=[move, payment("BANK_B", "BANK_A", 8000, 0, 3)])
    data["agents"][0]["opening_balance"] = 8000
    sample = run(data, {})
    assert sample.costs == {"BANK_A": 0, "BANK_B": 160}


def test_overdraft_within_the_unsecured_cap() -> None:
    """A (no money, cap 100000) pays 50000 at t0: balance -50000, 10 bps/tick: 50 per tick."""
    data = two_banks(scenario_events=[payment("BANK_A", "BANK_B", 50000, 0, 3)])
    data["agents"][0]["unsecured_cap"] = 100000
    data["cost_rates"]["overdraft_bps_per_tick"] = 10
    assert breakdown(run(data, {})) == {"overdraft_cost": 200}


def test_multi_day_reports_the_last_day() -> None:
    """Two days of 4 ticks; pool 100000 at fraction 0.5 with 10 bps/tick: 50 per tick. The
    day-0 payment, never affordable (cap 0, pool used up), is due at tick 1 and so overdue
    on day 1: delay 5 * 0.01 * 60000 = 3000 per tick of day 1 plus its EOD penalty, while its
    deadline penalty fell on day 0."""
    data = two_banks(
        simulation={"ticks_per_day": 4, "num_days": 2, "rng_seed": 1},
        scenario_events=[payment("BANK_A", "BANK_B", 60000, 0, 1)],
    )
    data["agents"][0]["liquidity_pool"] = 100000
    data["cost_rates"]["liquidity_cost_per_tick_bps"] = 10
    sample = run(data, {})
    assert breakdown(sample) == {
        "liquidity_cost": 4 * 50,
        "delay_cost": 4 * 3000,
        "eod_penalty": 1000,
    }


def test_arrivals_cap_at_next_day_under_simcash_and_last_tick_when_corrected() -> None:
    """One arrival per tick at most matters: with deadline_cap_at_eod, a stochastic payment
    arriving at the last tick is due at tick tpd (SimCash) or tpd - 1 clamped to t + 1."""
    data = two_banks(deadline_cap_at_eod=True)
    data["agents"][0]["arrival_config"] = {
        "rate_per_tick": 3.0,
        "amount_distribution": {"type": "Uniform", "min": 100, "max": 100},
        "deadline_range": [6, 6],
    }
    from cashloop_rtgs.engine.arrivals import generate_arrivals

    for semantics, last in (("simcash", 4), ("corrected", 3)):
        world = inline_evaluator(data, semantics=semantics).world
        schedule = generate_arrivals(world, 11)
        deadlines = {row[3] for tick in schedule[:3] for row in tick}
        assert deadlines <= {last}
        assert {row[3] for row in schedule[3]} <= {4}  # never before t + 1


def test_simcash_quirks_of_arrival_configs_and_their_corrections() -> None:
    """SimCash gives receivers missing from counterparty_weights weight 1.0 and turns a
    configured priority 0 into the default 5; corrected semantics use 0 for both."""
    from cashloop_rtgs.engine.arrivals import generate_arrivals

    data = two_banks()
    data["agents"].append({"id": "BANK_C"})
    data["agents"][0]["arrival_config"] = {
        "rate_per_tick": 5.0,
        "amount_distribution": {"type": "Uniform", "min": 10, "max": 20},
        "deadline_range": [1, 2],
        "counterparty_weights": {"BANK_B": 1.0},
        "priority": 0,
    }
    for semantics, receivers, priority in (("simcash", {1, 2}, 5), ("corrected", {1}, 0)):
        world = inline_evaluator(data, semantics=semantics).world
        rows = [row for tick in generate_arrivals(world, 4) for row in tick]
        assert {row[1] for row in rows} == receivers
        assert {row[4] for row in rows} == {priority}


def test_bilateral_offsetting_settles_gridlocked_pairs() -> None:
    """A owes B 10000 and B owes A 6000, both at t0; A has 4000, B nothing. Without LSM only
    nothing settles (delay 100 + 60 per tick); with bilateral offsetting A pays the net 4000 at
    t0 and both payments settle: no cost at all."""
    events = [payment("BANK_A", "BANK_B", 10000, 0, 3), payment("BANK_B", "BANK_A", 6000, 0, 3)]
    data = two_banks(scenario_events=events)
    data["agents"][0]["opening_balance"] = 4000
    assert run(data, {}).costs == {"BANK_A": 400, "BANK_B": 240}
    offset = run({**data, "lsm_config": {"enable_bilateral": True}}, {})
    assert offset.costs == {"BANK_A": 0, "BANK_B": 0}
    assert offset.metrics["settled"] == 2.0
    data["agents"][0]["opening_balance"] = 3999  # the net is not affordable: no offset
    assert run({**data, "lsm_config": {"enable_bilateral": True}}, {}).metrics["settled"] == 0.0
