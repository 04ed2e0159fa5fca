"""An event's lines, collected in a Printout and printed at once, read exactly as when each is
printed on its own (the console handler, replay and watch all print through it)."""

from __future__ import annotations

import io

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from cashloop.runner.display.printout import Printout
from cashloop.runner.display.tables import cost_table


def _console(out: io.StringIO, color: bool) -> Console:
    return Console(
        file=out,
        width=40,
        height=25,
        force_terminal=color,
        color_system="truecolor" if color else None,
        highlight=False,
    )


def test_a_printout_prints_what_separate_prints_would() -> None:
    long_line = Text("a line long enough to wrap at forty columns, twice over " * 2)
    for color in (False, True):
        one_by_one, at_once = io.StringIO(), io.StringIO()
        direct, printout = _console(one_by_one, color), Printout()
        for target in (direct, printout):
            target.print()
            target.rule(Text("Iteration 3", style="bold"))
            target.print(Text("Incumbent costs", style="bold"))
            target.print(cost_table({"BANK_A": 100, "BANK_B": 250}, 350))
            target.print(long_line)
            target.print(Panel(Text("raw answer"), title="BANK_A", title_align="left"))
        printout.write_to(_console(at_once, color))
        assert at_once.getvalue() == one_by_one.getvalue()


def test_write_to_empties_the_printout() -> None:
    printout, out = Printout(), io.StringIO()
    printout.print(Text("once"))
    printout.write_to(_console(out, False))
    printout.write_to(_console(out, False))
    assert out.getvalue() == "once\n"
