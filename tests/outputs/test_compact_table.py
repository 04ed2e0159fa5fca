"""The renderers' CompactTable prints exactly what the rich table it stands for prints, on plain
and styled consoles, whether it lays itself out or hands over to rich."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console, Group
from rich.text import Text

from cashloop.runner.display.compact_table import CompactTable
from cashloop.runner.display.tables import cost_table

# printable text, with accents, wide (two-cell) characters and inner spaces
_CELL = st.text(alphabet=st.sampled_from("ab Z09$.,-_éü中字"), max_size=14)


def _printed(renderable: object, width: int, color: bool) -> str:
    out = io.StringIO()
    console = Console(
        file=out,
        width=width,
        height=25,
        force_terminal=color,
        color_system="truecolor" if color else None,
        highlight=False,
    )
    console.print(renderable)
    return out.getvalue()


@st.composite
def _tables(draw: st.DrawFn) -> CompactTable:
    columns = draw(
        st.lists(st.tuples(_CELL, st.sampled_from(["left", "right"])), min_size=1, max_size=4)
    )
    table = CompactTable(columns)
    for _ in range(draw(st.integers(0, 4))):
        cells = draw(st.lists(_CELL, min_size=len(columns), max_size=len(columns)))
        style = draw(st.sampled_from(["", "bold", "green", "dim"]))
        table.add_row(*(Text(cell, style=style) for cell in cells))
        if draw(st.booleans()):
            table.add_section()
    return table


@settings(max_examples=500, deadline=None)
@given(table=_tables(), width=st.integers(8, 100), color=st.booleans())
def test_prints_exactly_what_the_rich_table_prints(
    table: CompactTable, width: int, color: bool
) -> None:
    assert _printed(table, width, color) == _printed(table.as_rich(), width, color)


def test_lays_a_plain_table_out_itself() -> None:
    table = cost_table({"BANK_A": 49800, "BANK_B": 125}, 49925)
    assert table._plain_lines(80) == [
        "Agent       Cost",
        "────────────────",
        "BANK_A   $498.00",
        "BANK_B     $1.25",
        "                ",
        "Total    $499.25",
    ]
    assert _printed(table, 80, color=False) == _printed(table.as_rich(), 80, color=False)


def test_hands_over_to_rich_when_a_cell_does_not_fit_or_is_markup() -> None:
    wide = CompactTable([("Parameter", "left"), ("Value", "right")])
    wide.add_row(Text("x" * 60), Text("1"))
    assert wide._plain_lines(40) is None  # rich wraps it
    assert _printed(wide, 40, color=False) == _printed(wide.as_rich(), 40, color=False)
    markup = CompactTable([("A", "left")])
    markup.add_row("[bold]x[/bold]")
    assert markup._plain_lines(80) is None


def test_inside_a_group_as_the_renderers_print_it() -> None:
    table = cost_table({"BANK_A": 1, "BANK_B": 2}, 3)
    grouped = Group(Text("Incumbent costs", style="bold"), table)
    expected = Group(Text("Incumbent costs", style="bold"), table.as_rich())
    for color in (False, True):
        assert _printed(grouped, 60, color) == _printed(expected, 60, color)
