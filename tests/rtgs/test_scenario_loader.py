"""Scenario files load into checked value objects, or fail with every problem and its path."""

from __future__ import annotations

import copy
import json

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from rtgs_helpers import SCENARIOS, payment, two_banks

from cashloop.errors import ConfigError
from cashloop_rtgs.errors import ScenarioError
from cashloop_rtgs.scenario import load_scenario, scenario_from_dict


def errors(data) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    return list(info.value.errors)


def with_arrivals(**arrival) -> dict:
    data = two_banks()
    data["agents"][0]["arrival_config"] = {
        "rate_per_tick": 1.0,
        "amount_distribution": {"type": "LogNormal", "mean": 100, "std_dev": 10},
        "deadline_range": [2, 4],
        **arrival,
    }
    return data


@pytest.mark.parametrize("name", ["castro_exp1", "castro_exp2", "castro_exp3"])
def test_examples_load(name: str) -> None:
    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    assert scenario.agent_ids == ("BANK_A", "BANK_B")
    assert scenario.deferred_crediting and scenario.deadline_cap_at_eod


def test_scenario_errors_are_config_errors_with_the_source(tmp_path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("simulation: {ticks_per_day: 0}\nagents: []\n")
    with pytest.raises(ConfigError) as info:
        load_scenario(path)
    message = str(info.value)
    assert str(path) in message
    assert "simulation.ticks_per_day: must be >= 1, got 0" in message
    assert "agents: at least one agent is required" in message


def test_unreadable_and_malformed_files(tmp_path) -> None:
    with pytest.raises(ScenarioError, match="cannot read the scenario file"):
        load_scenario(tmp_path / "missing.yaml")
    (tmp_path / "x.yaml").write_text("agents: [\n")
    with pytest.raises(ScenarioError, match="not valid YAML"):
        load_scenario(tmp_path / "x.yaml")
    (tmp_path / "y.yaml").write_text("- 1\n")
    with pytest.raises(ScenarioError, match="must be a mapping of sections"):
        load_scenario(tmp_path / "y.yaml")
    (tmp_path / "latin1.yaml").write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ScenarioError, match=r"not UTF-8 text \(byte 9\); save it as UTF-8"):
        load_scenario(tmp_path / "latin1.yaml")


def test_unknown_agents_in_events_and_weights() -> None:
    data = with_arrivals(counterparty_weights={"BANK_Z": 1.0, "BANK_A": 1.0})
    data["scenario_events"] = [payment("BANK_A", "BANK_Q", 5, 0, 1)]
    found = errors(data)
    assert (
        "agents[0].arrival_config.counterparty_weights: unknown agent 'BANK_Z'; agents: "
        "BANK_A, BANK_B"
    ) in found
    assert (
        "agents[0].arrival_config.counterparty_weights: an agent cannot pay itself ('BANK_A')"
    ) in found
    assert "scenario_events[0].to_agent: unknown agent 'BANK_Q'; agents: BANK_A, BANK_B" in found


def test_negative_amounts_reversed_ranges_and_fractions() -> None:
    data = with_arrivals(deadline_range=[5, 3], priority=11)
    data["agents"][1].update(
        opening_balance=-1, liquidity_pool=-5, liquidity_allocation_fraction=1.2
    )
    data["scenario_events"] = [payment("BANK_A", "BANK_B", -10, 0, 1)]
    data["cost_rates"]["deadline_penalty"] = -3
    data["eod_rush_threshold"] = 2
    found = errors(data)
    for expected in (
        "agents[0].arrival_config.deadline_range: reversed range [5, 3]",
        "agents[0].arrival_config.priority: must be in 0..10, got 11",
        "agents[1].opening_balance: must be >= 0 cents, got -1",
        "agents[1].liquidity_pool: must be >= 0 cents, got -5",
        "agents[1].liquidity_allocation_fraction: must be in [0, 1], got 1.2",
        "scenario_events[0].amount: must be > 0 cents, got -10",
        "cost_rates.deadline_penalty: must be a non-negative number, got -3",
        "eod_rush_threshold: must be in [0, 1], got 2.0",
    ):
        assert expected in found


def test_distribution_problems() -> None:
    found = errors(with_arrivals(amount_distribution={"type": "Uniform", "min": 9, "max": 3}))
    assert found == ["agents[0].arrival_config.amount_distribution: reversed range, max 3 < min 9"]
    found = errors(with_arrivals(amount_distribution={"type": "Lognormal", "mean": 1}))
    assert found == [
        "agents[0].arrival_config.amount_distribution.type: distribution type "
        "'Lognormal' is unknown; allowed: Uniform, Normal, LogNormal, Exponential"
    ]
    found = errors(with_arrivals(amount_distribution={"type": "Exponential", "lambda": -1}))
    assert found == ["agents[0].arrival_config.amount_distribution.lambda: must be > 0, got -1.0"]
    found = errors(with_arrivals(amount_distribution={"type": "Exponential", "lamda": 1}))
    assert any("lambda" in e and "required" in e for e in found), found


def test_unknown_keys_and_wrong_types_name_their_path() -> None:
    data = two_banks()
    data["agents"][0]["colour"] = "red"
    data["simulation"]["num_days"] = "two"
    found = errors(data)
    assert any(e.startswith("agents[0]: unknown key(s) colour") for e in found), found
    assert any(e.startswith("simulation.num_days: expected int") for e in found), found


def test_event_and_schedule_tags() -> None:
    data = two_banks(
        scenario_events=[
            {"type": "Transfer"},
            {
                "type": "ScheduledSettlement",
                "from_agent": "BANK_A",
                "to_agent": "BANK_B",
                "amount": 1,
                "schedule": {"type": "Daily"},
            },
        ]
    )
    assert errors(data) == [
        "scenario_events[0].type: event type 'Transfer' is unknown; allowed: "
        "CustomTransactionArrival, ScheduledSettlement, DirectTransfer",
        "scenario_events[1].schedule.type: schedule type 'Daily' is unknown; allowed: OneTime, "
        "Repeating",
    ]


def test_agent_policy_inline_or_from_a_file(tmp_path) -> None:
    policy = {"version": "2.0", "policy_id": "p", "parameters": {"initial_liquidity_fraction": 0.1}}
    (tmp_path / "p.json").write_text(json.dumps(policy))
    data = two_banks()
    data["agents"][0]["policy"] = "p.json"
    data["agents"][1]["policy"] = {
        "version": "2.0",
        "policy_id": "q",
        "payment_tree": {"type": "action", "node_id": "a", "action": "Relase"},
    }
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data, base_dir=tmp_path)
    assert list(info.value.errors) == [
        "agents[1].policy.payment_tree: unknown action 'Relase'; allowed: Release, Hold, "
        "Split, Drop"
    ]
    del data["agents"][1]["policy"]
    scenario = scenario_from_dict(data, base_dir=tmp_path)
    assert scenario.agents[0].policy == policy
    data["agents"][0]["policy"] = "missing.json"
    assert any("cannot read" in e for e in errors(data))


def test_absurd_run_lengths_are_refused() -> None:
    data = two_banks(simulation={"ticks_per_day": 100_000, "num_days": 100})
    assert errors(data) == [
        "simulation: 100000 ticks per day for 100 days is more than the 1,000,000 ticks a run "
        "may have"
    ]


def test_cycles_are_refused() -> None:
    assert errors(two_banks(lsm_config={"enable_cycles": True})) == [
        "lsm_config.enable_cycles: multilateral cycle settlement is not implemented by the "
        "rtgs evaluator; set it to false"
    ]


BASE = yaml.safe_load((SCENARIOS / "castro_exp2.yaml").read_text())
PATHS = [
    ("simulation", "ticks_per_day"),
    ("simulation", "rng_seed"),
    ("agents", 0, "id"),
    ("agents", 0, "arrival_config", "rate_per_tick"),
    ("agents", 1, "arrival_config", "amount_distribution"),
    ("agents", 1, "arrival_config", "deadline_range"),
    ("agents", 0, "arrival_config", "counterparty_weights"),
    ("cost_rates",),
    ("cost_rates", "delay_cost_per_tick_per_cent"),
    ("agents",),
    ("lsm_config",),
]
ANY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=True),
    st.text(max_size=5),
    st.lists(st.integers(-3, 9), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(PATHS), ANY, st.booleans()), max_size=4))
def test_any_mutation_loads_or_fails_cleanly(mutations) -> None:
    data = copy.deepcopy(BASE)
    for path, value, delete in mutations:
        target = data
        try:
            for key in path[:-1]:
                target = target[key]
            if delete:
                del target[path[-1]]
            else:
                target[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    try:
        scenario_from_dict(data)
    except ScenarioError as exc:
        assert exc.errors and all(isinstance(e, str) for e in exc.errors)
