"""Explain (SPEC 14) on the dashboards: may each workflow take this balance, and why not.

The same answer as `recoup explain` (core.verdicts), shown in a scrolling dialog; the dashboards
open it with `e`. Read in a worker thread, so the key never waits on the database.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from core import verdicts
from tui.keys import binding
from tui.screens.base import RecoupScreen
from tui.widgets.confirm import show_error


class ExplainDialog(ModalScreen[None]):
    """The verdicts as text; arrows and PageUp/PageDown scroll, Esc or Enter closes."""

    BINDINGS = [binding("pc.choose", "close"), binding("screen.cancel", "close")]
    DEFAULT_CSS = """
    ExplainDialog { align: center middle; }
    ExplainDialog > Vertical { width: 100%; max-width: 110; height: 100%; max-height: 40;
        border: thick $primary; background: $surface; padding: 0 1; }
    ExplainDialog .title { text-style: bold; }
    ExplainDialog VerticalScroll { height: 1fr; }
    """

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self.lines = lines

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.lines[0] + "   (Esc closes)", classes="title", markup=False)
            with VerticalScroll(id="explain-body"):
                yield Static("\n".join(self.lines[1:]), markup=False, id="explain-text")

    def on_mount(self) -> None:
        self.query_one("#explain-body", VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)


def open_explain(screen: RecoupScreen, practice_id: int, *, guarantor: str | None = None,
                 encounter: str | None = None) -> None:
    """Read the verdicts in a worker and show them (or the refusal) when they arrive."""
    s = screen.services

    def work() -> None:
        try:
            with s.uow() as u:
                lines = verdicts.text_lines(verdicts.explain(u, s.actor, practice_id, s.as_of,
                                                             guarantor=guarantor, encounter=encounter))
        except Exception as exc:
            screen.app.call_from_thread(show_error, screen, exc)
            return
        screen.app.call_from_thread(screen.app.push_screen, ExplainDialog(lines))

    screen.run_worker(work, thread=True, exit_on_error=False)
