"""Renderers of ``iteration_start`` and ``iteration_complete``: headers and cost tables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.text import Text

from cashloop.runner.display.money import format_money
from cashloop.runner.display.printout import Printer
from cashloop.runner.display.tables import cost_table, new_table, print_table
from cashloop.runner.display.values import as_mapping
from cashloop.runner.verbose import VerboseConfig

__all__ = ["render_iteration_complete", "render_iteration_start"]


def render_iteration_start(
    event: Mapping[str, Any], console: Printer, verbose: VerboseConfig
) -> None:
    """The "Iteration N" header and the incumbent profile's cost per agent."""
    if not verbose.iterations:
        return
    console.print()
    console.rule(Text(f"Iteration {event.get('iteration', '?')}", style="bold"))
    costs = as_mapping(event.get("costs_per_agent"))
    print_table(console, "Incumbent costs", cost_table(costs, event.get("total_cost")))


def render_iteration_complete(
    event: Mapping[str, Any], console: Printer, verbose: VerboseConfig
) -> None:
    """Each agent's cost after the iteration and whether its policy changed."""
    if not verbose.iterations:
        return
    costs = as_mapping(event.get("costs_per_agent"))
    accepted = as_mapping(event.get("accepted_changes"))
    agents = [*costs, *(agent for agent in accepted if agent not in costs)]
    title = f"Iteration {event.get('iteration', '?')} result"
    table = new_table("Agent", "Cost", "Policy", right=("Cost",))
    for agent in agents:
        changed = accepted.get(agent) is True
        table.add_row(
            Text(str(agent)),
            Text(format_money(costs.get(agent))),
            Text("changed", style="green") if changed else Text("kept", style="dim"),
        )
    table.add_section()
    table.add_row(
        Text("Total", style="bold"), Text(format_money(event.get("total_cost")), style="bold"), ""
    )
    print_table(console, title, table)
