"""The validation warning: what will happen, in counts and dollars, before anything changes.

A use case raises `NeedsConfirmation(summary)`; the screen pushes `ValidationWarning(summary)` and
gets True (Save & Continue: F2 or Enter) or False (Cancel: Esc or F12), then calls the use case
again with confirmed=True. The same `Summary` is what the command line prints, so the two never
disagree about what an apply will do.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from core.errors import Summary, SummaryLine
from tui.keys import binding


def summary_line(line: SummaryLine) -> str:
    """ "12 items will be sent to Collections, $4,310.00" """
    return line.describe()


class ValidationWarning(ModalScreen[bool]):
    """Modal returning True for Save & Continue, False for Cancel."""

    BINDINGS = [binding("warning.continue", "continue_"), binding("screen.cancel", "cancel"),
                binding("app.help", "app.help")]
    TITLE_TEXT = "Validation warning"
    DEFAULT_CSS = """
    ValidationWarning { align: center middle; }
    ValidationWarning > Vertical { width: 72; max-width: 100%; height: auto; max-height: 100%;
        border: thick $warning; background: $surface; padding: 0 1; }
    ValidationWarning .title { text-style: bold; margin-bottom: 1; }
    ValidationWarning .note { color: $text-muted; }
    ValidationWarning Horizontal { height: auto; margin-top: 1; align-horizontal: right; }
    ValidationWarning Button { margin-left: 1; }
    """

    def __init__(self, summary: Summary) -> None:
        super().__init__()
        self.summary = summary

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"WARNING: {self.summary.title}", classes="title", markup=False)
            for line in self.summary.lines:
                yield Static(f"- {summary_line(line)}", classes="line", markup=False)
            for note in self.summary.notes:
                yield Static(f"Note: {note}", classes="note", markup=False)
            with Horizontal():
                yield Button("Save & Continue (F2/Enter)", variant="warning", id="continue")
                yield Button("Cancel (Esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#continue", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "continue")

    def action_continue_(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
