"""Renderer of the ``equilibrium`` event: each agent's best unilateral deviation and its gain."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.text import Text

from cashloop.runner.display.money import format_money
from cashloop.runner.display.printout import Printer
from cashloop.runner.display.tables import new_table, print_table
from cashloop.runner.display.values import as_mapping, format_count, format_rate, format_value
from cashloop.runner.verbose import VerboseConfig

__all__ = ["render_equilibrium"]


def _deviation(value: object) -> str:
    moves = as_mapping(value)
    if not moves:
        return "-"
    return ", ".join(f"{name} {format_value(v)}" for name, v in moves.items())


def _verdict(event: Mapping[str, Any]) -> Text:
    tolerance = format_rate(event.get("tolerance"))
    if event.get("passes") is True:
        words = f"passes: no agent gains more than {tolerance} of its cost by deviating alone"
        return Text.assemble(("Equilibrium check ", "bold"), (words, "green"))
    words = f"fails: an agent gains more than {tolerance} of its cost by deviating alone"
    return Text.assemble(("Equilibrium check ", "bold"), (words, "red"))


def render_equilibrium(event: Mapping[str, Any], console: Printer, verbose: VerboseConfig) -> None:
    """Always shown: whether the profile passes, then ε per agent with its interval."""
    console.print()
    console.print(_verdict(event))
    agents = as_mapping(event.get("agents"))
    if agents:
        table = new_table(
            "Agent",
            "Gain ε",
            "95% interval",
            "Share",
            "Best deviation",
            "Samples",
            right=("Gain ε", "Share", "Samples"),
        )
        for agent, raw in agents.items():
            entry = as_mapping(raw)
            interval = (
                f"[{format_money(entry.get('epsilon_lower'))}, "
                f"{format_money(entry.get('epsilon_upper'))}]"
            )
            table.add_row(
                Text(str(agent)),
                Text(format_money(entry.get("epsilon"))),
                Text(interval),
                Text(format_rate(entry.get("relative_epsilon"))),
                Text(_deviation(entry.get("best_deviation"))),
                Text(format_count(entry.get("samples"))),
            )
        print_table(
            console, "Best unilateral deviations (gain = profile cost - deviation cost)", table
        )
    if event.get("lower_bound_only"):
        console.print(
            Text(
                "Each gain is a lower bound: only numeric parameters were searched, one at a "
                "time, not the decision trees.",
                style="dim",
            )
        )
