"""One iteration, done right: incumbent first, concurrent proposals, paired decisions in agent
order, and a result that holds both the last incumbent and the best profile seen."""

from __future__ import annotations

import asyncio
import math
import statistics
from pathlib import Path

import pytest
from loop_helpers import (
    FractionScript,
    Rendezvous,
    example_config,
    fraction,
    local_search,
    of_type,
    run_experiment,
    strip_run_id,
)

from cashloop import events as ev
from cashloop.plugin import PolicyProposal, PolicyRequest


async def test_reaching_max_iterations_is_reported_as_not_converged(tmp_path: Path) -> None:
    config = example_config("castro_exp1", convergence={"max_iterations": 3})
    result, events, _ = await run_experiment(config, tmp_path / "runs.db")
    assert result.num_iterations == 3
    assert result.converged is False
    assert result.convergence_reason == "max_iterations"
    (end,) = of_type(events, ev.EXPERIMENT_END)
    assert end["converged"] is False
    assert end["convergence_reason"] == "max_iterations"
    assert end["num_iterations"] == 3
    assert [e["iteration"] for e in of_type(events, ev.ITERATION_START)] == [1, 2, 3]


async def test_events_of_an_iteration_come_in_loop_order(tmp_path: Path) -> None:
    config = example_config("castro_exp1", convergence={"max_iterations": 2})
    _, events, _ = await run_experiment(config, tmp_path / "runs.db")
    kinds = [e["event_type"] for e in events]
    assert kinds[0] == ev.EXPERIMENT_START
    assert kinds[-2:] == [ev.CONVERGENCE, ev.EXPERIMENT_END]
    first = [e["event_type"] for e in events if e["iteration"] == 1]
    assert first == [
        ev.ITERATION_START,
        ev.BOOTSTRAP_EVALUATION,
        ev.LLM_CALL,
        ev.LLM_CALL,
        ev.POLICY_CHANGE,
        ev.POLICY_CHANGE,
        ev.ITERATION_COMPLETE,
    ]


async def test_candidates_are_judged_in_the_configured_agent_order(tmp_path: Path) -> None:
    config = example_config(
        "castro_exp1", optimized_agents=["BANK_B", "BANK_A"], convergence={"max_iterations": 3}
    )
    _, events, _ = await run_experiment(config, tmp_path / "runs.db")
    for iteration in (1, 2, 3):
        judged = [e["agent_id"] for e in of_type(events, ev.POLICY_CHANGE, iteration=iteration)]
        asked = [e["agent_id"] for e in of_type(events, ev.LLM_CALL, iteration=iteration)]
        assert judged == ["BANK_B", "BANK_A"]
        assert asked == ["BANK_B", "BANK_A"]


async def test_proposals_for_all_agents_are_requested_concurrently(tmp_path: Path) -> None:
    # each request waits until the other agent's request is in flight too; asked one after the
    # other, the first request would time out
    client = Rendezvous(local_search(), agents=2)
    config = example_config("castro_exp1", convergence={"max_iterations": 2})
    _, events, _ = await run_experiment(config, tmp_path / "runs.db", client=client)
    assert len(of_type(events, ev.POLICY_CHANGE)) == 4
    assert all(e["error"] is None for e in of_type(events, ev.LLM_CALL))


async def test_only_the_optimized_agents_get_new_policies(tmp_path: Path) -> None:
    client = FractionScript({"BANK_A": [0.1]})
    config = example_config(
        "castro_exp1", optimized_agents=["BANK_A"], convergence={"max_iterations": 2}
    )
    result, events, _ = await run_experiment(config, tmp_path / "runs.db", client=client)
    assert {r.agent_id for r in client.requests} == {"BANK_A"}
    assert fraction(result.final_policies["BANK_B"]) == 0.5  # BANK_B's initial policy
    assert {e["agent_id"] for e in of_type(events, ev.POLICY_CHANGE)} == {"BANK_A"}


async def test_paired_t_decisions_follow_the_t_table(tmp_path: Path) -> None:
    """castro_exp2 (20 samples, paired-t at alpha 0.05 per decision): every decision is a
    one-sided t-test on the event's own sample deltas, and its bound is the one-sided 95 % bound
    consistent with the test (accepted exactly when it is above zero)."""
    config = example_config(
        "castro_exp2",
        evaluation={
            "num_samples": 20,
            "acceptance": {"rule": "paired-t", "alpha": 0.05, "error_control": "decision"},
        },
    )
    _, events, _ = await run_experiment(config, tmp_path / "runs.db")
    changes = of_type(events, ev.POLICY_CHANGE)
    assert changes
    t_05 = 1.729  # one-sided 5% point of t with 19 df
    noisy_gains = 0
    for change in changes:
        deltas = change["sample_deltas"]
        assert len(deltas) == 20
        assert change["delta"] == change["old_cost"] - change["new_cost"]
        mean = statistics.fmean(deltas)
        se = statistics.stdev(deltas) / math.sqrt(len(deltas))
        assert change["mean_delta"] == pytest.approx(mean, abs=1e-6)
        if se == 0:  # every sample moved by the same amount: the sign decides
            assert change["accepted"] is (mean > 0)
            continue
        t = mean / se
        assert change["accepted"] is (t > t_05), change
        assert change["lower_bound"] == pytest.approx(mean - t_05 * se, rel=1e-3, abs=1e-3)
        assert (change["lower_bound"] > 0) is change["accepted"]
        assert change["samples"] == 20 and change["alpha"] == 0.05
        assert (change["p_value"] < 0.05) is (t > t_05)
        noisy_gains += mean > 0 and not change["accepted"]
    # a candidate cheaper on average but not significantly so was kept out at least once
    assert noisy_gains >= 1


async def test_mean_improvement_accepts_a_positive_mean_paired_delta(tmp_path: Path) -> None:
    config = example_config(
        "castro_exp2",
        evaluation={"num_samples": 5, "acceptance": {"rule": "mean-improvement"}},
        convergence={"max_iterations": 4},
    )
    _, events, _ = await run_experiment(config, tmp_path / "runs.db")
    changes = of_type(events, ev.POLICY_CHANGE)
    assert {c["accepted"] for c in changes} == {True, False}
    for change in changes:
        assert change["accepted"] is (sum(change["sample_deltas"]) > 0)


async def test_accepted_candidates_become_the_incumbent(tmp_path: Path) -> None:
    config = example_config("castro_exp1", convergence={"max_iterations": 4})
    result, events, _ = await run_experiment(config, tmp_path / "runs.db")
    incumbent = {a: p for a, p in of_type(events, ev.ITERATION_COMPLETE)[0]["policies"].items()}
    for iteration in (2, 3, 4):
        for change in of_type(events, ev.POLICY_CHANGE, iteration=iteration):
            assert change["old_policy"] == incumbent[change["agent_id"]]
        (done,) = of_type(events, ev.ITERATION_COMPLETE, iteration=iteration)
        for change in of_type(events, ev.POLICY_CHANGE, iteration=iteration):
            expected = change["new_policy"] if change["accepted"] else change["old_policy"]
            assert done["policies"][change["agent_id"]] == expected
            assert done["accepted_changes"][change["agent_id"]] is change["accepted"]
        incumbent = done["policies"]
    assert result.final_policies == incumbent


async def test_temporal_mode_adopts_a_worse_policy_and_keeps_the_best_profile(
    tmp_path: Path,
) -> None:
    # castro_exp1 starts both banks at fraction 0.5; 1.0 commits twice the liquidity
    client = FractionScript({"BANK_A": [1.0], "BANK_B": [1.0]})
    config = example_config(
        "castro_exp1",
        evaluation={"mode": "temporal"},
        convergence={"max_iterations": 10, "stability_window": 3, "no_change_window": 3},
    )
    result, events, _ = await run_experiment(config, tmp_path / "runs.db", client=client)

    first = of_type(events, ev.POLICY_CHANGE, iteration=1)
    assert [c["accepted"] for c in first] == [True, True]
    assert all(c["delta"] < 0 for c in first)  # worse, adopted anyway
    # the policies stopped changing, but the script never said it was done searching, and
    # (1.0, 1.0) is no equilibrium: the run stalled, it did not converge
    assert result.converged is False
    assert result.convergence_reason == "stalled"
    (convergence,) = of_type(events, ev.CONVERGENCE)
    assert convergence["diagnostics"]["criterion"] == "policies_stable"
    assert result.num_iterations == 4  # one change, then three iterations without one

    assert {a: fraction(p) for a, p in result.final_policies.items()} == {
        "BANK_A": 1.0,
        "BANK_B": 1.0,
    }
    assert {a: fraction(p) for a, p in result.best_policies.items()} == {
        "BANK_A": 0.5,
        "BANK_B": 0.5,
    }
    assert result.best_cost < result.final_cost
    assert result.best_iteration == 1
    (end,) = of_type(events, ev.EXPERIMENT_END)
    assert end["best_policies"] == result.best_policies
    assert end["final_policies"] == result.final_policies
    assert end["best_cost"] == result.best_cost < end["final_cost"] == result.final_cost


async def test_costs_are_integer_cents_everywhere(tmp_path: Path) -> None:
    config = example_config(
        "castro_exp2", evaluation={"num_samples": 3}, convergence={"max_iterations": 2}
    )
    result, events, _ = await run_experiment(config, tmp_path / "runs.db")
    for event in of_type(events, ev.ITERATION_START) + of_type(events, ev.ITERATION_COMPLETE):
        assert all(type(c) is int for c in event["costs_per_agent"].values())
    for change in of_type(events, ev.POLICY_CHANGE):
        assert all(type(d) is int for d in change["sample_deltas"])
        assert type(change["old_cost"]) is int and type(change["new_cost"]) is int
    assert all(type(c) is int for c in result.final_costs.values())
    assert all(type(c) is int for c in result.best_costs.values())


class _Delayed:
    """Answers like ``inner``, but ``slow`` answers late, and counts requests in flight."""

    def __init__(self, inner: object, slow: str) -> None:
        self.inner = inner
        self.slow = slow
        self.in_flight = 0
        self.most_in_flight = 0

    async def propose(self, request: PolicyRequest) -> PolicyProposal:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        await asyncio.sleep(0.03 if request.agent_id == self.slow else 0.0)
        self.in_flight -= 1
        return await self.inner.propose(request)  # type: ignore[attr-defined]


async def test_the_event_log_does_not_depend_on_which_answer_arrives_first(
    tmp_path: Path,
) -> None:
    config = example_config("castro_exp1", convergence={"max_iterations": 3})
    a_late = _Delayed(local_search(), slow="BANK_A")
    b_late = _Delayed(local_search(), slow="BANK_B")
    _, first, _ = await run_experiment(config, tmp_path / "a.db", client=a_late)
    _, second, _ = await run_experiment(config, tmp_path / "b.db", client=b_late)
    assert strip_run_id(first) == strip_run_id(second)
    assert a_late.most_in_flight == b_late.most_in_flight == 2


async def test_llm_concurrency_bounds_the_requests_in_flight(tmp_path: Path) -> None:
    client = _Delayed(local_search(), slow="BANK_A")
    config = example_config(
        "castro_exp1", llm={"concurrency": 1}, convergence={"max_iterations": 2}
    )
    await run_experiment(config, tmp_path / "runs.db", client=client)
    assert client.most_in_flight == 1


async def test_a_run_can_stop_on_statistical_convergence(tmp_path: Path) -> None:
    config = example_config(
        "castro_exp2",
        evaluation={"num_samples": 8},
        convergence={
            "max_iterations": 30,
            "stability_window": 5,  # 4 values can never show a trend at trend_alpha 0.05
            "stability_threshold": 0.0,
            "no_change_window": 30,
            "cv_threshold": 0.5,
            # at 8 samples the profile found is often exploitable, which would make it a stall
            "equilibrium_report": False,
        },
    )
    result, events, _ = await run_experiment(config, tmp_path / "runs.db")
    assert result.convergence_reason == "statistical_convergence"
    assert result.converged is True
    assert result.num_iterations < 30
    (convergence,) = of_type(events, ev.CONVERGENCE)
    diagnostics = convergence["diagnostics"]
    assert diagnostics["cv"] <= 0.5 and diagnostics["trend_p"] >= 0.05
