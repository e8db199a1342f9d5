"""Patient Collections -> Holds: every hold of the practice, placed and released here too (SPEC 14).

A hold pauses collecting a guarantor (every line) or one encounter: no workflow takes its lines
while it runs, and its days do not age them. The list shows scheduled, active and ended holds,
newest first, filtered by kind, state and "ending within N days". The same place and release
dialogs open from the Patient and Encounter dashboards and Work Accounts (`place_hold_dialog`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.widgets import DataTable, Footer, Header, Static

from core import holds
from core.errors import counted
from core.models.holds import HOLD_KINDS
from tui.keys import bindings
from tui.protocols import recoup_app
from tui.screens.base import RecoupScreen
from tui.screens.roster_dialogs import FormDialog
from tui.widgets.form import Field

LIMIT = 1000
COLUMNS = ("Hold", "Kind", "Guarantor", "Enc.", "Start", "Last day", "State", "By", "Reason")
KIND_HINT = " ".join(HOLD_KINDS)[:60]


def hold_fields(target: str | None) -> list[Field]:
    """The place dialog's fields; `target` None asks for the guarantor or encounter too."""
    fields = [Field("kind", "Kind", "choice", required=True, choices=HOLD_KINDS, placeholder=KIND_HINT),
              Field("start", "First held day", "date", placeholder="YYYY-MM-DD (blank: the business date)"),
              Field("end", "Last held day", "date", placeholder="YYYY-MM-DD (blank: until released)"),
              Field("reason", "Reason", required=True, max_length=holds.REASON_MAX)]
    if target is None:
        fields[:0] = [Field("guarantor", "Guarantor id", max_length=40, placeholder="the whole account"),
                      Field("encounter", "or encounter id", max_length=40, placeholder="one encounter only")]
    return fields


RELEASE_FIELDS = [Field("reason", "Reason", required=True, max_length=holds.REASON_MAX),
                  Field("released_on", "No longer held from", "date",
                        placeholder="YYYY-MM-DD (blank: the business date)")]
FILTER_FIELDS = [Field("kind", "Kind", "choice", choices=HOLD_KINDS, placeholder="blank: every kind"),
                 Field("state", "State", "choice", choices=("scheduled", "active", "ended"),
                       placeholder="scheduled, active or ended; blank: all"),
                 Field("ending_within", "Ending within (days)", "int", minimum=0, placeholder="active holds only")]


def place_hold_dialog(screen: RecoupScreen, done: Callable[[holds.HoldRow], None], practice_id: int, *,
                      guarantor: str | None = None, encounter: str | None = None) -> None:
    """Open the place-a-hold dialog for a guarantor, an encounter, or (neither) one typed in."""
    s = screen.services
    target = encounter or guarantor

    def submit(v: dict[str, Any], _ok: bool) -> holds.HoldRow:
        with s.uow(write=True) as u:
            return holds.place_hold(u, s.actor, practice_id, v["kind"], v["reason"], s.as_of,
                                    guarantor=guarantor if target else v.get("guarantor"),
                                    encounter=encounter if target else v.get("encounter"),
                                    start=v.get("start"), end=v.get("end"))
    what = f"encounter {encounter}" if encounter else f"guarantor {guarantor}" if guarantor else "an account"
    hint = "Collectors: dispute or promise, at most 30 days, back-dated at most 30 days."
    screen.app.push_screen(FormDialog(f"Place a hold on {what}", hold_fields(target), submit, hint=hint),
                           lambda row: done(row) if row is not None else None)


def release_hold_dialog(screen: RecoupScreen, row: holds.HoldRow, done: Callable[[holds.HoldRow], None]) -> None:
    """Open the release dialog for one hold; `done` gets the released hold."""
    s = screen.services

    def submit(v: dict[str, Any], _ok: bool) -> holds.HoldRow:
        with s.uow(write=True) as u:
            return holds.release_hold(u, s.actor, row.id, v["reason"], s.as_of, v.get("released_on"))
    screen.app.push_screen(FormDialog(f"Release hold {row.id} ({row.kind}, {row.guarantor})", RELEASE_FIELDS, submit),
                           lambda r: done(r) if r is not None else None)


def choose_hold_to_release(screen: RecoupScreen, rows: list[holds.HoldRow], done: Callable[[holds.HoldRow], None],
                           encounter: str | None = None) -> None:
    """From a dashboard: the account's holds that have not ended (this encounter's and the whole
    account's, on the Encounter dashboard); one is released directly, several are chosen first."""
    from tui.screens.precollections_dialogs import ChooseDialog
    open_ = [r for r in rows if r.state != "ended" and (encounter is None or r.encounter in (None, encounter))]
    if not open_:
        screen.app.notify("No hold to release: none is scheduled or active here.")
        return
    if len(open_) == 1:
        release_hold_dialog(screen, open_[0], done)
        return
    by_id = {str(r.id): r for r in open_}
    choices = [(str(r.id), f"{r.id} {r.kind} {r.encounter or 'whole account'} from {r.start}") for r in open_]
    screen.app.push_screen(ChooseDialog("Release which hold?", choices, "Enter releases the highlighted hold."),
                           lambda key: release_hold_dialog(screen, by_id[key], done) if key else None)


def released_message(row: holds.HoldRow) -> str:
    return f"Hold {row.id} released: no longer held from {row.released_on}."


def hold_lines(rows: list[holds.HoldRow], encounter: str | None = None) -> list[str]:
    """The holds part of a dashboard's Collections tab (an encounter's: its own and its guarantor's)."""
    rows = [r for r in rows if encounter is None or r.encounter in (None, encounter)]
    if not rows:
        return ["Holds: none"]
    return ["Holds:", *(f"  {r.id} {r.kind} {r.start} to {r.end or 'release'} ({r.state})"
                        f"{' on encounter ' + r.encounter if r.encounter else ''}: {r.reason[:40]}" for r in rows)]


def placed_message(row: holds.HoldRow) -> str:
    until = f"to {row.end}" if row.end else "until released"
    return f"Hold {row.id} placed ({row.kind}): from {row.start} {until}."


class HoldsScreen(RecoupScreen):
    TITLE_TEXT = "Holds"
    BINDINGS = bindings(("holds.add", "add"), ("holds.release", "release"), ("holds.filter", "filter"),
                        ("holds.clear_filter", "clear_filter"), ("holds.open", "open"))

    def __init__(self) -> None:
        super().__init__()
        self.filt: dict[str, Any] = {}
        self.rows: list[holds.HoldRow] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="holds-summary", markup=False)
        yield DataTable(id="holds", cursor_type="row", zebra_stripes=False)
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(DataTable).add_columns(*COLUMNS)
        self.reload()

    def reload(self) -> None:
        s, pid, filt = self.services, self.practice.id, dict(self.filt)

        def work() -> None:
            with s.uow() as u:
                rows = holds.list_holds(u, s.actor, pid, s.as_of, limit=LIMIT + 1, **filt)
            self.app.call_from_thread(self._show, rows)
        self.run_worker(work, thread=True, exclusive=True, group="holds")

    def _show(self, rows: list[holds.HoldRow]) -> None:
        self.rows = rows[:LIMIT]
        table = self.query_one(DataTable)
        table.clear()
        for r in self.rows:
            table.add_row(str(r.id), r.kind, r.guarantor, r.encounter or "all", r.start.isoformat(),
                          r.end.isoformat() if r.end else "open", r.state, r.operator, r.reason[:30], key=str(r.id))
        shown = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in self.filt.items()) or "none"
        more = f" (first {LIMIT}: narrow the filter)" if len(rows) > LIMIT else ""
        self.query_one("#holds-summary", Static).update(
            f"{counted(len(self.rows), 'hold')}{more} · filter: {shown} · a add · r release · f filter")
        table.focus()

    def _current(self) -> holds.HoldRow | None:
        table = self.query_one(DataTable)
        if not self.rows:
            return None
        return self.rows[min(table.cursor_row, len(self.rows) - 1)]

    def action_add(self) -> None:
        place_hold_dialog(self, self._placed, self.practice.id)

    def _placed(self, row: holds.HoldRow) -> None:
        self.app.notify(placed_message(row))
        self.reload()

    def action_release(self) -> None:
        row = self._current()
        if row is None:
            self.app.notify("No hold to release.")
            return
        release_hold_dialog(self, row, self._released)

    def _released(self, row: holds.HoldRow) -> None:
        self.app.notify(released_message(row))
        self.reload()

    def action_filter(self) -> None:
        def submit(v: dict[str, Any], _ok: bool) -> dict[str, Any]:
            return {k: val for k, val in v.items() if val is not None}

        def chosen(f: dict[str, Any] | None) -> None:
            if f is not None:
                self.filt = f
                self.reload()
        current = {k: str(v) for k, v in self.filt.items()}
        self.app.push_screen(FormDialog("Filter holds", FILTER_FIELDS, submit, values=current), chosen)

    def action_clear_filter(self) -> None:
        self.filt = {}
        self.reload()

    def action_open(self) -> None:
        row = self._current()
        if row is None:
            return
        recoup_app(self).open_screen("guarantor", guarantor_id=row.guarantor_id)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()
