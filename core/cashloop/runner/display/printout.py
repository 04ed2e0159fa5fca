"""What one event prints, collected and written to the console in one go.

Each ``Console.print`` call costs rich a fixed setup (options, render pipeline, buffer write and
flush) besides the rendering itself; an event prints up to a dozen lines and tables, so the
renderers write into a :class:`Printout` and :func:`render_event` prints it as one group. The text
is the same as printing each piece on its own.
"""

from __future__ import annotations

from typing import Protocol

from rich.console import Console, Group, NewLine, RenderableType
from rich.rule import Rule
from rich.text import Text

__all__ = ["Printer", "Printout"]


class Printer(Protocol):
    """The part of ``rich.console.Console`` the event renderers use."""

    def print(self, renderable: RenderableType | None = None) -> None: ...

    def rule(self, title: str | Text = "") -> None: ...


class Printout:
    """A :class:`Printer` that keeps what is printed until :meth:`write_to`."""

    __slots__ = ("_items",)

    def __init__(self) -> None:
        self._items: list[RenderableType] = []

    def print(self, renderable: RenderableType | None = None) -> None:
        """Like ``Console.print(renderable)``; with no argument, an empty line."""
        self._items.append(NewLine() if renderable is None else renderable)

    def rule(self, title: str | Text = "") -> None:
        """Like ``Console.rule(title)``: a horizontal line with the title in the middle."""
        self._items.append(Rule(title))

    def write_to(self, console: Console) -> None:
        """Print everything collected, in order, with one ``Console.print``."""
        items, self._items = self._items, []
        if len(items) == 1:
            console.print(items[0])
        elif items:
            console.print(Group(*items))
