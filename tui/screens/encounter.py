"""The Encounter dashboard: the visit, its service lines and money, statements, collection state."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable, Static

from core import accounts, holds
from core import precollections as pc
from core.accounts import EncounterDetail
from core.money import format_display
from core.precollections.read import collection_state
from tui.keys import bindings
from tui.protocols import recoup_app
from tui.screens.account_dashboard import (
    OTHER_TABS,
    STATEMENT_COLUMNS,
    TXN_COLUMNS,
    AccountDashboard,
    Balances,
    collection_history,
    collections_text,
    fill,
    statement_rows,
    txn_rows,
)
from tui.screens.explain import open_explain
from tui.screens.holds import (
    choose_hold_to_release,
    hold_lines,
    place_hold_dialog,
    placed_message,
    released_message,
)
from tui.widgets.confirm import run_use_case

LINE_COLUMNS = ("Line", "DOS", "Proc", "Amount", "Resp", "Resp date", "A/R", "Collect.")


class EncounterScreen(AccountDashboard):
    TITLE_TEXT = "Encounter dashboard"
    WHAT = "the encounter"
    FIRST_TAB = ("1 Lines", "line-table")
    BINDINGS = (bindings(("dashboard.lines", "tab('lines')")) + OTHER_TABS
                + bindings(("dashboard.guarantor", "open_guarantor"), ("dashboard.to_collections", "to_collections"),
                           ("dashboard.hold", "hold"), ("dashboard.release", "release"),
                           ("dashboard.explain", "explain")))

    def __init__(self, encounter_id: int) -> None:
        super().__init__()
        self.encounter_id = encounter_id
        self.pc_state: tuple[list[Any], list[Any]] = ([], [])
        self.placements: list[str] = []
        self.holds: list[Any] = []

    def load(self, u: Any) -> EncounterDetail:
        s, eid = self.services, self.encounter_id
        detail = accounts.encounter_detail(u, s.actor, eid, s.as_of)
        self.pc_state = collection_state(u, encounter_id=eid)
        self.placements = accounts.placement_lines(u, encounter_id=eid)
        self.holds = holds.list_holds(u, s.actor, detail.practice_id, s.as_of, guarantor=detail.guarantor_source_id)
        return detail

    def show(self, d: EncounterDetail) -> None:
        self.detail = d
        e = d.encounter
        self.sub_title = f"Encounter {e.source_id}"
        self.query_one("#identity", Static).update(
            f"Encounter {e.source_id} · DOS {e.dos.isoformat()} · {e.patient_name or 'no patient name'}"
            f" · case {e.case_id or '-'}")
        self.query_one("#identity2", Static).update(
            f"Guarantor {d.guarantor_name} [{d.guarantor_source_id}] {d.guarantor_kind} · "
            f"profile {e.statement_profile or '-'}")
        self.query_one(Balances).show(e.ar_cents, e.ins_ar_cents, e.collections_cents, None)
        fill(self.query_one("#line-table", DataTable), LINE_COLUMNS,
             [(ln.source_id, ln.dos.isoformat(), ln.procedure_code or "", format_display(ln.amount_cents),
               ln.responsibility[:3], ln.responsibility_date.isoformat() if ln.responsibility_date else "",
               format_display(ln.ar_cents),
               format_display(ln.collections_cents) + (" C" if ln.collections_cents else ""))
              for ln in d.lines])
        fill(self.query_one("#transactions", DataTable), TXN_COLUMNS, txn_rows(d.transactions))
        self.query_one("#dunning", Static).update(
            f"Dunning messages {e.dunning_count} · statements sent {e.statements_sent}")
        fill(self.query_one("#statement-table", DataTable), STATEMENT_COLUMNS, statement_rows(d.statements))
        history = collection_history(d.transactions) or ["none yet"]
        self.query_one("#collection-state", Static).update("\n".join(
            [collections_text(e.collections_cents), "History (transfers):", *(f"  {h}" for h in history),
             *pc_lines(self.pc_state), *self.placements, *hold_lines(self.holds, e.source_id)]))
        self.query_one("#line-table", DataTable).focus()

    def action_open_guarantor(self) -> None:
        if self.detail is not None:
            recoup_app(self).open_screen("guarantor", guarantor_id=self.detail.guarantor_id)

    def action_to_collections(self) -> None:
        """To Collections: this encounter, through Pre-Collections' rules and warning."""
        if self.detail is None:
            return
        s, e = self.services, self.detail.encounter
        pid, ref = self.detail.practice_id, e.source_id

        def call(ok: bool) -> pc.ApplyResult:
            with s.uow(write=True) as u:
                return pc.send_to_collections(u, s.actor, pid, s.as_of, encounter=ref, confirmed=ok)
        run_use_case(self, "To Collections", call, self._sent)

    def action_hold(self) -> None:
        """Place a hold on this encounter only."""
        if self.detail is not None:
            place_hold_dialog(self, self._held, self.detail.practice_id, encounter=self.detail.encounter.source_id)

    def action_release(self) -> None:
        """Release one of the holds shown here (it ends early; its held days stay held)."""
        if self.detail is not None:
            choose_hold_to_release(self, self.holds, self._released, encounter=self.detail.encounter.source_id)

    def _released(self, row: Any) -> None:
        self.app.notify(released_message(row))
        self.reload()

    def action_explain(self) -> None:
        """Why each workflow may or may not take this balance (SPEC 14), as `recoup explain` says."""
        if self.detail is not None:
            open_explain(self, self.detail.practice_id, encounter=self.detail.encounter.source_id)

    def _held(self, row: Any) -> None:
        self.app.notify(placed_message(row))
        self.reload()

    def _sent(self, r: pc.ApplyResult) -> None:
        self.app.notify(f"To Collections: {r.count} encounter sent to In Collections/Not Sent.")
        self.reload()


def pc_lines(state: tuple[list[Any], list[Any]]) -> list[str]:
    """The Pre-Collections part of the Collections tab: the task, its state, its history."""
    tasks, history = state
    if not tasks:
        return ["Pre-Collections task: none (not on the list)"]
    return [*(t.describe() for t in tasks), "Pre-Collections history:", *(f"  {h.describe()}" for h in history)]
