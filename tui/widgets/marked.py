"""Lists whose cursor is a character, not only a colour: `>` at the start of the highlighted line.

Textual marks the highlighted option of an OptionList and the cursor row of a DataTable by
background colour alone (with bold), which a NO_COLOR or monochrome terminal shows as nearly
nothing. These subclasses draw `>` in the first column (the padding cell, so nothing moves).
The virtual table draws its own (tui/widgets/vtable.py).
"""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import DataTable, OptionList

MARK = ">"


def marked(strip: Strip) -> Strip:
    """The strip with its first cell replaced by the marker, in that cell's style."""
    if strip.cell_length == 0:
        return strip
    segments = list(strip)
    style = segments[0].style if segments else None
    return Strip.join([Strip([Segment(MARK, style)], 1), strip.crop(1, strip.cell_length)])


class MarkedOptionList(OptionList):
    """An OptionList whose highlighted option starts with `>` (in a left padding of two, so the
    marker never covers a letter)."""

    DEFAULT_CSS = """
    MarkedOptionList > .option-list--option { padding: 0 1 0 2; }
    """

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        line = self.scroll_offset.y + y
        lines = self._lines  # (option index, line within the option) per line; Textual's own table
        if self.highlighted is not None and 0 <= line < len(lines) and lines[line] == (self.highlighted, 0):
            return marked(strip)
        return strip


class MarkedDataTable(DataTable[Any]):
    """A DataTable (row cursor) whose cursor row starts with `>`."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        if self.cursor_type != "row" or not self.row_count or not self.show_cursor:
            return strip
        header = self.header_height if self.show_header else 0
        if y < header:
            return strip
        row = self.scroll_offset.y + y - header
        if row == self.cursor_row:
            return marked(strip)
        return strip
