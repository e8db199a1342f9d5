"""The External Collections work screens (SPEC 5): Pending, Posted and Files, and "run now".

Pending and Posted are lists of any length on the virtual table (placements paged by number).
The operator selects rows (Space, Ctrl+A = all in the list) or just highlights one, and acts:
Pending approve / deny / assign an agency, Posted reverse / reassign. Every action is the core's
use case: it first answers with a validation warning in counts and dollars (NeedsConfirmation),
Save & Continue repeats the very same call confirmed, and the list is read again. The selection
is turned into line ids by the core in one statement ("all in the list" with no exclusions is
passed as "every line in the state", so Select All acts set-based at any size).

Files lists each agency with the posted lines waiting for its next file, and the files made:
create (into a folder), preview the rows, mark a batch as sent.

F9 runs the nightly external collections now for the business date, in a background worker
with the progress bar, and says what it did in a notification. It takes the nightly's run claim
(core.runs), so a date already run, or being run by the worker or another operator, is refused
with who and since when.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Header, Static

from core import external, runs
from core.errors import BadInput, Refused, counted
from core.external.read import (
    PENDING,
    POSTED,
    agency_profiles,
    lines_for,
    placement_page,
    placement_totals,
    waiting_for_file,
)
from core.money import format_display
from tui import folders
from tui.keys import binding, bindings
from tui.screens.base import RecoupScreen
from tui.screens.roster_dialogs import FormDialog
from tui.screens.tally import LAST_TALLY, LastTally
from tui.services import Services
from tui.widgets.cells import fit
from tui.widgets.confirm import MessageDialog, run_use_case, show_error
from tui.widgets.footer import FitFooter
from tui.widgets.form import Field
from tui.widgets.marked import MarkedDataTable
from tui.widgets.progress import TaskProgress, run_in_background
from tui.widgets.vtable import PAGE, Column, VirtualTable

VIEWS = (("external_pending", "Pending"), ("external_posted", "Posted"), ("external_files", "Files"))


def default_folder() -> str:
    return str(folders.agency_files())


def dollars(cents: int) -> str:
    return format_display(cents, symbol=True)


def _views_line(current: str) -> str:
    return "  ".join(f"[{i} {t}]" if sid == current else f" {i} {t} " for i, (sid, t) in enumerate(VIEWS, 1))


class PlacementSource:
    """The RowSource of one state list. Called from workers; each call its own transaction."""

    def __init__(self, services: Services, practice_id: int, states: tuple[str, ...]) -> None:
        self.services, self.practice_id, self.states = services, practice_id, states

    def count(self) -> int:
        s = self.services
        with s.uow() as u:
            return placement_totals(u, s.actor, self.practice_id, self.states)[0]

    def page(self, *, after: Any = None, before: Any = None, offset: int | None = None,
             limit: int = PAGE) -> list[Any]:
        s = self.services
        with s.uow() as u:
            return placement_page(u, s.actor, self.practice_id, s.as_of, self.states, after=after, before=before,
                                  offset=offset, limit=limit)

    def key(self, row: Any) -> int:
        return int(row.placement)

    def row_id(self, row: Any) -> int:
        return int(row.placement)


def _note(r: Any) -> str:
    if r.state == "filed":
        return f"batch {r.batch}"
    return "ret. mail" if r.returned_mail else ""


_LINE = Column("line", "Line", 10, lambda r: r.line)
_ENC = Column("encounter", "Encounter", 9, lambda r: r.encounter)
_NAME = Column("guarantor", "Guarantor", 18, lambda r: r.name)
_AGENCY = Column("agency", "Agency", 6, lambda r: r.agency or "(none)")
_BAL = Column("balance", "Balance", 10, lambda r: format_display(r.balance_cents), right=True)
_AGE = Column("age", "Age", 5, lambda r: str(r.age), right=True)
_NOTE = Column("note", "Note", 9, _note)


# --- the shared parts ------------------------------------------------------------------------------

class ExternalScreen(LastTally, RecoupScreen):
    """What the three work screens share: views 1/2/3, run now (F9), reload."""

    VIEW = ""
    BINDINGS = [*bindings(("ext.run", "run_now"), ("ext.reload", "reload"), ("ext.view_pending", "view(0)"),
                          ("ext.view_posted", "view(1)"), ("ext.view_files", "view(2)")), LAST_TALLY]
    DEFAULT_CSS = """
    ExternalScreen .ex-views { height: 1; padding: 0 1; }
    ExternalScreen .ex-status { height: 1; padding: 0 1; background: $panel; }
    """

    def on_mount(self) -> None:
        super().on_mount()
        self.sub_title = f"{self.TITLE_TEXT} · {self.practice.name} · {self.services.as_of}"

    def action_view(self, index: int) -> None:
        screen_id = VIEWS[index][0]
        if screen_id != self.VIEW:
            from tui.screens.registry import BY_ID
            self.app.switch_screen(BY_ID[screen_id].make())

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        raise NotImplementedError

    def action_run_now(self) -> None:
        s, pid = self.services, self.practice.id
        hint = (f"Business date {s.as_of}: select qualifying lines into Pending, post the lines of Auto Approve "
                "agencies, create the files of Auto Create File agencies, reassign by age (if the rule is on). "
                "A second run for the same date changes nothing.")
        fields = [Field("folder", "Folder for files", required=True, max_length=400, default=default_folder())]

        def chosen(values: dict[str, Any] | None) -> None:
            if values is None:
                return

            def work(report: Any) -> Any:
                try:
                    return runs.run_claimed(s.uow, pid, "external", s.as_of, runs.process_holder(s.actor.name),
                                            lambda u: external.run(u, s.actor, pid, s.as_of, Path(values["folder"])),
                                            external.RunResult.run_record)
                except (runs.AlreadyDone, runs.AlreadyRunning, runs.DateBehind) as exc:
                    return exc                                # refused before anything ran: a message
            run_in_background(self, "External collections run", work, self._ran, notify=False)
        self.app.push_screen(FormDialog("Run external collections now", fields, lambda v, ok: v, hint=hint), chosen)

    def _ran(self, r: external.RunResult | Refused) -> None:
        if isinstance(r, Refused):
            show_error(self, r)
            return
        st = r.steps
        parts = [f"{label} {st[k][0]:,} ({dollars(st[k][1])})" for k, label in
                 (("select", "selected"), ("post", "posted"), ("file", "filed"), ("reassign", "reassigned"))]
        if st["release"][0]:
            parts.append(f"released {st['release'][0]:,}")
        files = f"; {len(r.files)} file(s) written" if r.files else ""
        tally = self.remember_tally(r.tally)
        self.app.notify(f"External collections run for {r.business_date}: {', '.join(parts)}{files}.{tally}",
                        timeout=12)
        self.reload()


class PlacementScreen(ExternalScreen):
    """Pending or Posted: the placements in `STATES` on the virtual table."""

    STATES: tuple[str, ...] = ()
    COLUMNS: list[Column] = []
    HELP = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(_views_line(self.VIEW), classes="ex-views", markup=False)
        yield Static("Reading…", classes="ex-status", id="ex-status", markup=False)
        yield VirtualTable(list(self.COLUMNS), id="ex-table")
        yield TaskProgress()
        yield FitFooter()

    @property
    def table(self) -> VirtualTable:
        return self.query_one(VirtualTable)

    def on_mount(self) -> None:
        super().on_mount()
        self.table.focus()
        self.reload()

    def reload(self, keep_cursor: bool = False) -> None:
        self.totals: tuple[int, int] | None = None
        self.table.load(PlacementSource(self.services, self.practice.id, self.STATES), keep_cursor=keep_cursor)
        s, pid, states = self.services, self.practice.id, self.STATES

        def read_totals() -> None:
            with s.uow() as u:
                totals = placement_totals(u, s.actor, pid, states)
            self.app.call_from_thread(self._got_totals, totals)

        self.run_worker(read_totals, thread=True, group="ex-totals", exclusive=True, exit_on_error=False)
        self._status()

    def _got_totals(self, totals: tuple[int, int]) -> None:
        self.totals = totals
        self._status()

    def _status(self) -> None:
        t = self.table
        totals = getattr(self, "totals", None)
        head = "reading…" if totals is None else f"{counted(totals[0], 'line')}, {dollars(totals[1])}"
        selected = t.selection.count(t.total)
        sel = f" · {selected:,} selected" if selected else " · Space selects"
        self.query_one("#ex-status", Static).update(f"{head}{sel} · {self.HELP}")

    def on_virtual_table_loaded(self, event: VirtualTable.Loaded) -> None:
        self._status()

    def on_virtual_table_selection_changed(self, event: VirtualTable.SelectionChanged) -> None:
        self._status()

    def on_virtual_table_row_chosen(self, event: VirtualTable.RowChosen) -> None:
        self.app.notify(f"Line {event.row.line} of {event.row.name} ({event.row.guarantor}): "
                        f"{external_state(event.row)}, {dollars(event.row.balance_cents)}, age {event.row.age} days")

    # ---- acting on the selection ---------------------------------------------------------------

    def _snapshot(self) -> tuple[str, list[int]] | None:
        """What an action acts on: the selection, else the highlighted row."""
        sel = self.table.selection
        if sel.all_matching:
            return ("all", sorted(sel.ids)) if sel.count(self.table.total) else None
        if sel.ids:
            return "ids", sorted(sel.ids)
        row = self.table.current_row
        return None if row is None else ("ids", [row.placement])

    def _lines(self, snap: tuple[str, list[int]]) -> list[str] | None:
        """Line ids for the use case (None: every line in the state). Runs in the worker."""
        kind, ids = snap
        if kind == "all" and not ids:
            return None
        s = self.services
        with s.uow() as u:
            lines = lines_for(u, self.practice.id, self.STATES, placements=ids if kind == "ids" else None,
                              exclude=ids if kind == "all" else None)
        if not lines:
            raise BadInput("lines: the chosen lines are no longer in this list; Ctrl+R reads it again", field="lines")
        return lines

    def _act(self, title: str, use_case: Any, verb: str, agency: bool = False) -> None:
        """Run `use_case(u, lines, agency, confirmed)` on the selection, through the warning."""
        snap = self._snapshot()
        if snap is None:
            self.app.notify(f"{title}: the list is empty.", severity="warning")
            return
        s = self.services

        def call(values: dict[str, Any], confirmed: bool) -> Any:
            lines = self._lines(snap)
            with s.uow(write=True) as u:
                return use_case(u, lines, (values.get("agency") or "").strip() or None, confirmed)

        def done(out: Any) -> None:
            if out is None:
                return
            n = out["count"]
            self.app.notify(f"{title}: {n:,} line{'' if n == 1 else 's'} ({dollars(_cents(out['dollars']))}) {verb}.",
                            timeout=8)
            self.reload(keep_cursor=True)  # on the same line, or the next when this one left the list

        if not agency:
            run_use_case(self, title, lambda ok: call({}, ok), done)
            return
        with s.uow() as u:
            known = [(a.source_id, a.name) for a in agency_profiles(u, self.practice.id)]
        hint = "Agencies: " + ("; ".join(f"{sid} {name}" for sid, name in known) or "none yet (Admin > Agencies)")
        fields = [Field("agency", "Agency", required=True, max_length=40, placeholder="agency id")]
        self.app.push_screen(FormDialog(title, fields, call, hint=hint), done)


def _cents(text: str) -> int:
    from core import money
    return money.parse(text)


def external_state(row: Any) -> str:
    from core.external.states import STATE_LABELS
    return STATE_LABELS.get(row.state, row.state) + (" (returned mail)" if row.returned_mail else "")


# --- Pending and Posted ------------------------------------------------------------------------------

class PendingScreen(PlacementScreen):
    TITLE_TEXT = "External Collections: Pending"
    VIEW = "external_pending"
    STATES = PENDING
    COLUMNS = [_LINE, _ENC, _NAME, _AGENCY, _BAL, _AGE, _NOTE]
    HELP = "a approve, d deny, g agency"
    BINDINGS = bindings(("ext.approve", "approve"), ("ext.deny", "deny"), ("ext.assign", "assign"))

    def action_approve(self) -> None:
        s, pid = self.services, self.practice.id
        self._act("Approve", lambda u, lines, ag, ok: external.approve(u, s.actor, pid, s.as_of, lines, confirmed=ok),
                  "posted to external collections")

    def action_deny(self) -> None:
        s, pid = self.services, self.practice.id
        self._act("Deny", lambda u, lines, ag, ok: external.deny(u, s.actor, pid, s.as_of, lines, confirmed=ok),
                  "denied, back in active A/R")

    def action_assign(self) -> None:
        s, pid = self.services, self.practice.id
        self._act("Assign agency",
                  lambda u, lines, ag, ok: external.assign(u, s.actor, pid, s.as_of, ag or "", lines, confirmed=ok),
                  "assigned", agency=True)


class PostedScreen(PlacementScreen):
    TITLE_TEXT = "External Collections: Posted"
    VIEW = "external_posted"
    STATES = POSTED
    COLUMNS = [_LINE, _ENC, _NAME, _AGENCY, _BAL, _AGE, _NOTE]
    HELP = "v reverse, g reassign"
    BINDINGS = bindings(("ext.reverse", "reverse"), ("ext.reassign", "reassign"))

    def action_reverse(self) -> None:
        s, pid = self.services, self.practice.id
        self._act("Reverse", lambda u, lines, ag, ok: external.reverse(u, s.actor, pid, s.as_of, lines, confirmed=ok),
                  "reversed back to active A/R")

    def action_reassign(self) -> None:
        s, pid = self.services, self.practice.id
        self._act("Reassign",
                  lambda u, lines, ag, ok: external.reassign(u, s.actor, pid, s.as_of, ag or "", lines, confirmed=ok),
                  "reassigned for the agency's next file", agency=True)


# --- Files ---------------------------------------------------------------------------------------------

class PreviewDialog(ModalScreen[None]):
    """The rows of a file (made or to be made); Esc closes."""

    BINDINGS = [binding("screen.cancel", "close"), binding("app.help", "app.help")]
    TITLE_TEXT = "Preview"
    DEFAULT_CSS = """
    PreviewDialog { align: center middle; }
    PreviewDialog > Vertical { width: 80; max-width: 100%; height: 100%; border: round $accent; background: $surface; }
    PreviewDialog .title { text-style: bold; padding: 0 1; }
    PreviewDialog DataTable { height: 1fr; }
    """
    LIMIT = 1000

    def __init__(self, title: str, rows: list[Any]) -> None:
        super().__init__()
        self.title_text, self.rows = title, rows

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"{self.title_text} (Esc closes)", classes="title", markup=False)
            yield MarkedDataTable(cursor_type="row", id="preview-table")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        # the line id whole ("10000001-1": the agency quotes it back); names cut with an ellipsis
        widths = {"Line": 12, "Encounter": 10, "Guarantor": 15, "DOS": 10, "Balance": 11}
        for label, width in widths.items():
            table.add_column(label, width=width)
        for r in self.rows:
            table.add_row(fit(r.line, 12), fit(r.encounter, 10), fit(r.name, 15), str(r.dos),
                          format_display(r.balance_cents).rjust(11))
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)


class FilesScreen(ExternalScreen):
    TITLE_TEXT = "External Collections: Files"
    VIEW = "external_files"
    BINDINGS = bindings(("ext.create_file", "create_file"), ("ext.preview", "preview"),
                        ("ext.mark_sent", "mark_sent"), ("ext.import", "import_file"))
    DEFAULT_CSS = """
    FilesScreen #waiting { height: 7; }
    FilesScreen #files { height: 1fr; }
    FilesScreen .section-title { height: 1; }
    """

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(_views_line(self.VIEW), classes="ex-views", markup=False)
        yield Static("Waiting for a file (c creates it, p previews) · Tab: files made", classes="ex-status",
                     markup=False)
        yield MarkedDataTable(cursor_type="row", id="waiting")
        yield Static("Files made (p previews, m marks sent) · i imports an agency's file", classes="ex-status",
                     markup=False)
        yield MarkedDataTable(cursor_type="row", id="files")
        yield TaskProgress()
        yield FitFooter()

    def on_mount(self) -> None:
        super().on_mount()
        waiting, made = self.query_one("#waiting", DataTable), self.query_one("#files", DataTable)
        for label, width in (("Agency", 8), ("Name", 24), ("Format", 6), ("Lines", 7), ("Dollars", 14)):
            waiting.add_column(label, width=width)
        for label, width in (("Batch", 5), ("Agency", 8), ("Rows", 6), ("Dollars", 13), ("Made", 10),
                             ("Sent", 18)):
            made.add_column(label, width=width)
        self.waiting: list[Any] = []
        self.files: list[Any] = []
        waiting.focus()
        self.reload()

    def reload(self) -> None:
        s, pid = self.services, self.practice.id

        def read() -> None:
            with s.uow() as u:
                waiting, made = waiting_for_file(u, s.actor, pid), external.list_files(u, s.actor, pid)
            self.app.call_from_thread(self._show, waiting, made)

        self.run_worker(read, thread=True, group="ex-files", exclusive=True, exit_on_error=False)

    def _show(self, waiting: list[Any], made: list[Any]) -> None:
        self.waiting, self.files = waiting, made
        table = self.query_one("#waiting", DataTable)
        keep = table.cursor_row
        table.clear()
        for w in waiting:
            table.add_row(w.agency, w.name, w.file_format, f"{w.lines:,}".rjust(7), dollars(w.cents).rjust(14))
        if not getattr(self, "_placed", False):     # first look: the first agency with lines waiting
            self._placed = True
            keep = next((i for i, w in enumerate(waiting) if w.lines), 0)
        table.move_cursor(row=min(keep, max(0, len(waiting) - 1)))
        files = self.query_one("#files", DataTable)
        keep = files.cursor_row
        files.clear()
        for f in made:
            sent = f"{f.sent_date} {f.sent_by}" if f.sent_date else "not sent"
            files.add_row(str(f.batch).rjust(5), f.agency, f"{f.rows:,}".rjust(6), dollars(f.total_cents).rjust(13),
                          str(f.created), sent)
        files.move_cursor(row=min(keep, max(0, len(made) - 1)))

    def _waiting_row(self) -> Any | None:
        table = self.query_one("#waiting", DataTable)
        return self.waiting[table.cursor_row] if self.waiting and table.cursor_row < len(self.waiting) else None

    def _file_row(self) -> Any | None:
        table = self.query_one("#files", DataTable)
        return self.files[table.cursor_row] if self.files and table.cursor_row < len(self.files) else None

    def action_create_file(self) -> None:
        w = self._waiting_row()
        if w is None:
            self.app.notify("No agency yet: add one in Admin > Collections Admin > Agencies.", severity="warning")
            return
        if not w.lines:
            self.app.notify(f"{w.agency} has no posted lines waiting for a file.", severity="warning")
            return
        s, pid = self.services, self.practice.id

        def call(values: dict[str, Any], confirmed: bool) -> Any:
            with s.uow(write=True) as u:
                return external.create_file(u, s.actor, pid, w.agency, s.as_of, Path(values["folder"]),
                                            confirmed=confirmed)

        def made(out: Any) -> None:
            if out is None:
                return
            self.app.notify(f"File for {out['agency']}, batch {out['batch']}: {counted(out['rows'], 'row')}, "
                            f"{dollars(_cents(out['dollars']))}: {out['path']}", timeout=15)
            self.reload()
        fields = [Field("folder", "Folder for the file", required=True, max_length=400, default=default_folder())]
        self.app.push_screen(FormDialog(f"Create the file for {w.agency} ({w.file_format})", fields, call,
                                        hint=f"{w.lines:,} posted lines, {dollars(w.cents)}"), made)

    def action_preview(self) -> None:
        s, pid = self.services, self.practice.id
        made = self.query_one("#files", DataTable).has_focus
        row = self._file_row() if made else self._waiting_row()
        if row is None:
            self.app.notify("Nothing to preview here.", severity="warning")
            return
        if not made and not row.lines:
            self.app.notify(f"{row.agency} has no posted lines waiting for a file.", severity="warning")
            return
        batch = row.batch if made else None
        title = (f"Batch {row.batch} for {row.agency}: {counted(row.rows, 'row')}" if made
                 else f"Next file for {row.agency}: {counted(row.lines, 'line')}, {dollars(row.cents)}")
        shown = row.rows if made else row.lines
        if shown > PreviewDialog.LIMIT:
            title += f" (first {PreviewDialog.LIMIT:,} shown)"

        def call(_: bool) -> Any:
            with s.uow() as u:
                return external.preview(u, s.actor, pid, row.agency, batch=batch, limit=PreviewDialog.LIMIT)
        run_use_case(self, "Preview", call, lambda rows: self.app.push_screen(PreviewDialog(title, rows)))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_preview()

    def action_mark_sent(self) -> None:
        f = self._file_row()
        if f is None:
            self.app.notify("No file to mark as sent: create one first (c).", severity="warning")
            return
        s, pid = self.services, self.practice.id

        def call(confirmed: bool) -> Any:
            with s.uow(write=True) as u:
                return external.mark_sent(u, s.actor, pid, f.batch, s.as_of, confirmed=confirmed)

        def sent(row: Any) -> None:
            self.app.notify(f"Batch {row.batch} for {row.agency}: marked as sent on {row.sent_date}.")
            self.reload()
        run_use_case(self, "Mark as sent", call, sent)

    def action_import_file(self) -> None:
        """An agency's returns, ack or sync file, by its path: returns show their warning (counts,
        dollars and the first records) and post on Save & Continue; ack and sync show their report."""
        s, pid = self.services, self.practice.id

        def call(values: dict[str, Any], confirmed: bool) -> Any:
            with s.uow(write=True) as u:
                return external.import_agency_file(u, s.actor, pid, None, Path(values["path"]).expanduser(), s.as_of,
                                                   confirmed=confirmed)

        def done(out: Any) -> None:
            if out is None:
                return
            self.app.push_screen(MessageDialog("Agency file imported", _imported(out)))
            self.reload()
        fields = [Field("path", "Agency file (path)", required=True, max_length=400)]
        self.app.push_screen(FormDialog("Import an agency file", fields, call,
                                        hint="returns, ack or sync (docs/agency-exchange.md)"), done)


def _imported(out: dict[str, Any]) -> str:
    """The import's result in words, parts separated by '; ' (one per line in the dialog)."""
    if "payments" in out:
        return (f"{counted(out['payments'], 'payment')} posted, {out['gross']} (fees {out['fees']}, net {out['net']}); "
                f"{counted(out['recalls'], 'recall')} back to A/R; {counted(out['closed'], 'line')} closed")
    found = out.get("mismatches") or []
    head = f"{out['kind']} from {out['agency']}: " + (f"{len(found)} discrepancies" if found else "everything matches")
    return "; ".join([head, *found[:12], *([f"... and {len(found) - 12} more"] if len(found) > 12 else [])])
