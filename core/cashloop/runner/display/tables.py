"""Table builders shared by the event renderers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rich.text import Text

from cashloop.runner.display.compact_table import CompactTable
from cashloop.runner.display.money import format_money
from cashloop.runner.display.printout import Printer

__all__ = ["cost_table", "new_table", "print_details", "print_table"]


def new_table(*columns: str, right: Iterable[str] = ()) -> CompactTable:
    """A compact table with a header rule; ``right`` names the columns that hold numbers."""
    right_aligned = set(right)
    return CompactTable([(c, "right" if c in right_aligned else "left") for c in columns])


def print_table(console: Printer, title: str | None, table: CompactTable) -> None:
    """A table under its own heading line (a table title would wrap to the table's width)."""
    if title:
        console.print(Text(title, style="bold"))
    console.print(table)


def print_details(console: Printer, rows: Iterable[tuple[str, str]], indent: str = "") -> None:
    """Label/value lines with aligned labels and no trailing padding."""
    pairs = list(rows)
    width = max((len(label) for label, _ in pairs), default=0)
    for label, value in pairs:
        console.print(Text.assemble(indent, (label.ljust(width), "bold"), "  ", value))


def cost_table(costs: Mapping[str, object], total: object) -> CompactTable:
    """Cost per agent plus the total, all in currency."""
    table = new_table("Agent", "Cost", right=("Cost",))
    for agent, cost in costs.items():
        table.add_row(Text(str(agent)), Text(format_money(cost)))
    table.add_section()
    table.add_row(Text("Total", style="bold"), Text(format_money(total), style="bold"))
    return table
