"""Table builders shared by the event renderers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rich import box
from rich.table import Table
from rich.text import Text

from cashloop.runner.display.money import format_money

__all__ = ["cost_table", "detail_grid", "new_table"]


def new_table(title: str | None, *columns: str, right: Iterable[str] = ()) -> Table:
    """A plain-box table; ``right`` names the columns that hold numbers."""
    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
    right_aligned = set(right)
    for column in columns:
        table.add_column(column, justify="right" if column in right_aligned else "left")
    return table


def detail_grid(rows: Iterable[tuple[str, str]]) -> Table:
    """Label/value lines, labels aligned."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    for label, value in rows:
        grid.add_row(Text(label), Text(value))
    return grid


def cost_table(title: str, costs: Mapping[str, object], total: object) -> Table:
    """Cost per agent plus the total, all in currency."""
    table = new_table(title, "Agent", "Cost", right=("Cost",))
    for agent, cost in costs.items():
        table.add_row(Text(str(agent)), Text(format_money(cost)))
    table.add_section()
    table.add_row(Text("Total", style="bold"), Text(format_money(total), style="bold"))
    return table
