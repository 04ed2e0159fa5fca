"""The renderers' table: a header rule, no edges, optional sections.

It looks exactly like ``rich.table.Table(box=SIMPLE_HEAD, show_edge=False, pad_edge=False)``,
which it is whenever styles are printed or a cell needs wrapping. When the console prints plain
text (a pipe, a file, ``NO_COLOR``) and every cell fits on one line, it lays itself out directly:
a rich table spends about a millisecond measuring and wrapping a handful of short cells, several
times the cost of everything else an iteration prints.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

__all__ = ["CompactTable"]

Justify = Literal["left", "right"]
_GAP = 3  # padding right of a column, the box's blank divider, padding left of the next


class CompactTable:
    """Columns of (header, justify); rows of ``Text`` cells; :meth:`add_section` ends a section
    at the last row (a blank line before the next row, as rich draws it)."""

    def __init__(self, columns: Sequence[tuple[str, Justify]]) -> None:
        self._columns = list(columns)
        self._rows: list[tuple[Text | str, ...]] = []
        self._section_after: set[int] = set()

    def add_row(self, *cells: Text | str) -> None:
        self._rows.append(cells)

    def add_section(self) -> None:
        if self._rows:
            self._section_after.add(len(self._rows) - 1)

    def as_rich(self) -> Table:
        """The same table as a ``rich.table.Table``."""
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        for header, justify in self._columns:
            table.add_column(header, justify=justify)
        for index, cells in enumerate(self._rows):
            table.add_row(*cells, end_section=index in self._section_after)
        return table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        lines = None if console.color_system is not None else self._plain_lines(options.max_width)
        if lines is None:
            yield self.as_rich()
            return
        for line in lines:
            yield Segment(line)
            yield Segment.line()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.as_rich())

    def _plain_lines(self, max_width: int) -> list[str] | None:
        """The table's lines, or None when a cell is not plain one-line text or it is too wide."""
        texts = [[header for header, _ in self._columns]]
        for cells in self._rows:
            row = [text for text in map(_plain, cells) if text is not None]
            if len(row) != len(cells) or len(row) > len(self._columns):
                return None
            texts.append(row + [""] * (len(self._columns) - len(row)))
        if not all(text.isprintable() for row in texts for text in row):
            return None
        widths = [max(cell_len(row[i]) for row in texts) for i in range(len(self._columns))]
        total = sum(widths) + _GAP * (len(widths) - 1)
        if total > max_width or 0 in widths:
            return None
        justify = [j for _, j in self._columns]
        lines = [_line(texts[0], widths, justify), "─" * total]
        for index, row in enumerate(texts[1:]):
            if index - 1 in self._section_after:  # a section ends: blank line before this row
                lines.append(" " * total)
            lines.append(_line(row, widths, justify))
        return lines


def _plain(cell: Text | str) -> str | None:
    """A cell's text; None for markup strings, which only rich reads correctly."""
    if isinstance(cell, Text):
        return cell.plain
    return cell if cell == "" else None


def _line(cells: Iterable[str], widths: Sequence[int], justify: Sequence[Justify]) -> str:
    parts = []
    for text, width, how in zip(cells, widths, justify, strict=True):
        if how == "right":
            text = text.rstrip()  # as rich justifies: trailing blanks go, then pad on the left
            parts.append(" " * (width - cell_len(text)) + text)
        else:
            parts.append(text + " " * (width - cell_len(text)))
    return (" " * _GAP).join(parts)
