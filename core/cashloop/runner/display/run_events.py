"""Renderers of the run's frame: ``experiment_start``, ``convergence``, ``experiment_end``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.text import Text

from cashloop.runner.display.money import format_money
from cashloop.runner.display.printout import Printer
from cashloop.runner.display.tables import new_table, print_details, print_table
from cashloop.runner.display.values import (
    as_mapping,
    format_count,
    format_value,
    yes_no,
)
from cashloop.runner.verbose import VerboseConfig

__all__ = ["render_convergence", "render_experiment_end", "render_experiment_start"]

_START_ROWS = (
    ("Run ID", "run_id"),
    ("Evaluator", "evaluator"),
    ("Model", "model"),
    ("Agents", "agents"),
    ("Max iterations", "max_iterations"),
    ("Samples", "num_samples"),
    ("Evaluation", "evaluation_mode"),
    ("Acceptance", "acceptance_rule"),
    ("Master seed", "master_seed"),
)


def _text(value: object) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, list):
        return ", ".join(_text(item) for item in value)
    return value if isinstance(value, str) else format_value(value)


def render_experiment_start(
    event: Mapping[str, Any], console: Printer, verbose: VerboseConfig
) -> None:
    """The experiment's name and set-up, always shown."""
    console.rule(Text(f"Experiment {event.get('experiment_name', '?')}", style="bold"))
    rows = [(label, _text(event[key])) for label, key in _START_ROWS if key in event]
    print_details(console, rows)


def render_convergence(event: Mapping[str, Any], console: Printer, verbose: VerboseConfig) -> None:
    """Why the loop stopped, with the detector's numbers."""
    console.print()
    console.print(Text.assemble(("Stopped: ", "bold"), str(event.get("reason", "unknown"))))
    diagnostics = as_mapping(event.get("diagnostics"))
    if diagnostics:
        rows = [(str(key), _text(value)) for key, value in diagnostics.items()]
        print_details(console, rows, indent="  ")


def render_experiment_end(
    event: Mapping[str, Any], console: Printer, verbose: VerboseConfig
) -> None:
    """The final summary: costs, convergence and the best policies' parameters."""
    console.print()
    console.rule(Text("Summary", style="bold"))
    best = format_money(event.get("best_cost"))
    if event.get("best_iteration") is not None:
        best = f"{best} (iteration {event['best_iteration']})"
    rows = [
        ("Final cost", format_money(event.get("final_cost"))),
        ("Best cost", best),
        ("Converged", yes_no(event.get("converged"))),
        ("Reason", _text(event.get("convergence_reason"))),
        ("Iterations", format_count(event.get("num_iterations"))),
    ]
    print_details(console, rows)
    _render_agent_costs(event, console)
    _render_best_parameters(event, console)


def _render_agent_costs(event: Mapping[str, Any], console: Printer) -> None:
    final = as_mapping(event.get("final_costs"))
    best = as_mapping(event.get("best_costs"))
    agents = [*final, *(agent for agent in best if agent not in final)]
    if not agents:
        return
    table = new_table("Agent", "Final", "Best", right=("Final", "Best"))
    for agent in agents:
        table.add_row(
            Text(str(agent)),
            Text(format_money(final.get(agent))),
            Text(format_money(best.get(agent))),
        )
    print_table(console, "Costs per agent", table)


def _render_best_parameters(event: Mapping[str, Any], console: Printer) -> None:
    policies = as_mapping(event.get("best_policies"))
    if not policies:
        return
    table = new_table("Agent", "Parameter", "Value", right=("Value",))
    for agent, policy in policies.items():
        parameters = as_mapping(as_mapping(policy).get("parameters"))
        if not parameters:
            table.add_row(Text(str(agent)), Text("(none)"), Text(""))
        for name, value in parameters.items():
            table.add_row(Text(str(agent)), Text(str(name)), Text(format_value(value)))
    print_table(console, "Best policies", table)
