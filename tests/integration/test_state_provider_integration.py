"""The seed plan's LiveStateProvider integration tests, with the package path changed."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from rich.console import Console
from state_provider_helpers import (
    create_test_experiment_config,
    create_test_experiment_config_with_constraints,
    create_test_experiment_config_with_llm,
    get_test_config_dir,
)

from cashloop.persistence import ExperimentRepository
from cashloop.runner.display import display_experiment_output
from cashloop.runner.experiment_runner import GenericExperimentRunner
from cashloop.runner.optimization import OptimizationLoop
from cashloop.runner.state_provider import LiveStateProvider
from cashloop.runner.verbose import VerboseConfig


def test_optimization_loop_creates_state_provider() -> None:
    config = create_test_experiment_config()
    loop = OptimizationLoop(config=config, config_dir=Path("."))
    assert loop._state_provider is not None
    assert isinstance(loop._state_provider, LiveStateProvider)


def test_state_provider_has_experiment_metadata() -> None:
    config = create_test_experiment_config(name="test_exp")
    loop = OptimizationLoop(config=config, config_dir=Path("."))
    info = loop._state_provider.get_experiment_info()
    assert info["experiment_name"] == "test_exp"
    assert info["experiment_type"] == "generic"
    assert info["run_id"] is not None


@pytest.mark.asyncio
async def test_iteration_start_events_recorded() -> None:
    config = create_test_experiment_config(max_iterations=2)
    loop = OptimizationLoop(config=config, config_dir=get_test_config_dir())
    await loop.run()
    events = list(loop._state_provider.get_all_events())
    iteration_starts = [e for e in events if e["event_type"] == "iteration_start"]
    assert len(iteration_starts) >= 1
    assert "iteration" in iteration_starts[0]
    assert "total_cost" in iteration_starts[0]


@pytest.mark.asyncio
async def test_iteration_costs_recorded() -> None:
    config = create_test_experiment_config(max_iterations=2)
    loop = OptimizationLoop(config=config, config_dir=get_test_config_dir())
    await loop.run()
    costs = loop._state_provider.get_iteration_costs(0)
    assert len(costs) > 0
    assert all(isinstance(v, int) for v in costs.values())  # INV-1: integer cents


@pytest.mark.asyncio
async def test_bootstrap_events_recorded() -> None:
    config = create_test_experiment_config(
        evaluation_mode="bootstrap", num_samples=3, max_iterations=1
    )
    loop = OptimizationLoop(config=config, config_dir=get_test_config_dir())
    await loop.run()
    events = list(loop._state_provider.get_all_events())
    bootstrap_events = [e for e in events if e["event_type"] == "bootstrap_evaluation"]
    assert len(bootstrap_events) >= 1
    assert "seed_results" in bootstrap_events[0]
    assert "mean_cost" in bootstrap_events[0]


@pytest.mark.asyncio
async def test_bootstrap_event_structure() -> None:
    config = create_test_experiment_config(
        evaluation_mode="bootstrap", num_samples=3, max_iterations=1
    )
    loop = OptimizationLoop(config=config, config_dir=get_test_config_dir())
    await loop.run()
    events = list(loop._state_provider.get_all_events())
    event = next(e for e in events if e["event_type"] == "bootstrap_evaluation")
    assert "seed_results" in event
    assert len(event["seed_results"]) == 3  # num_samples
    assert "seed" in event["seed_results"][0]
    assert "cost" in event["seed_results"][0]


@pytest.mark.asyncio
async def test_policy_change_events_recorded(mock_llm_client) -> None:  # type: ignore[no-untyped-def]
    config = create_test_experiment_config_with_llm(max_iterations=2)
    loop = OptimizationLoop(config=config, config_dir=get_test_config_dir())
    loop._llm_client = mock_llm_client
    await loop.run()
    events = list(loop._state_provider.get_all_events())
    policy_events = [e for e in events if e["event_type"] == "policy_change"]
    assert len(policy_events) > 0
    assert "agent_id" in policy_events[0]
    assert "old_cost" in policy_events[0]
    assert "new_cost" in policy_events[0]
    assert "accepted" in policy_events[0]


@pytest.mark.asyncio
async def test_policy_rejected_events_recorded(mock_llm_returns_invalid) -> None:  # type: ignore[no-untyped-def]
    config = create_test_experiment_config_with_constraints(max_iterations=1)
    loop = OptimizationLoop(config=config, config_dir=get_test_config_dir())
    loop._llm_client = mock_llm_returns_invalid
    await loop.run()
    events = list(loop._state_provider.get_all_events())
    rejected_events = [e for e in events if e["event_type"] == "policy_rejected"]
    assert len(rejected_events) > 0
    assert "agent_id" in rejected_events[0]
    assert "rejection_reason" in rejected_events[0]


@pytest.mark.asyncio
async def test_experiment_end_event_recorded() -> None:
    config = create_test_experiment_config(max_iterations=2)
    loop = OptimizationLoop(config=config, config_dir=get_test_config_dir())
    await loop.run()
    events = list(loop._state_provider.get_all_events())
    end_events = [e for e in events if e["event_type"] == "experiment_end"]
    assert len(end_events) == 1
    assert "final_cost" in end_events[0]
    assert "converged" in end_events[0]


@pytest.mark.asyncio
async def test_final_result_accessible() -> None:
    config = create_test_experiment_config(max_iterations=2)
    loop = OptimizationLoop(config=config, config_dir=get_test_config_dir())
    await loop.run()
    result = loop._state_provider.get_final_result()
    assert result is not None
    assert "final_cost" in result
    assert "best_cost" in result
    assert "converged" in result
    assert isinstance(result["final_cost"], int)  # INV-1


def test_runner_exposes_state_provider() -> None:
    config = create_test_experiment_config()
    runner = GenericExperimentRunner(config=config, config_dir=Path("."))
    assert hasattr(runner, "state_provider")


@pytest.mark.asyncio
async def test_display_with_live_provider() -> None:
    config = create_test_experiment_config(max_iterations=1)
    verbose_config = VerboseConfig.all_enabled()
    loop = OptimizationLoop(
        config=config, config_dir=get_test_config_dir(), verbose_config=verbose_config
    )
    await loop.run()
    console = Console(file=StringIO())
    display_experiment_output(loop._state_provider, console, verbose_config)
    output = console.file.getvalue()  # type: ignore[attr-defined]
    assert config.name in output
    assert "Iteration" in output


@pytest.mark.asyncio
async def test_run_replay_identity(tmp_path: Path) -> None:
    config = create_test_experiment_config(
        output_directory=str(tmp_path), output_database="test.db", max_iterations=2
    )
    verbose_config = VerboseConfig.all_enabled()
    runner = GenericExperimentRunner(
        config=config, verbose_config=verbose_config, config_dir=get_test_config_dir()
    )
    await runner.run()

    run_console = Console(file=StringIO())
    display_experiment_output(runner.state_provider, run_console, verbose_config)
    run_output = run_console.file.getvalue()  # type: ignore[attr-defined]

    repo = ExperimentRepository(tmp_path / "test.db")
    db_provider = repo.as_state_provider(runner._run_id)
    replay_console = Console(file=StringIO())
    display_experiment_output(db_provider, replay_console, verbose_config)
    replay_output = replay_console.file.getvalue()  # type: ignore[attr-defined]

    run_lines = [line for line in run_output.split("\n") if "Duration" not in line]
    replay_lines = [line for line in replay_output.split("\n") if "Duration" not in line]
    assert run_lines == replay_lines
    assert len(run_lines) > 20
