"""Table builders shared by the event renderers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cashloop.runner.display.money import format_money

__all__ = ["cost_table", "new_table", "print_details", "print_table"]


def new_table(*columns: str, right: Iterable[str] = ()) -> Table:
    """A compact table with a header rule; ``right`` names the columns that hold numbers."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    right_aligned = set(right)
    for column in columns:
        table.add_column(column, justify="right" if column in right_aligned else "left")
    return table


def print_table(console: Console, title: str | None, table: Table) -> None:
    """A table under its own heading line (a table title would wrap to the table's width)."""
    if title:
        console.print(Text(title, style="bold"))
    console.print(table)


def print_details(console: Console, rows: Iterable[tuple[str, str]], indent: str = "") -> None:
    """Label/value lines with aligned labels and no trailing padding."""
    pairs = list(rows)
    width = max((len(label) for label, _ in pairs), default=0)
    for label, value in pairs:
        console.print(Text.assemble(indent, (label.ljust(width), "bold"), "  ", value))


def cost_table(costs: Mapping[str, object], total: object) -> Table:
    """Cost per agent plus the total, all in currency."""
    table = new_table("Agent", "Cost", right=("Cost",))
    for agent, cost in costs.items():
        table.add_row(Text(str(agent)), Text(format_money(cost)))
    table.add_section()
    table.add_row(Text("Total", style="bold"), Text(format_money(total), style="bold"))
    return table
