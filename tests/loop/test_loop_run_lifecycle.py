"""A run's life: budget stops, failing output handlers and storage, interrupt and resume."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path
from typing import Any

import pytest
import structlog
from loop_helpers import (
    EXAMPLES,
    ExplodingOutput,
    FlakyStorage,
    FractionScript,
    PathOptions,
    StopAt,
    example_config,
    host_with,
    local_search,
    of_type,
    output_plugin,
    run_experiment,
    storage_plugin,
    strip_run_id,
)

from cashloop import events as ev
from cashloop.errors import StorageError
from cashloop.host import PluginHost
from cashloop.persistence import ExperimentRepository
from cashloop.runner.experiment_runner import GenericExperimentRunner

# -- budget --------------------------------------------------------------------------------------


async def test_token_budget_stops_the_run(tmp_path: Path) -> None:
    # 2 agents x 150 tokens = 300 tokens per iteration; 700 is passed during iteration 3
    client = FractionScript(
        {"BANK_A": [0.4, 0.3, 0.2, 0.1], "BANK_B": [0.4, 0.3, 0.2, 0.1]},
        prompt_tokens=100,
        completion_tokens=50,
    )
    config = example_config("castro_exp1", budget={"max_tokens": 700})
    result, events, _ = await run_experiment(config, tmp_path / "runs.db", client=client)
    assert result.convergence_reason == "budget_exceeded"
    assert result.converged is False
    assert result.num_iterations == 3
    (convergence,) = of_type(events, ev.CONVERGENCE)
    assert convergence["reason"] == "budget_exceeded"
    assert convergence["diagnostics"]["prompt_tokens"] == 600
    assert convergence["diagnostics"]["completion_tokens"] == 300


async def test_spending_budget_stops_the_run(tmp_path: Path) -> None:
    # per call: 100 * 1000 / 1e6 + 50 * 2000 / 1e6 = 0.2 USD; 0.4 USD per iteration
    client = FractionScript(
        {"BANK_A": [0.4], "BANK_B": [0.4]},
        model="mock-model",
        prompt_tokens=100,
        completion_tokens=50,
    )
    config = example_config(
        "castro_exp1",
        budget={"max_usd": 1.0, "prices": {"mock-model": {"prompt": 1000.0, "completion": 2000.0}}},
    )
    result, events, _ = await run_experiment(config, tmp_path / "runs.db", client=client)
    assert [c["cost_usd"] for c in of_type(events, ev.LLM_CALL, iteration=1)] == [0.2, 0.2]
    assert result.convergence_reason == "budget_exceeded"
    assert result.converged is False
    assert result.num_iterations == 3
    (end,) = of_type(events, ev.EXPERIMENT_END)
    assert end["convergence_reason"] == "budget_exceeded"


async def test_without_a_budget_token_use_does_not_stop_the_run(tmp_path: Path) -> None:
    client = FractionScript({"BANK_A": [0.4], "BANK_B": [0.4]}, prompt_tokens=10**6)
    config = example_config("castro_exp1", convergence={"max_iterations": 3})
    result, _, _ = await run_experiment(config, tmp_path / "runs.db", client=client)
    assert result.convergence_reason != "budget_exceeded"


# -- failing plugins -----------------------------------------------------------------------------


async def test_a_failing_output_handler_is_counted_and_the_run_goes_on(tmp_path: Path) -> None:
    broken = ExplodingOutput()
    host = host_with(output_plugin("exploding", broken))
    config = example_config("castro_exp1", outputs=["silent", "exploding"])
    runner = GenericExperimentRunner(config, db_path=tmp_path / "runs.db", host=host)
    with structlog.testing.capture_logs() as logs:
        result = await runner.run()

    reference, _, _ = await run_experiment(example_config("castro_exp1"), tmp_path / "ref.db")
    assert result.final_policies == reference.final_policies
    assert result.num_iterations == reference.num_iterations
    assert broken.calls == result.num_iterations
    assert len(broken.completed) == 1  # its other hooks were still called
    loop = runner._loop
    assert loop is not None
    assert dict(loop._dispatch.handler_failures) == {"output:exploding#1": result.num_iterations}
    failures = [e for e in logs if e.get("plugin") == "output:exploding#1"]
    assert len(failures) == result.num_iterations
    assert "display broke" in failures[0]["error"]
    with ExperimentRepository(tmp_path / "runs.db") as repo:
        assert repo.get_run(result.run_id).status == "completed"


async def test_a_failing_storage_backend_stops_the_run_and_marks_it_failed(
    tmp_path: Path,
) -> None:
    db = tmp_path / "runs.db"

    def flaky(options: PathOptions) -> FlakyStorage:
        inner = PluginHost.load().registry.create(
            "storage", "sqlite", {"path": str(options.path)}, "storage", EXAMPLES
        )
        return FlakyStorage(inner, fail_at=2)  # the third iteration cannot be written

    host = host_with(storage_plugin("flaky", flaky, PathOptions))
    config = example_config("castro_exp1", storage={"type": "flaky"})
    runner = GenericExperimentRunner(config, db_path=db, host=host)
    with pytest.raises(StorageError, match="disk I/O error"):
        await runner.run()

    assert runner.run_id is not None
    assert runner.state_provider is not None
    live = list(runner.state_provider.get_all_events())
    assert not of_type(live, ev.ITERATION_START, iteration=4)  # nothing ran past the failure
    with ExperimentRepository(db) as repo:
        assert repo.get_run(runner.run_id).status == "failed"
        stored = repo.as_state_provider(runner.run_id)
        assert stored.get_total_iterations() == 2
        events = list(stored.get_all_events())
    assert events[-1]["event_type"] == ev.ITERATION_COMPLETE
    assert events[-1]["iteration"] == 2

    # a failed run is resumable, and finishes as if nothing had happened
    resumed = await GenericExperimentRunner(
        example_config("castro_exp1"), db_path=db, run_id=runner.run_id, resume_events=events
    ).run()
    reference, _, _ = await run_experiment(example_config("castro_exp1"), db)
    assert resumed.final_policies == reference.final_policies
    status, after = _stored(db, runner.run_id)
    assert status == "completed"
    assert strip_run_id(after) == strip_run_id(_stored(db, reference.run_id)[1])


# -- interrupt and resume ------------------------------------------------------------------------


def _stored(db: Path, run_id: str) -> tuple[str, list[dict[str, Any]]]:
    with ExperimentRepository(db) as repo:
        status = repo.get_run(run_id).status
        return status, list(repo.as_state_provider(run_id).get_all_events())


async def _resume(db: Path, run_id: str) -> Any:
    status, events = _stored(db, run_id)
    assert status == "interrupted"
    runner = GenericExperimentRunner(
        example_config("castro_exp1"), db_path=db, run_id=run_id, resume_events=events
    )
    return await runner.run()


async def _cancelled_at(db: Path, iteration: int) -> str:
    """Run castro_exp1 until its proposals in ``iteration`` are cancelled; the run's id."""
    client = StopAt(local_search(), iteration=iteration, exc=asyncio.CancelledError)
    runner = GenericExperimentRunner(example_config("castro_exp1"), db_path=db, llm_client=client)
    with pytest.raises(asyncio.CancelledError):
        await runner.run()
    assert runner.run_id is not None
    return runner.run_id


async def test_a_cancelled_run_is_interrupted_and_resume_finishes_it(tmp_path: Path) -> None:
    db = tmp_path / "runs.db"
    reference, _, _ = await run_experiment(example_config("castro_exp1"), db)

    run_id = await _cancelled_at(db, 4)
    status, events = _stored(db, run_id)
    assert status == "interrupted"
    # whole iterations only: the one in flight is lost
    assert events[-1]["event_type"] == ev.ITERATION_COMPLETE and events[-1]["iteration"] == 3

    resumed = await _resume(db, run_id)
    assert resumed.run_id == run_id
    assert resumed.final_policies == reference.final_policies
    assert resumed.num_iterations == reference.num_iterations
    assert resumed.converged is reference.converged
    status, events = _stored(db, run_id)
    assert status == "completed"
    _, full = _stored(db, reference.run_id)
    assert strip_run_id(events) == strip_run_id(full)


def test_a_keyboard_interrupt_marks_the_run_interrupted_and_resume_finishes_it(
    tmp_path: Path,
) -> None:
    db = tmp_path / "runs.db"
    reference, _, _ = asyncio.run(run_experiment(example_config("castro_exp1"), db))

    client = StopAt(local_search(), iteration=2, exc=KeyboardInterrupt)
    runner = GenericExperimentRunner(example_config("castro_exp1"), db_path=db, llm_client=client)
    with pytest.raises(KeyboardInterrupt):
        asyncio.run(runner.run())
    # the proposal task that raised is finalized (and its error logged by asyncio) now, not
    # at a random later garbage collection
    gc.collect()
    assert runner.run_id is not None
    status, events = _stored(db, runner.run_id)
    assert status == "interrupted"
    assert events[-1]["iteration"] == 1

    resumed = asyncio.run(_resume(db, runner.run_id))
    assert resumed.final_policies == reference.final_policies
    assert _stored(db, runner.run_id)[0] == "completed"


async def test_a_run_interrupted_in_its_first_iteration_can_be_resumed(tmp_path: Path) -> None:
    db = tmp_path / "runs.db"
    reference, _, _ = await run_experiment(example_config("castro_exp1"), db)
    run_id = await _cancelled_at(db, 1)
    assert _stored(db, run_id)[0] == "interrupted"

    resumed = await _resume(db, run_id)
    assert resumed.final_policies == reference.final_policies
    assert _stored(db, run_id)[0] == "completed"


async def test_a_resumed_run_reports_the_whole_iteration_history(tmp_path: Path) -> None:
    db = tmp_path / "runs.db"
    reference, _, ref_runner = await run_experiment(example_config("castro_exp1"), db)
    run_id = await _cancelled_at(db, 4)
    _, events = _stored(db, run_id)
    resumed_runner = GenericExperimentRunner(
        example_config("castro_exp1"), db_path=db, run_id=run_id, resume_events=events
    )
    resumed = await resumed_runner.run()

    assert resumed.final_policies == reference.final_policies  # (this part holds)
    live = resumed_runner.state_provider
    assert live is not None and ref_runner.state_provider is not None
    assert live.get_iteration_costs(0) == ref_runner.state_provider.get_iteration_costs(0)
    assert resumed.iteration_history == reference.iteration_history
