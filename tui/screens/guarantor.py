"""The Patient (guarantor) dashboard: who, what they owe and where, and everything behind it."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable, Static, TabbedContent

from core import accounts, holds
from core import precollections as pc
from core.accounts import GuarantorDetail
from core.errors import counted
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
from tui.screens.encounter import pc_lines
from tui.screens.explain import open_explain
from tui.screens.holds import (
    choose_hold_to_release,
    hold_lines,
    place_hold_dialog,
    placed_message,
    released_message,
)
from tui.screens.precollections_dialogs import ChooseDialog
from tui.screens.roster_work import roster_section
from tui.widgets.confirm import run_use_case

ENCOUNTER_COLUMNS = ("Encounter", "DOS", "Patient", "A/R", "Ins A/R", "Collect.", "Dun", "Stmts")


class GuarantorScreen(AccountDashboard):
    TITLE_TEXT = "Patient dashboard"
    WHAT = "the account"
    FIRST_TAB = ("1 Encounters", "encounters")
    BINDINGS = (bindings(("dashboard.encounters", "tab('lines')")) + OTHER_TABS
                + bindings(("dashboard.open", "open_encounter"), ("dashboard.select_action", "select_action"),
                           ("dashboard.hold", "hold"), ("dashboard.release", "release"),
                           ("dashboard.explain", "explain")))

    def __init__(self, guarantor_id: int) -> None:
        super().__init__()
        self.guarantor_id = guarantor_id
        self.pc_state: tuple[list[Any], list[Any]] = ([], [])
        self.placements: list[str] = []
        self.roster_lines: list[str] = []
        self.roster_alert: str | None = None
        self.holds: list[Any] = []

    def load(self, u: Any) -> GuarantorDetail:
        s, gid = self.services, self.guarantor_id
        detail = accounts.guarantor_detail(u, s.actor, gid, s.as_of)
        self.pc_state = collection_state(u, guarantor_id=gid)
        self.placements = accounts.placement_lines(u, guarantor_id=gid)
        self.roster_lines, self.roster_alert = roster_section(u, s.actor, gid)
        self.holds = holds.list_holds(u, s.actor, detail.practice_id, s.as_of, guarantor=detail.source_id)
        return detail

    def show(self, d: GuarantorDetail) -> None:
        self.detail = d
        self.sub_title = f"{d.name} ({d.source_id})"
        born = f" · born {d.birth_date.isoformat()}" if d.birth_date else ""
        flags = " · RETURNED MAIL" if d.returned_mail else ""
        self.query_one("#identity", Static).update(
            f"{d.name}  [{d.source_id}] {d.kind}{born}{flags}")
        self.query_one("#identity2", Static).update(
            f"{d.address or 'no address'} · {d.phone or 'no phone'} · billing group {d.billing_group or '-'}"
            + (f" · {d.internal_comment}" if d.internal_comment else ""))
        self.query_one(Balances).show(d.ar_cents, d.ins_ar_cents, d.collections_cents, d.escrow_cents)
        fill(self.query_one("#encounters", DataTable), ENCOUNTER_COLUMNS,
             [(e.source_id, e.dos.isoformat(), e.patient_name or "", format_display(e.ar_cents),
               format_display(e.ins_ar_cents),
               format_display(e.collections_cents) + (" C" if e.collections_cents else ""),
               str(e.dunning_count), str(e.statements_sent)) for e in d.encounters],
             keys=[str(e.id) for e in d.encounters])
        fill(self.query_one("#transactions", DataTable), TXN_COLUMNS, txn_rows(d.transactions))
        self.query_one("#dunning", Static).update(
            f"Dunning level {d.dunning_level} · {len(d.statements)} statements")
        fill(self.query_one("#statement-table", DataTable), STATEMENT_COLUMNS, statement_rows(d.statements))
        history = collection_history(d.transactions) or ["none yet"]
        in_coll = [f"  {e.source_id} DOS {e.dos.isoformat()}: {format_display(e.collections_cents)}"
                   for e in d.encounters if e.collections_cents]
        self.query_one("#collection-state", Static).update("\n".join(
            [collections_text(d.collections_cents), "Encounters with a collection balance:",
             *(in_coll or ["  none"]), "History (transfers):", *(f"  {h}" for h in history),
             *pc_lines(self.pc_state), *self.placements, *self.roster_lines, *hold_lines(self.holds)]))
        if self.roster_alert:
            self.app.notify(self.roster_alert, title="Payment plan alert", severity="warning", timeout=10)
        self.query_one("#encounters", DataTable).focus()

    def action_open_encounter(self) -> None:
        table = self.query_one("#encounters", DataTable)
        if self.detail is None or not self.detail.encounters or self.query_one(TabbedContent).active != "lines":
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if key is not None:  # every row is added with its encounter id as key
            recoup_app(self).open_screen("encounter", encounter_id=int(key))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "encounters" and event.row_key.value is not None:
            event.stop()
            recoup_app(self).open_screen("encounter", encounter_id=int(event.row_key.value))

    def action_select_action(self) -> None:
        """Select Action -> Send to Collections: all of this patient's open encounters."""
        if self.detail is None:
            return
        s, pid, ref = self.services, self.detail.practice_id, self.detail.source_id

        def call(ok: bool) -> pc.ApplyResult:
            with s.uow(write=True) as u:
                return pc.send_to_collections(u, s.actor, pid, s.as_of, guarantor=ref, confirmed=ok)

        def picked(action: str | None) -> None:
            if action == "send-to-collections":
                run_use_case(self, "Send to Collections", call, self._sent)
        self.app.push_screen(ChooseDialog("Select Action", [("send-to-collections", "Send to Collections")],
                                          "All of this patient's open encounters, after a warning."), picked)

    def action_hold(self) -> None:
        """Place a hold on this guarantor: every line stops being collected while it runs."""
        if self.detail is not None:
            place_hold_dialog(self, self._held, self.detail.practice_id, guarantor=self.detail.source_id)

    def action_release(self) -> None:
        """Release one of the holds shown here (it ends early; its held days stay held)."""
        if self.detail is not None:
            choose_hold_to_release(self, self.holds, self._released, encounter=None)

    def _released(self, row: Any) -> None:
        self.app.notify(released_message(row))
        self.reload()

    def action_explain(self) -> None:
        """Why each workflow may or may not take this balance (SPEC 14), as `recoup explain` says."""
        if self.detail is not None:
            open_explain(self, self.detail.practice_id, guarantor=self.detail.source_id)

    def _held(self, row: Any) -> None:
        self.app.notify(placed_message(row))
        self.reload()

    def _sent(self, r: pc.ApplyResult) -> None:
        self.app.notify(f"Send to Collections: {counted(r.count, 'encounter')} sent to In Collections/Not Sent.")
        self.reload()
