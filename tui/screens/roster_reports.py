"""Patient Collections reports that act: Dead-End Report, Review for Turn Over, Print Collection
Letters, Turn over to agency.

The lists are roster views on the virtual table (tui/screens/roster_work.py). Approve, send back
and turn over go through the core's validation warning (counts and dollars; Save & Continue or
Cancel) before anything changes; printing names the PDF it wrote.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.widgets import DataTable, Header, Static

from core import roster
from core.money import format_display
from core.roster import read as roster_read
from tui.keys import bindings
from tui.screens.base import RecoupScreen
from tui.screens.roster_dialogs import FormDialog, default_folder, folder_fields, status_fields
from tui.screens.roster_work import RosterListScreen
from tui.screens.tally import LAST_TALLY, LastTally
from tui.widgets.confirm import run_use_case
from tui.widgets.footer import FitFooter
from tui.widgets.form import Field
from tui.widgets.marked import MarkedDataTable


class DeadEndScreen(RosterListScreen):
    """Accounts in statuses with no automatic transfer (plan failed, review...): a person decides."""

    VIEW = "dead_end"
    TITLE_TEXT = "Dead-End Report"
    BINDINGS = bindings(("roster.filter", "filter"), ("roster.note", "note"), ("roster.move", "move"),
                        ("roster.plan", "plan"), ("roster.refresh", "refresh"))

    def hint(self) -> str:
        return "Statuses with no transfer: Enter opens · m status · n note · p plan"


class ReviewScreen(RosterListScreen):
    """Review for Turn Over: approve for the agency, or send back to a status."""

    VIEW = "review"
    TITLE_TEXT = "Review for Turn Over"
    BINDINGS = bindings(("roster.approve", "approve"), ("roster.send_back", "send_back"),
                        ("roster.note", "note"), ("roster.refresh", "refresh"))

    def hint(self) -> str:
        return "Space selects · a approve · b send back (selected, else highlighted) · Enter opens"

    def action_approve(self) -> None:
        ids = self.chosen_ids()
        if not ids:
            self.app.notify("Nothing to approve: the review list is empty.")
            return
        s, pid = self.services, self.practice.id

        def call(ok: bool) -> int:
            with s.uow(write=True) as u:
                return roster.approve(u, s.actor, pid, s.as_of, guarantor_ids=ids, confirmed=ok)
        run_use_case(self, "Approve for turn over", call, self._done("approved for the agency"))

    def action_send_back(self) -> None:
        ids = self.chosen_ids()
        if not ids:
            self.app.notify("Nothing to send back: the review list is empty.")
            return
        s, pid = self.services, self.practice.id

        def submit(v: dict[str, Any], ok: bool) -> int:
            with s.uow(write=True) as u:
                return roster.send_back(u, s.actor, pid, s.as_of, v["to"], guarantor_ids=ids, confirmed=ok)

        fields = status_fields(self._codes())
        fields[0] = type(fields[0])("to", "Send back to", "code", required=True, max_length=3,
                                    placeholder=fields[0].placeholder)
        done = self._done("sent back")
        self.app.push_screen(FormDialog(f"Send back {len(ids)} account(s)", fields, submit),
                             lambda n: done(n) if n is not None else None)

    def _done(self, what: str) -> Any:
        def done(n: int) -> None:
            self.app.notify(f"{n} account(s) {what}.")
            self.reload()
        return done


class TurnOverScreen(LastTally, RosterListScreen):
    """Turn over to agency: the approved accounts; F2 turns them over after the warning."""

    VIEW = "approved"
    TITLE_TEXT = "Turn Over to Agency"
    BINDINGS = [*bindings(("roster.run", "turnover"), ("roster.refresh", "refresh")), LAST_TALLY]

    def hint(self) -> str:
        return "Approved accounts · F2 turns over the selected (else all) after a warning"

    def action_turnover(self) -> None:
        t = self.table
        if not t.total:
            self.app.notify("Nothing to turn over: no account is approved for the agency.")
            return
        ids = self.chosen_ids() if (t.selection.ids or t.selection.all_matching) else None
        s, pid = self.services, self.practice.id

        def submit(v: dict[str, Any], ok: bool) -> Any:
            with s.uow(write=True) as u:
                return roster.turnover(u, s.actor, pid, s.as_of, Path(v["folder"]), guarantor_ids=ids, confirmed=ok,
                                       agency=v.get("agency") or None)

        def done(r: Any) -> None:
            if r is not None:
                self.app.notify(f"Turned over {r.accounts} account(s), {r.written_off} written off; "
                                f"agency file {r.file}.{self.remember_tally(r.tally)}", timeout=15)
                self.reload()
        how = "all approved accounts" if ids is None else f"{len(ids)} selected account(s)"
        fields = [*folder_fields(), Field("agency", "Agency", max_length=40)]
        self.app.push_screen(FormDialog(f"Turn over {how}", fields, submit,
                                        values={"folder": default_folder()},
                                        hint="The agency file (CSV) is written to this folder, for the agency "
                                             "given (its id)."), done)


class PrintLettersScreen(RecoupScreen):
    """Print Collection Letters: what is waiting, by status and letter; F2 prints them to a PDF."""

    TITLE_TEXT = "Print Collection Letters"
    BINDINGS = bindings(("roster.run", "print"), ("roster.refresh", "refresh"))
    DEFAULT_CSS = """
    PrintLettersScreen #letters-status { height: auto; padding: 0 1; background: $panel; }
    PrintLettersScreen DataTable { height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Reading the letter queue…", id="letters-status", markup=False)
        yield MarkedDataTable(cursor_type="row", id="letters-table")
        yield FitFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.sub_title = f"{self.TITLE_TEXT} · {self.practice.name}"
        table = self.query_one(DataTable)
        table.add_columns("Status", "Letter", "Waiting")
        table.focus()
        self.waiting: list[tuple[str, str, int]] = []
        self.plan: dict[str, Any] = {}
        self.action_refresh()

    def action_refresh(self) -> None:
        s, pid = self.services, self.practice.id

        def read() -> None:
            with s.uow() as u:
                rows = roster_read.letters_waiting(u, s.actor, pid)
                plan = roster.letters_preview(u, s.actor, s.as_of, pid)
            self.app.call_from_thread(self._show, rows, plan)
        self.run_worker(read, thread=True, group="letters", exclusive=True, exit_on_error=False)

    def _show(self, rows: list[tuple[str, str, int]], plan: dict[str, Any]) -> None:
        self.waiting, self.plan = rows, plan
        table = self.query_one(DataTable)
        table.clear()
        for status, letter, n in rows:
            table.add_row(status, letter, f"{n:,}")
        self.query_one("#letters-status", Static).update(preview_text(plan))

    def action_print(self) -> None:
        if not self.waiting:
            self.app.notify("No letters are waiting to be printed.")
            return
        s, pid = self.services, self.practice.id

        def submit(v: dict[str, Any], ok: bool) -> Any:  # ok: past the practice-profile warning
            with s.uow(write=True) as u:
                return roster.print_letters(u, s.actor, s.as_of, out_dir=Path(v["folder"]), practice_id=pid,
                                            confirmed=ok)

        def done(r: Any) -> None:
            if r is not None:
                where = f" Printed to {r['file']}" if r["file"] else ""
                self.app.notify(r["message"] + where, timeout=15)
                self.action_refresh()
        self.app.push_screen(FormDialog("Print collection letters", folder_fields(), submit,
                                        values={"folder": default_folder()},
                                        hint="The PDF is written to this folder (never over an existing file)."),
                             done)


def preview_text(plan: dict[str, Any]) -> str:
    """What F2 will do, in the run's own tally: one letter per account, the rest superseded."""
    if not plan["considered"]:
        return "No letters are waiting to be printed."
    text = (f"{plan['considered']:,} waiting: {plan['printed']:,} will print (one per account), "
            f"{plan['superseded']:,} superseded (the account moved on)")
    for reason, n in plan["excluded"].items():
        text += f", {n['count']:,} held back: {reason}"
    return " ".join([text + " · F2 prints", *plan.get("notes", [])])


def money(cents: int) -> str:
    return format_display(cents)
