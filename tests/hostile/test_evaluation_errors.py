"""A candidate that fails while it is evaluated is that candidate's failure: it is rejected with
the reason, the incumbent stays, and the run goes on to complete (exit 0)."""

from __future__ import annotations

from pathlib import Path

from hostile.hostile_helpers import (
    cli,
    dividing_policy,
    of_type,
    policy,
    stored_events,
    stored_runs,
    write_config,
)


def test_a_policy_dividing_by_a_zero_balance_is_rejected_and_the_run_completes(
    tmp_path: Path,
) -> None:
    failing = dividing_policy({"field": "balance"})  # BANK_B pays first, with a balance of 0
    config = write_config(
        tmp_path,
        answers={"BANK_A": [policy(0.1)], "BANK_B": [failing]},
        convergence={"max_iterations": 2},
    )
    db = tmp_path / "runs.db"

    assert cli("run", config, "--db", db) == 0

    events = stored_events(db)
    rejected = [e for e in of_type(events, "policy_rejected") if e["agent_id"] == "BANK_B"]
    assert [e["rejection_reason"] for e in rejected] == ["evaluation_error"] * 2
    assert "division by zero" in rejected[0]["validation_errors"][0]
    assert "BANK_B" in rejected[0]["validation_errors"][0]
    end = of_type(events, "experiment_end")[0]
    assert end["final_policies"]["BANK_B"]["policy_id"] != "candidate"  # the incumbent stayed
    assert [c for c in of_type(events, "policy_change") if c["agent_id"] == "BANK_A"]
    assert stored_runs(db)[0].status == "completed"


def test_a_literal_division_by_zero_is_refused_before_evaluation(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        answers=[dividing_policy({"value": 0})],
        convergence={"max_iterations": 1},
    )
    db = tmp_path / "runs.db"

    assert cli("run", config, "--db", db) == 0

    rejected = of_type(stored_events(db), "policy_rejected")
    assert {e["rejection_reason"] for e in rejected} == {"constraint_violation"}
    assert any("division by a literal 0" in m for e in rejected for m in e["validation_errors"])
