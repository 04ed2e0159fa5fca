"""Honest stopping in whole runs: converged only when the search is exhausted (or the profile
passes the equilibrium check); stalled, no_valid_proposal and max_iterations otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
from loop_helpers import (
    FailingClient,
    FractionScript,
    example_config,
    fraction,
    of_type,
    run_experiment,
)

from cashloop import events as ev

#: Castro's analytical equilibrium of exp1; exp3's unique pure equilibrium, found by brute force
#: over the 0.01 grid in ``test_loop_equilibria.py``.
EQUILIBRIA = {"castro_exp1": (0.0, 0.2), "castro_exp3": (0.2, 0.2)}


@pytest.mark.parametrize("example", sorted(EQUILIBRIA))
@pytest.mark.parametrize("step", [0.07, 0.1, 0.13])
async def test_local_search_reaches_the_equilibrium_whatever_its_first_step(
    tmp_path: Path, example: str, step: float
) -> None:
    config = example_config(example, llm={"type": "local-search", "initial_step_fraction": step})
    result, events, _ = await run_experiment(config, tmp_path / "runs.db")

    a_star, b_star = EQUILIBRIA[example]
    assert fraction(result.final_policies["BANK_A"]) == pytest.approx(a_star, abs=0.005)
    assert fraction(result.final_policies["BANK_B"]) == pytest.approx(b_star, abs=0.005)
    assert result.converged is True
    (last,) = of_type(events, ev.ITERATION_COMPLETE, iteration=result.num_iterations)
    assert last["exhausted"] is True  # it stopped because the search was done


async def test_the_quiet_window_waits_for_the_smallest_step(tmp_path: Path) -> None:
    # exp1 from 0.13 used to stop at B = 0.2075 when 8 quiet iterations passed mid-search
    config = example_config(
        "castro_exp1",
        llm={"type": "local-search", "initial_step_fraction": 0.13},
        convergence={"no_change_window": 3, "stability_window": 3},
    )
    result, events, _ = await run_experiment(config, tmp_path / "runs.db")
    calls = of_type(events, ev.LLM_CALL)
    assert [c["exhausted"] for c in calls][-2:] == [True, True]
    assert calls[0]["exhausted"] is False
    assert fraction(result.final_policies["BANK_B"]) == pytest.approx(0.2, abs=0.005)


async def test_a_stalled_run_is_never_reported_converged(tmp_path: Path) -> None:
    # a proposer stuck at (1.0, 1.0), far from exp1's equilibrium: nothing more is accepted
    client = FractionScript({"BANK_A": [1.0], "BANK_B": [1.0]})
    config = example_config(
        "castro_exp1", convergence={"max_iterations": 12, "no_change_window": 3}
    )
    result, events, _ = await run_experiment(config, tmp_path / "runs.db", client=client)

    assert result.num_iterations < 12
    assert result.converged is False
    assert result.convergence_reason == "stalled"
    (convergence,) = of_type(events, ev.CONVERGENCE)
    assert convergence["reason"] == "stalled"
    assert convergence["diagnostics"]["criterion"] == "no_accepted_changes"
    (end,) = of_type(events, ev.EXPERIMENT_END)
    assert (end["converged"], end["convergence_reason"]) == (False, "stalled")


async def test_a_run_whose_proposer_never_answers_is_llm_unavailable(tmp_path: Path) -> None:
    config = example_config(
        "castro_exp1",
        llm={"max_retries": 0},
        convergence={"max_iterations": 10, "no_change_window": 3},
    )
    result, events, _ = await run_experiment(config, tmp_path / "runs.db", client=FailingClient())
    # the detector stops it for want of a valid proposal; no call was ever answered, so the
    # provider's failure is the reason
    assert (result.converged, result.convergence_reason) == (False, "llm_unavailable")
    assert result.num_iterations == 3
    assert all(done["proposed"] is False for done in of_type(events, ev.ITERATION_COMPLETE))
