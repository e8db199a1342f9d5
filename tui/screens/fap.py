"""Patient Collections -> Financial Assistance (SPEC 15.5): applications, refunds due, and the
reversal worklist of collection actions an approval must undo.

An application received within 240 days of the first statement holds the account while it is
pending; a decision ends the hold, and an approval posts its discount (code FAP). Three views of
one practice, switched by key: the applications (add, decide), the refunds due (payments 5.00 or
more above the new balance; Recoup pays nothing out), and the reversal worklist (placed lines to
recall, placed debts to close with a deletion request, turnovers to reverse).

An incomplete application names what is missing (when added, or later by key); that queues its
"missing information" letter, which Print Collection Letters prints with the collection letters.
The Letter column says where it stands: waiting, printed or superseded (`recoup fap list` gives
the date).
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import DataTable, Header, Static

from core import fap
from core.errors import counted
from core.models.compliance import FAP_MISSING_LEN
from tui.keys import bindings
from tui.screens.base import RecoupScreen
from tui.screens.roster_dialogs import FormDialog
from tui.widgets.confirm import run_use_case
from tui.widgets.footer import FitFooter
from tui.widgets.form import Field

VIEWS = {"applications": ("Applications", ("App.", "Guarantor", "Received", "Complete", "Letter", "Decision",
                                           "Disc. %", "Decided", "Adjusted", "Refund")),
         "refunds": ("Refunds due", ("App.", "Guarantor", "Name", "Decided", "Refund due")),
         "reversals": ("Reversal worklist", ("Action", "Guarantor", "Item", "Agency", "Amount", "Since"))}
ADD_FIELDS = [Field("guarantor", "Guarantor id", required=True, max_length=40),
              Field("received", "Received", "date", placeholder="YYYY-MM-DD (blank: the business date)"),
              Field("missing", "Missing", max_length=FAP_MISSING_LEN,
                    placeholder="blank: complete; else what is missing, ';' between items")]
MISSING_FIELDS = [Field("missing", "Missing", required=True, max_length=FAP_MISSING_LEN,
                        placeholder="what is missing, ';' between items")]
DECIDE_FIELDS = [Field("decision", "Decision", "choice", required=True, choices=("approved", "denied"),
                       placeholder="approved or denied"),
                 Field("discount", "Discount %", placeholder="0 to 100 (approvals)"),
                 Field("decided", "Decided", "date", placeholder="YYYY-MM-DD (blank: the business date)")]


def _money(cents: int | None) -> str:
    from core.money import format_plain
    return "" if cents is None else format_plain(cents)


class FapScreen(RecoupScreen):
    TITLE_TEXT = "Financial Assistance"
    BINDINGS = bindings(("fap.add", "add"), ("fap.decide", "decide"), ("fap.missing", "missing"),
                        ("fap.complete", "complete"), ("fap.view", "next_view"))

    def __init__(self) -> None:
        super().__init__()
        self.view = "applications"
        self.rows: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="fap-summary", markup=False)
        yield DataTable(id="fap", cursor_type="row", zebra_stripes=False)
        yield FitFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.reload()

    def reload(self) -> None:
        s, pid, view = self.services, self.practice.id, self.view

        def work() -> None:
            with s.uow() as u:
                if view == "applications":
                    rows: list[Any] = fap.list_applications(u, s.actor, pid)
                elif view == "refunds":
                    rows = fap.refunds_due(u, s.actor, pid)
                else:
                    rows = fap.reversal_worklist(u, s.actor, pid, s.as_of)
            self.app.call_from_thread(self._show, view, rows)
        self.run_worker(work, thread=True, exclusive=True, group="fap")

    def _cells(self, r: Any) -> tuple[str, ...]:
        if self.view == "applications":
            return (str(r.id), r.guarantor, str(r.received), "yes" if r.complete else "no",
                    r.letter.partition(" ")[0], r.decision, r.discount_pct or "", str(r.decided or ""),
                    _money(r.adjusted_cents), _money(r.refund_cents))
        if self.view == "refunds":
            return str(r.id), r.guarantor, r.name[:24], str(r.decided), _money(r.refund_cents)
        return r.action, r.guarantor, r.item, r.agency or "", _money(r.cents), str(r.since or "")

    def _show(self, view: str, rows: list[Any]) -> None:
        if view != self.view:
            return
        self.rows = rows
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns(*VIEWS[view][1])
        for i, r in enumerate(rows):
            table.add_row(*self._cells(r), key=str(i))
        noun = "application" if view != "reversals" else "item"
        self.query_one("#fap-summary", Static).update(
            f"{VIEWS[view][0]}: {counted(len(rows), noun)} · v next view · a add · d decide · m missing info")
        table.focus()

    def action_next_view(self) -> None:
        names = list(VIEWS)
        self.view = names[(names.index(self.view) + 1) % len(names)]
        self.reload()

    def action_add(self) -> None:
        s, pid = self.services, self.practice.id

        def submit(v: dict[str, Any], _ok: bool) -> fap.FapRow:
            with s.uow(write=True) as u:
                return fap.add_application(u, s.actor, pid, v["guarantor"], v.get("received") or s.as_of,
                                           not v.get("missing"), s.as_of, missing=v.get("missing"))
        self.app.push_screen(FormDialog("Financial-assistance application", ADD_FIELDS, submit), self._done)

    def _highlighted(self, doing: str) -> fap.FapRow | None:
        if self.view != "applications" or not self.rows:
            self.app.notify(f"{doing} from the applications view, on a pending application.")
            return None
        row: fap.FapRow = self.rows[min(self.query_one(DataTable).cursor_row, len(self.rows) - 1)]
        return row

    def action_missing(self) -> None:
        """Say what the highlighted application lacks: its missing-information letter is queued."""
        if (row := self._highlighted("Ask for missing information")) is None:
            return
        s, pid = self.services, self.practice.id

        def submit(v: dict[str, Any], _ok: bool) -> fap.FapRow:
            with s.uow(write=True) as u:
                return fap.request_information(u, s.actor, pid, row.id, v["missing"], s.as_of)
        self.app.push_screen(FormDialog(f"Missing information: application {row.id} ({row.guarantor})",
                                        MISSING_FIELDS, submit,
                                        hint="The letter lists these items, asks for them within 30 days and says "
                                             "the hold stays meanwhile. It prints with Print Collection Letters."),
                             self._done)

    def action_complete(self) -> None:
        if (row := self._highlighted("Mark complete")) is None:
            return
        s, pid = self.services, self.practice.id

        def call(_ok: bool) -> fap.FapRow:
            with s.uow(write=True) as u:
                return fap.mark_complete(u, s.actor, pid, row.id, s.as_of)
        run_use_case(self, "Mark complete", call, self._done)

    def action_decide(self) -> None:
        if (row := self._highlighted("Decide")) is None:
            return
        s, pid = self.services, self.practice.id

        def submit(v: dict[str, Any], _ok: bool) -> fap.FapRow:
            with s.uow(write=True) as u:
                return fap.decide(u, s.actor, pid, row.id, v["decision"], s.as_of, discount=v.get("discount"),
                                  decided_on=v.get("decided"))
        self.app.push_screen(FormDialog(f"Decide application {row.id} ({row.guarantor})", DECIDE_FIELDS, submit),
                             self._done)

    def _done(self, row: fap.FapRow | None) -> None:
        if row is not None:
            letter = "; missing-information letter waiting for Print Collection Letters" \
                if row.letter == "waiting" and not row.complete else ""
            state = row.decision if row.complete or row.decision != "pending" else "pending, incomplete"
            self.app.notify(f"Application {row.id}: {state}" + (f" ({row.note})" if row.note else "") + letter)
            self.reload()
