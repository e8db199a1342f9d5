"""Admin -> Batch Runs (SPEC 14): the latest batch runs of every practice and what each did.

One row per run: its kind, practice, business date and operator, what it considered, took and
left out. The line under the list gives the highlighted run's totals in dollars; Enter opens its
tally (taken by group, left out by reason, each reason's accounts). `k` narrows to one kind of
batch, `p` opens the nightly preview.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Header, Static

from core import tallies
from core.errors import counted
from core.models.tallies import TALLY_KINDS
from tui.keys import bindings
from tui.protocols import recoup_app
from tui.screens.base import RecoupScreen
from tui.screens.tally import Indexed, TallyScreen, dollars, list_bindings, list_source, totals_line
from tui.widgets.footer import FitFooter
from tui.widgets.vtable import Column, VirtualTable

LIMIT = 500
KIND_SHORT = {"precollections_add": "Pre-Coll.", "external_run": "External", "roster_populate": "Populate",
              "letters_print": "Letters", "agency_file": "Agency fl", "turnover": "Turnover"}


def _left(t: tallies.TallyView) -> int:
    return t.considered - t.taken


COLUMNS = [Column("run", "Run", 4, lambda r: str(r.row.id), right=True),
           Column("kind", "Kind", 9, lambda r: KIND_SHORT[r.row.kind]),
           Column("practice", "Practice", 10, lambda r: r.row.practice),
           Column("date", "Date", 10, lambda r: r.row.business_date.isoformat()),
           Column("by", "By", 6, lambda r: r.row.operator),
           Column("considered", "Cons.", 6, lambda r: f"{r.row.considered:,}", right=True),
           Column("taken", "Taken", 6, lambda r: f"{r.row.taken:,}", right=True),
           Column("left", "Left", 6, lambda r: f"{_left(r.row):,}", right=True),
           Column("left_cents", "Left out $", 11,
                  lambda r: dollars(r.row.considered_cents - r.row.taken_cents), right=True)]


class RunsTable(VirtualTable, inherit_bindings=False):
    BINDINGS = list_bindings("runs.open")


class BatchRunsScreen(RecoupScreen):
    TITLE_TEXT = "Batch Runs"
    BINDINGS = bindings(("runs.kind", "kind"), ("runs.preview", "preview"), ("runs.reload", "reload"))
    DEFAULT_CSS = """
    BatchRunsScreen #runs-status { height: 1; padding: 0 1; background: $panel; }
    BatchRunsScreen #runs-detail { height: 2; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.kind: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Reading…", id="runs-status", markup=False)
        yield RunsTable(COLUMNS, id="runs-table")
        yield Static("", id="runs-detail", markup=False)
        yield FitFooter()

    @property
    def table(self) -> RunsTable:
        return self.query_one(RunsTable)

    def on_mount(self) -> None:
        super().on_mount()
        self.table.focus()
        self.watch(self.table, "cursor", self._detail, init=False)
        self.reload()

    def reload(self) -> None:
        s, kind = self.services, self.kind

        def read() -> list[tallies.TallyView]:
            with s.uow() as u:
                return tallies.list_tallies(u, s.actor, kind=kind, limit=LIMIT)
        self.table.load(list_source(read))

    def on_virtual_table_loaded(self, event: VirtualTable.Loaded) -> None:
        shown = tallies.KIND_WORDS[self.kind] if self.kind else "every kind"
        more = f" (the latest {LIMIT})" if event.total >= LIMIT else ""
        self.query_one("#runs-status", Static).update(
            f"{counted(event.total, 'run')}{more} · {shown} · newest first · k: kind · p: preview")
        self._detail()

    def _detail(self) -> None:
        row: Indexed | None = self.table.current_row
        text = "" if row is None else f"Run {row.row.id}: {row.row.title}\n{totals_line(row.row)}"
        self.query_one("#runs-detail", Static).update(text)

    def on_virtual_table_row_chosen(self, event: VirtualTable.RowChosen) -> None:
        self.app.push_screen(TallyScreen(event.row.row.id))

    def action_kind(self) -> None:
        order: list[str | None] = [None, *TALLY_KINDS]
        self.kind = order[(order.index(self.kind) + 1) % len(order)]
        self.reload()

    def action_reload(self) -> None:
        self.reload()

    def action_preview(self) -> None:
        recoup_app(self).open_screen("nightly_preview")
