"""Find a guarantor or an encounter by id or by (part of the) name.

Each keystroke starts a search in a worker (the newest cancels the older), so typing never waits
for the database. Down moves into the results; Enter opens the highlighted match (from the box:
the first one).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from core import accounts
from core.accounts import Match
from tui.keys import bindings
from tui.protocols import recoup_app
from tui.screens.base import RecoupScreen
from tui.widgets.footer import FitFooter
from tui.widgets.marked import MarkedOptionList


class FindScreen(RecoupScreen):
    TITLE_TEXT = "Find guarantor or encounter"
    BINDINGS = bindings(("find.focus_results", "focus_results"))
    DEFAULT_CSS = """
    FindScreen #find-results { height: 1fr; }
    FindScreen #find-status { height: 1; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.matches: list[Match] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="id or part of a name, e.g. G001 or lovelace", id="find-input")
        yield Static("Type an id or a name; Enter opens.", id="find-status", markup=False)
        yield MarkedOptionList(id="find-results")
        yield FitFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.search(event.value)

    def search(self, needle: str) -> None:
        services, practice_id = self.services, self.practice.id

        def work() -> None:
            with services.uow() as u:
                found = accounts.find(u, practice_id, needle)
            self.app.call_from_thread(self.show, needle, found)

        self.run_worker(work, thread=True, group="find", exclusive=True, exit_on_error=False)

    def show(self, needle: str, found: list[Match]) -> None:
        if needle != self.query_one(Input).value:
            return  # an older search finishing late
        self.matches = found
        results = self.query_one(OptionList)
        results.clear_options()
        results.add_options([Option(self._label(m), id=f"{m.kind}:{m.id}") for m in found])
        if found:
            results.highlighted = 0
        status = "no match" if needle.strip() and not found else f"{len(found)} matches" if found else ""
        self.query_one("#find-status", Static).update(status or "Type an id or a name; Enter opens.")

    @staticmethod
    def _label(m: Match) -> str:
        kind = "Guarantor" if m.kind == "guarantor" else "Encounter"
        return f"{kind:<9} {m.source_id:<10} {m.name[:26]:<26} {m.detail}"[:76]

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self.matches:
            self._open(self.matches[0])

    def action_focus_results(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        kind, _, ident = (event.option.id or "").partition(":")
        for m in self.matches:
            if m.kind == kind and str(m.id) == ident:
                self._open(m)

    def _open(self, m: Match) -> None:
        if m.kind == "guarantor":
            recoup_app(self).open_screen("guarantor", guarantor_id=m.id)
        else:
            recoup_app(self).open_screen("encounter", encounter_id=m.id)
