"""A horizontal bar graph drawn with block characters: every bar labelled with its value in text.

Honest at any size and without colour: bars are scaled to the largest value (a full-width bar is
that value, stated in the legend), lengths are whole eighths of a cell computed in integers, a
non-zero value always shows at least a sliver, and zero or negative values draw no bar but still
print their value. Nothing here is decorative: the text alone carries every figure.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

EIGHTHS = " ▏▎▍▌▋▊▉"
FULL = "█"


@dataclass(frozen=True)
class Bar:
    label: str
    value: int  # a count or cents: scaled in integers
    text: str   # the value as the operator reads it


def bar_cells(value: int, largest: int, width: int) -> str:
    """The bar for `value` when `largest` fills `width` cells."""
    if value <= 0 or largest <= 0 or width <= 0:
        return ""
    eighths = max(1, value * width * 8 // largest)
    whole, part = divmod(eighths, 8)
    return FULL * whole + (EIGHTHS[part] if part else "")


def bar_lines(bars: list[Bar], width: int) -> list[str]:
    """One line per bar: label, bar, value; the bar gets whatever width the texts leave."""
    if not bars:
        return []
    label_w = max(len(b.label) for b in bars)
    text_w = max(len(b.text) for b in bars)
    room = max(1, width - label_w - text_w - 3)
    largest = max(b.value for b in bars)
    return [f"{b.label:<{label_w}} {bar_cells(b.value, largest, room):<{room}} {b.text:>{text_w}}" for b in bars]


class BarGraph(Widget):
    """A titled bar graph with a one-line legend underneath."""

    DEFAULT_CSS = """
    BarGraph { height: auto; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.title = ""
        self.legend = ""
        self.bars: list[Bar] = []

    def show(self, title: str, bars: list[Bar], legend: str) -> None:
        self.title, self.bars, self.legend = title, bars, legend
        self.refresh(layout=True)

    def lines(self, width: int) -> list[str]:
        return [self.title, *bar_lines(self.bars, width), self.legend]

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.bars) + 2

    def render(self) -> Text:
        return Text("\n".join(line[: self.content_size.width] for line in self.lines(self.content_size.width)),
                    no_wrap=True)
