"""A complete, realistic event log of a two-iteration run, every event type included."""

from __future__ import annotations

from typing import Any

import pytest


def _policy(policy_id: str, fraction: float, action: str = "Release") -> dict[str, Any]:
    return {
        "version": "2.0",
        "policy_id": policy_id,
        "parameters": {"initial_liquidity_fraction": fraction},
        "payment_tree": {"type": "action", "node_id": "root", "action": action},
    }


def _event(event_type: str, iteration: int, /, **data: Any) -> dict[str, Any]:
    return {"event_type": event_type, "iteration": iteration, **data}


def build_run_events() -> list[dict[str, Any]]:
    a0, b0 = _policy("a0", 0.5), _policy("b0", 0.5)
    a1 = _policy("a1", 0.25, action="Hold")
    seeds = [
        {"seed": 11, "cost": 150_000, "settled": 95, "total": 100, "settlement_rate": 0.95},
        {"seed": 12, "cost": 146_912, "settled": 100, "total": 100, "settlement_rate": 1.0},
    ]
    return [
        _event(
            "experiment_start",
            0,
            experiment_name="castro-exp2",
            run_id="run-0001",
            max_iterations=2,
            num_samples=2,
            evaluation_mode="paired",
            model="gpt-4.1",
            agents=["BANK_A", "BANK_B"],
            master_seed=42,
            acceptance_rule="paired-t",
            evaluator="rtgs: 2 banks, 100 ticks",
        ),
        _event(
            "iteration_start",
            1,
            iteration=1,
            total_cost=148_456,
            costs_per_agent={"BANK_A": 123_456, "BANK_B": 25_000},
        ),
        _event(
            "bootstrap_evaluation",
            1,
            agent_id=None,
            seed_results=seeds,
            mean_cost=148_456,
            std_cost=1_544,
        ),
        _event(
            "llm_call",
            1,
            agent_id="BANK_A",
            attempt=1,
            model="gpt-4.1",
            prompt_tokens=1_234,
            completion_tokens=567,
            latency_seconds=2.5,
            system_prompt="You are a [bold]cash manager[/bold].",
            user_prompt="Current cost $1,234.56; propose a policy.",
            raw_response='```json\n{"policy_id": "a1"}\n```',
            error=None,
        ),
        _event(
            "llm_call",
            1,
            agent_id="BANK_B",
            attempt=1,
            model="gpt-4.1",
            prompt_tokens=1_000,
            completion_tokens=12,
            latency_seconds=1.0,
            system_prompt="sys",
            user_prompt="user",
            raw_response="no json here",
            error=None,
        ),
        _event(
            "policy_rejected",
            1,
            agent_id="BANK_B",
            rejection_reason="constraint_violation",
            validation_errors=["initial_liquidity_fraction must be <= 1.0, got 1.5"],
            attempts=3,
        ),
        _event(
            "bootstrap_evaluation",
            1,
            agent_id="BANK_A",
            seed_results=seeds,
            mean_cost=100_000,
            std_cost=0,
        ),
        _event(
            "policy_change",
            1,
            agent_id="BANK_A",
            old_policy=a0,
            new_policy=a1,
            old_cost=123_456,
            new_cost=100_000,
            delta=23_456,
            accepted=True,
            reason="paired-t: mean saving significant",
            sample_deltas=[23_000, 23_912],
            mean_delta=23_456.0,
            ci_lower=20_000.125,
            ci_upper=26_911.875,
            p_value=0.0031,
        ),
        _event(
            "iteration_complete",
            1,
            iteration=1,
            costs_per_agent={"BANK_A": 100_000, "BANK_B": 25_000},
            accepted_changes={"BANK_A": True, "BANK_B": False},
            policies={"BANK_A": a1, "BANK_B": b0},
            total_cost=125_000,
        ),
        _event(
            "iteration_start",
            2,
            iteration=2,
            total_cost=125_000,
            costs_per_agent={"BANK_A": 100_000, "BANK_B": 25_000},
        ),
        _event(
            "equilibrium",
            2,
            agents={
                "BANK_A": {
                    "epsilon": 5_892,
                    "epsilon_lower": 4_470,
                    "epsilon_upper": 7_314,
                    "relative_epsilon": 0.2647,
                    "best_deviation": {"initial_liquidity_fraction": 0.14375},
                    "samples": 4_000,
                    "cost": 22_260,
                    "passes": False,
                },
                "BANK_B": {
                    "epsilon": -184,
                    "epsilon_lower": -412,
                    "epsilon_upper": 44,
                    "relative_epsilon": -0.0108,
                    "best_deviation": {"initial_liquidity_fraction": 0.146875},
                    "samples": 4_000,
                    "cost": 17_037,
                    "passes": True,
                },
            },
            passes=False,
            lower_bound_only=True,
            tolerance=0.02,
        ),
        _event(
            "convergence",
            2,
            reason="max_iterations",
            diagnostics={"window": 5, "relative_change": 0.0125},
        ),
        _event(
            "experiment_end",
            2,
            final_cost=125_000,
            best_cost=125_000,
            converged=False,
            convergence_reason="max_iterations",
            num_iterations=2,
            final_costs={"BANK_A": 100_000, "BANK_B": 25_000},
            final_policies={"BANK_A": a1, "BANK_B": b0},
            best_costs={"BANK_A": 100_000, "BANK_B": 25_000},
            best_policies={"BANK_A": a1, "BANK_B": b0},
            best_iteration=1,
        ),
    ]


@pytest.fixture
def run_events() -> list[dict[str, Any]]:
    return build_run_events()


def render_to_text(events: list[dict[str, Any]], verbose: Any, width: int = 100) -> str:
    """Render ``events`` with ``render_event`` into plain text (no colour codes)."""
    import io

    from rich.console import Console

    from cashloop.runner.display import render_event

    console = Console(file=io.StringIO(), width=width, color_system=None, force_terminal=False)
    for event in events:
        render_event(event, console, verbose)
    output = console.file.getvalue()
    assert isinstance(output, str)
    return output


@pytest.fixture
def render() -> Any:
    return render_to_text
