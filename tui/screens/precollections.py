"""Pre-Collections: the encounter collections work list (SPEC 3; reference 000, 001).

Three views of one list — Pre-Collections, In Collections/Not Sent, In Collections/Sent — on the
virtual table, so a list of 100,000 tasks opens at once. The operator builds the list (Add
Pre-Collection Tasks), narrows the display (filter), selects rows, sets an action on them, and
applies (F2): the core first answers with a validation warning in counts and dollars; Save &
Continue repeats the same call confirmed. Selection is task numbers, or "all displayed minus
exclusions", which Set Action takes as the filter itself — one set-based statement at any size.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Header, Static

from core import precollections as pc
from core.errors import RecoupError, counted
from core.money import format_display
from core.precollections import read as reader
from core.precollections.criteria import TaskFilter
from core.precollections.read import ListRow
from core.precollections.states import ACTION_LABELS, STATE_LABELS, allowed_actions
from tui.keys import bindings
from tui.protocols import recoup_app
from tui.screens.base import RecoupScreen
from tui.screens.precollections_dialogs import (
    CLEAR_ACTION,
    AddRequest,
    AddTasksDialog,
    ApplyDialog,
    ApplyRequest,
    ExplainDialog,
    FilterDialog,
    SheetRequest,
    SpreadsheetDialog,
    describe_filter,
    set_action_dialog,
)
from tui.screens.tally import LAST_TALLY, LastTally
from tui.services import Services
from tui.widgets.cells import fit
from tui.widgets.confirm import run_use_case, show_error
from tui.widgets.footer import FitFooter
from tui.widgets.progress import TaskProgress
from tui.widgets.vtable import PAGE, Column, VirtualTable

VIEWS = ("pre", "not_sent", "sent")
VIEW_NAMES = {"pre": "Pre-Collections", "not_sent": "Not Sent", "sent": "Sent"}
SHORT_ACTIONS = {"send-to-collections": "To Collections", "remove": "Remove", "write-off": "Write-Off",
                 "remove-from-pending": "Rm Pending", "send-to-agency": "To Agency",
                 "remove-from-collections": "Rm Collect."}


def _money(cents: int) -> str:
    return format_display(cents)


def _action(r: ListRow) -> str:
    return SHORT_ACTIONS.get(r.action or "", "")


_TASK = Column("task", "Task", 5, lambda r: str(r.task), right=True)
_ENC = Column("encounter", "Encounter", 9, lambda r: r.encounter)
_BAL = Column("balance", "Balance", 10, lambda r: _money(r.balance_cents), right=True)
_ACT = Column("action", "Action", 14, _action)
COLUMNS = {
    "pre": [_TASK, _ENC, Column("guarantor", "Guarantor", 15, lambda r: r.guarantor_name), _BAL,
            Column("escrow", "Escrow", 8, lambda r: _money(r.escrow_cents), right=True),
            Column("age", "Age", 4, lambda r: "" if r.age_days is None else str(r.age_days), right=True),
            Column("dunning", "Dun", 3, lambda r: str(r.dunning), right=True), _ACT],
    "not_sent": [_TASK, _ENC, Column("guarantor", "Guarantor", 17, lambda r: r.guarantor_name), _BAL,
                 Column("days", "Days", 4, lambda r: str(r.days_in_state), right=True),
                 Column("agency", "Agency", 9, lambda r: r.agency or "-"), _ACT],
    "sent": [_TASK, _ENC, Column("guarantor", "Guarantor", 15, lambda r: r.guarantor_name), _BAL,
             Column("days", "Days", 4, lambda r: str(r.days_in_state), right=True),
             Column("agency", "Agency", 8, lambda r: r.agency or "-"),
             Column("batch", "Batch", 5, lambda r: "" if r.batch_no is None else str(r.batch_no), right=True), _ACT],
}


SHORT_VIEW_NAMES = {"pre": "Pre", "not_sent": "Not Sent", "sent": "Sent"}


def views_line(totals: dict[str, tuple[int, int]], view: str, width: int) -> str:
    """The three views with their counts and dollars, shortened rather than cut to fit `width`:
    full names, then short names, then whole dollars — the Sent dollars at the end never drop."""
    def line(names: dict[str, str], money: Any) -> str:
        views = []
        for i, v in enumerate(VIEWS, start=1):
            n, cents = totals.get(v, (0, 0))
            label = f"{i} {names[v]} {n:,} {money(cents)}"
            views.append(f"[{label}]" if v == view else f" {label} ")
        return " ".join(views)

    full = line(VIEW_NAMES, lambda c: format_display(c, symbol=True))
    short = line(SHORT_VIEW_NAMES, lambda c: format_display(c, symbol=True))
    whole = line(SHORT_VIEW_NAMES, lambda c: "$" + format_display(c - c % 100 if c >= 0 else c, symbol=False)[:-3])
    rounded = line(SHORT_VIEW_NAMES, _rounded_dollars)
    return next((text for text in (full, short, whole, rounded) if len(text) <= width), fit(rounded, width))


def _rounded_dollars(cents: int) -> str:
    """$12.3M, $987k: the last resort of a narrow header (integer arithmetic, rounded down)."""
    dollars = abs(cents) // 100
    sign = "-" if cents < 0 else ""
    if dollars >= 1_000_000:
        tenths = dollars // 100_000
        return f"{sign}${tenths // 10}.{tenths % 10}M"
    if dollars >= 10_000:
        return f"{sign}${dollars // 1000}k"
    return f"{sign}${dollars:,}"


class TaskSource:
    """The RowSource of one view and filter. Called from workers; each call its own transaction."""

    def __init__(self, services: Services, practice_id: int, filt: TaskFilter) -> None:
        self.services, self.practice_id, self.filt = services, practice_id, filt

    def count(self) -> int:
        s = self.services
        with s.uow() as u:
            return reader.count_tasks(u, s.actor, self.practice_id, self.filt, s.as_of)

    def page(self, *, after: Any = None, before: Any = None, offset: int | None = None,
             limit: int = PAGE) -> list[ListRow]:
        s = self.services
        with s.uow() as u:
            return reader.task_page(u, s.actor, self.practice_id, self.filt, s.as_of, after=after, before=before,
                                    offset=offset, limit=limit)

    def key(self, row: ListRow) -> int:
        return row.task

    def row_id(self, row: ListRow) -> int:
        return row.task


class PreCollectionsScreen(LastTally, RecoupScreen):
    TITLE_TEXT = "Pre-Collections"
    BINDINGS = [*bindings(("pc.apply", "apply"), ("pc.add", "add_tasks"), ("pc.set_action", "set_action"),
                          ("pc.filter", "filter"), ("pc.spreadsheet", "spreadsheet"), ("pc.explain", "explain"),
                          ("pc.clear_filter", "clear_filter"), ("pc.view_pre", "view('pre')"),
                          ("pc.view_not_sent", "view('not_sent')"), ("pc.view_sent", "view('sent')")), LAST_TALLY]
    DEFAULT_CSS = """
    PreCollectionsScreen #pc-views { height: 1; padding: 0 1; }
    PreCollectionsScreen #pc-status { height: 1; padding: 0 1; background: $panel; }
    """

    def __init__(self, view: str = "pre") -> None:
        super().__init__()
        self.filt = TaskFilter(states=(view,))
        self.totals: dict[str, tuple[int, int]] = {}

    @property
    def view(self) -> str:
        return self.filt.states[0]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="pc-views", markup=False)
        yield Static("", id="pc-status", markup=False)
        yield VirtualTable(COLUMNS[self.view], id="pc-table")
        yield TaskProgress()
        yield FitFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.table.focus()
        self.reload()

    @property
    def table(self) -> VirtualTable:
        return self.query_one(VirtualTable)

    # ---- reading ------------------------------------------------------------------------------

    def reload(self, keep_selection: bool = False, keep_cursor: bool = False) -> None:
        """Re-read the view (and the three totals) in workers; the keys stay responsive."""
        self.table.columns = COLUMNS[self.view]
        self.query_one(TaskProgress).start("Reading the list")
        self.table.load(TaskSource(self.services, self.practice.id, self.filt), keep_selection=keep_selection,
                        keep_cursor=keep_cursor)
        services, practice_id = self.services, self.practice.id

        def read_totals() -> None:
            try:
                with services.uow() as u:
                    totals = pc.totals(u, services.actor, practice_id)
            except Exception:
                return
            self.app.call_from_thread(self._got_totals, totals)

        self.run_worker(read_totals, thread=True, group="pc-totals", exclusive=True, exit_on_error=False)
        self._status()

    def _got_totals(self, totals: dict[str, tuple[int, int]]) -> None:
        self.totals = totals
        self._status()

    def _status(self) -> None:
        self.query_one("#pc-views", Static).update(views_line(self.totals, self.view, self.app.size.width - 2))
        t = self.table
        count = "reading…" if t.loading else f"{t.total:,} shown"
        selected = t.selection.count(t.total)
        sel = f" · {selected:,} selected" if selected else ""
        self.query_one("#pc-status", Static).update(
            f"{STATE_LABELS[self.view]} · {count} · filter: {describe_filter(self.filt)}{sel}")

    def on_virtual_table_loaded(self, event: VirtualTable.Loaded) -> None:
        self.query_one(TaskProgress).stop()
        self._status()

    def on_virtual_table_selection_changed(self, event: VirtualTable.SelectionChanged) -> None:
        self._status()

    def on_virtual_table_row_chosen(self, event: VirtualTable.RowChosen) -> None:
        recoup_app(self).open_screen("encounter", encounter_id=event.row.encounter_id)

    # ---- views and filter ---------------------------------------------------------------------

    def action_view(self, view: str) -> None:
        if view != self.view:
            self.filt = TaskFilter(states=(view,))
            self.reload()

    def action_filter(self) -> None:
        def chosen(result: TaskFilter | None) -> None:
            if result is not None:
                self.filt = result
                self.reload()
        self.app.push_screen(FilterDialog(self.filt), chosen)

    def action_clear_filter(self) -> None:
        self.filt = TaskFilter(states=(self.view,))
        self.reload()

    # ---- building the list --------------------------------------------------------------------

    def action_add_tasks(self) -> None:
        def chosen(req: AddRequest | None) -> None:
            if req is None:
                return
            s, pid = self.services, self.practice.id
            self._use_case("Add Pre-Collection Tasks",
                           lambda ok: self._write(lambda u: pc.add_tasks(u, s.actor, pid, req.criteria, s.as_of,
                                                                        clear=req.clear, confirmed=ok)),
                           self._built)
        self.app.push_screen(AddTasksDialog(), chosen)

    def _built(self, r: pc.BuildResult) -> None:
        self.app.notify(f"List built: {r.added:,} added, {r.returned:,} back with their old task numbers, "
                        f"{r.dropped:,} dropped; {r.on_list:,} in Pre-Collections, "
                        f"{format_display(r.dollars, symbol=True)}.{self.remember_tally(r.tally)}", timeout=8)
        self.filt = TaskFilter(states=("pre",))
        self.reload()

    # ---- set and apply actions ----------------------------------------------------------------

    def _chosen_tasks(self) -> tuple[dict[str, Any], str] | None:
        """What Set Action acts on: the selection (ids, or the filter minus exclusions), else the
        highlighted row."""
        t = self.table
        sel = t.selection
        if sel.all_matching:
            n = sel.count(t.total)
            return ({"filt": self.filt, "exclude": sorted(sel.ids)}, f"{n:,} selected tasks") if n else None
        if sel.ids:
            return ({"tasks": sorted(sel.ids), "versions": self._versions(set(sel.ids))},
                    f"{len(sel.ids):,} selected tasks")
        row = t.current_row
        if row is None:
            return None
        return ({"tasks": [row.task], "versions": {row.task: row.version}},
                f"task {row.task} (highlighted; Space selects, Ctrl+A selects all)")

    def _versions(self, tasks: set[int] | None = None) -> dict[int, int]:
        """Task number -> version as read, for the loaded rows among `tasks` (all with an action
        set when None): the core refuses with "changed by NAME at TIME — reload" if one moved on."""
        return {r.task: r.version for r in self.table.loaded_rows()
                if (r.task in tasks if tasks is not None else r.action is not None) and r.version}

    def action_set_action(self) -> None:
        chosen_tasks = self._chosen_tasks()
        if chosen_tasks is None:
            self.app.notify("Nothing to set an action on: the view is empty.", severity="warning")
            return
        target, how_many = chosen_tasks
        allowed = [(a, ACTION_LABELS[a]) for a in allowed_actions(self.view)]

        def picked(action: str | None) -> None:
            if action is None:
                return
            act = None if action == CLEAR_ACTION else action
            s, pid = self.services, self.practice.id
            self._use_case("Set Action",
                           lambda ok: self._write(lambda u: pc.set_action(u, s.actor, pid, act, s.as_of, **target)),
                           lambda n: self._action_set(n, act))
        self.app.push_screen(set_action_dialog(self.view, allowed, how_many), picked)

    def _action_set(self, n: int, action: str | None) -> None:
        what = ACTION_LABELS[action] if action else "no action"
        self.app.notify(f"Set Action: {counted(n, 'task')} now {'has' if n == 1 else 'have'} {what}. "
                        "Apply Action (F2) carries it out.")
        self.reload(keep_cursor=True)

    def action_apply(self) -> None:
        s, pid = self.services, self.practice.id
        try:
            with s.uow() as u:
                pending, agencies = reader.set_actions(u, pid), reader.agencies(u, pid)
        except RecoupError as exc:
            show_error(self, exc)
            return
        if not pending:
            self.app.notify("Nothing to apply: no task on the list has an action set (t sets one).",
                            severity="warning")
            return

        seen = self._versions()

        def chosen(req: ApplyRequest | None) -> None:
            if req is None:
                return
            self._use_case("Apply Action",
                           lambda ok: self._write(lambda u: pc.apply(u, s.actor, pid, s.as_of, req.action, req.agency,
                                                                     req.folder, confirmed=ok, versions=seen)),
                           self._applied)
        self.app.push_screen(ApplyDialog(pending, agencies), chosen)

    def _applied(self, r: pc.ApplyResult) -> None:
        if not r.lines:
            self.app.notify("Nothing was applied: no task has that action set.", severity="warning")
        else:
            done = "; ".join(f"{ln.count:,} {ln.text.replace('will be ', '')}" for ln in r.lines)
            file = f" File: {r.file.path}" if r.file is not None else ""
            batch = f" Batch {r.batch_no}." if r.batch_no is not None else ""
            self.app.notify(f"Applied: {done}.{batch}{file}", timeout=10)
        self.reload(keep_cursor=True)

    # ---- spreadsheet, explain -----------------------------------------------------------------

    def action_spreadsheet(self) -> None:
        s, pid = self.services, self.practice.id
        with s.uow() as u:
            agencies = reader.agencies(u, pid)

        def chosen(req: SheetRequest | None) -> None:
            if req is None:
                return
            self._use_case("Create spreadsheet",
                           lambda ok: self._write(lambda u: pc.create_spreadsheet(
                               u, s.actor, pid, req.agency, s.as_of, req.folder, req.update_as_sent, confirmed=ok)),
                           self._sheet_made)
        self.app.push_screen(SpreadsheetDialog(agencies), chosen)

    def _sheet_made(self, r: pc.ApplyResult) -> None:
        f = r.file
        assert f is not None
        sent = f" and marked Sent, batch {r.batch_no}" if r.batch_no is not None else ""
        self.app.notify(f"Spreadsheet written{sent}: {f.path} ({counted(f.rows, 'row')}, "
                        f"{format_display(f.total_cents, symbol=True)})", timeout=15)
        self.reload()

    def action_explain(self) -> None:
        row = self.table.current_row
        if row is None:
            self.app.notify("Explain: no row highlighted.", severity="warning")
            return
        s, pid = self.services, self.practice.id
        self._use_case("Explain", lambda ok: self._read(lambda u: pc.explain(u, s.actor, pid, row.encounter, s.as_of)),
                       lambda x: self.app.push_screen(ExplainDialog(x)))

    # ---- plumbing -----------------------------------------------------------------------------

    def _write(self, fn: Any) -> Any:
        with self.services.uow(write=True) as u:
            return fn(u)

    def _read(self, fn: Any) -> Any:
        with self.services.uow() as u:
            return fn(u)

    def _use_case(self, title: str, call: Any, done: Any) -> None:
        run_use_case(self, title, call, done)
