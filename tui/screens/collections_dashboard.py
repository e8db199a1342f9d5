"""Collections Management (Statements > Statement/Invoice Management Dashboard): SPEC section 4.

Top left, the three totals (count and dollars); beside them the controls: Type (t) picks the
state the breakdowns are about, By (b) counts or dollars, Graph (g) which breakdown is graphed.
Below, one table holds the four breakdowns of the chosen type side by side (days in state and
aging share their day buckets; dunning and statements share their levels), then the bar graph
with its legend. Enter on any number opens the Pre-Collections list filtered to exactly its rows.

Figures are computed in a worker (core.precollections.dashboard: one GROUP BY per panel) when the screen shows,
again whenever it comes back to the front (so after the operator's own actions on the list), and
on F5; the time they were computed is on screen.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Header, Static

from core.money import format_display
from core.precollections.states import STATE_LABELS
from tui.keys import bindings
from tui.screens.base import RecoupScreen
from tui.screens.registry import BY_ID
from tui.widgets.bars import Bar, BarGraph
from tui.widgets.footer import FitFooter

STATES = ("pre", "not_sent", "sent")
SHORT = {"pre": "Pre-Collections", "not_sent": "Not Sent", "sent": "Sent"}
GRAPHS = ("days", "aging", "dunning", "statements")
GRAPH_TITLES = {"days": "days in state", "aging": "aging (days old)", "dunning": "dunning level",
                "statements": "number of statements"}
# breakdown table: (column key, breakdown it shows or None for a label column, heading)
COLUMNS = (("age", None, "Days"), ("days", "days", "In state"), ("aging", "aging", "Aging"),
           ("level", None, "Level"), ("dunning", "dunning", "Dunning"), ("statements", "statements", "Statements"))
LABEL_FOR = {"age": "days", "level": "dunning"}  # Enter on a label opens the column beside it
MARK = ">"  # before the breakdown cell under the cursor, as the totals' ">" column marks the type


class CollectionsDashboardScreen(RecoupScreen):
    TITLE_TEXT = "Collections Management"
    BINDINGS = RecoupScreen.BINDINGS + bindings(
        ("cm.type", "next_type"), ("cm.by", "toggle_by"), ("cm.graph", "next_graph"),
        ("cm.open", "open_list"), ("cm.refresh", "refresh_figures"))
    DEFAULT_CSS = """
    CollectionsDashboardScreen #top { height: 4; }
    CollectionsDashboardScreen #controls { width: 1fr; height: 4; padding: 0 0 0 1; }
    CollectionsDashboardScreen #status { height: 1; padding: 0 1; }
    CollectionsDashboardScreen #credit { height: 1; padding: 0 1; }
    """
    # app.tcss gives every DataTable `height: 1fr`; these two are sized to their rows instead
    TOTALS_SIZE = (54, 4)

    def __init__(self, state: str = "pre", by: str = "count", graph: str = "days") -> None:
        super().__init__()
        self.state, self.by, self.graph = state, by, graph
        self.data: Any = None  # core.precollections.dashboard.Dashboard, once computed
        self.credit: Any = None  # core.credit_reporting.NotYet (SPEC 15.4), computed with it
        self.loads = 0  # how many times the figures were computed (tests, status)
        self._marked: Coordinate | None = None  # the breakdown cell showing the cursor's ">"

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="top"):
            yield DataTable(id="totals", cursor_type="row", zebra_stripes=False)  # its own ">" column
            yield Static("", id="controls", markup=False)
        yield DataTable(id="breakdown", cursor_type="cell")
        yield Static("Computing…", id="status", markup=False)
        yield Static("", id="credit", markup=False)
        yield BarGraph(id="graph")
        yield FitFooter()

    def on_mount(self) -> None:
        super().on_mount()
        totals = self.query_one("#totals", DataTable)
        totals.styles.width, totals.styles.height = self.TOTALS_SIZE
        totals.add_column(" ", key="mark", width=1)
        totals.add_column("Type", key="type", width=23)
        totals.add_column("Count", key="count", width=8)
        totals.add_column("Dollars", key="dollars", width=13)
        table = self.query_one("#breakdown", DataTable)
        for key, _name, heading in COLUMNS:
            table.add_column(heading, key=key)
        table.focus()

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        """Shown or back in front (e.g. after working the list): compute the figures again."""
        self.load()

    # ---- loading ------------------------------------------------------------------------------

    def load(self) -> None:
        services, practice, state = self.services, self.practice, self.state
        if practice is None:
            return

        def work() -> None:
            from core import credit_reporting
            from core.precollections import dashboard
            try:
                with services.uow() as u:
                    data = dashboard.dashboard(u, services.actor, practice.id, state, services.as_of)
                    credit = credit_reporting.not_yet_reportable(u, services.actor, practice.id, services.as_of)
            except Exception as exc:  # one clear line on screen, never a crash
                self.app.call_from_thread(self._failed, exc)
                return
            self.app.call_from_thread(self.show, data, credit)

        self.query_one("#status", Static).update("Computing…")
        self.run_worker(work, thread=True, group="load", exclusive=True, exit_on_error=False)

    def _failed(self, exc: Exception) -> None:
        self.query_one("#status", Static).update(f"Could not compute the figures: {getattr(exc, 'message', exc)}")

    def show(self, data: Any, credit: Any = None) -> None:
        if data.state != self.state:  # a Type change overtook this load
            return
        self.data, self.credit = data, credit
        self.loads += 1
        self.sub_title = f"{self.TITLE_TEXT} · {self.practice.name}"
        self._show_totals()
        self._show_breakdowns()
        self._show_controls()
        self._show_graph()

    # ---- drawing ------------------------------------------------------------------------------

    def _value(self, count: int, cents: int) -> str:
        return f"{count:,}" if self.by == "count" else format_display(cents)

    def _cell(self, count: int, cents: int) -> Text:
        """A number, with room before it for the cursor's ">" (no colour needed to see the cursor)."""
        return Text(f" {self._value(count, cents)}", justify="right")

    def _mark(self, table: DataTable[Any], where: Coordinate | None, on: bool) -> None:
        """Put the ">" before the cell under the cursor (on) or take it away (off)."""
        if where is None or not table.is_valid_coordinate(where):
            return
        cell = table.get_cell_at(where)
        plain = cell.plain if isinstance(cell, Text) else str(cell)
        body = plain[1:] if plain[:1] in (" ", MARK) else plain
        marked = (MARK if on else " ") + body
        table.update_cell_at(where, Text(marked, justify=cell.justify) if isinstance(cell, Text) else marked)
        self._marked = where if on else None

    def _move_mark(self, table: DataTable[Any]) -> None:
        if self._marked != table.cursor_coordinate:
            self._mark(table, self._marked, False)
        self._mark(table, table.cursor_coordinate, True)

    def _show_totals(self) -> None:
        table = self.query_one("#totals", DataTable)
        row = STATES.index(self.state)  # the cursor on the ">" row: the type the figures are for
        table.clear()
        for s in STATES:
            f = self.data.totals[s]
            table.add_row(">" if s == self.state else " ", STATE_LABELS[s], Text(f"{f.count:,}", justify="right"),
                          Text(format_display(f.cents), justify="right"), key=s)
        table.move_cursor(row=row)

    def _show_breakdowns(self) -> None:
        table = self.query_one("#breakdown", DataTable)
        where = table.cursor_coordinate
        table.clear()
        days, aging = self.data.breakdown("days"), self.data.breakdown("aging")
        dunning, statements = self.data.breakdown("dunning"), self.data.breakdown("statements")
        rows = max(len(aging.buckets), len(dunning.buckets))
        for i in range(rows):
            cells: list[Text | str] = []
            for b in (days, aging):
                cells.append(self._cell(b.buckets[i].count, b.buckets[i].cents) if i < len(b.buckets) else " ")
            label = f" {aging.buckets[i].key}" if i < len(aging.buckets) else " "
            level = f" {dunning.buckets[i].key}" if i < len(dunning.buckets) else " "
            values = [self._cell(b.buckets[i].count, b.buckets[i].cents) if i < len(b.buckets) else " "
                      for b in (dunning, statements)]
            table.add_row(label, *cells, level, *values, key=str(i))
        table.styles.height = rows + 1
        self._marked = None
        table.cursor_coordinate = where
        self._move_mark(table)

    def _show_controls(self) -> None:
        computed = self.data.computed_at.astimezone().strftime("%m-%d %H:%M:%S")
        self.query_one("#controls", Static).update("\n".join([
            f"Type (t) {SHORT[self.state]}", f"By (b) {'Count' if self.by == 'count' else 'Dollars'}",
            f"Graph (g) {GRAPH_TITLES[self.graph].split(' (')[0]}", f"Computed {computed}"]))
        f = self.data.totals[self.state]
        self.query_one("#status", Static).update(
            f"{STATE_LABELS[self.state]}: {f.count:,} · {format_display(f.cents, symbol=True)} · "
            f"as of {self.data.as_of.isoformat()} · Enter: list")
        if self.credit is not None:
            self.query_one("#credit", Static).update(
                f"Placed, not yet reportable to credit bureaus: {self.credit.count:,} · "
                f"{format_display(self.credit.cents, symbol=True)}")

    def _show_graph(self) -> None:
        b = self.data.breakdown(self.graph)
        bars = [Bar(k.key, k.count if self.by == "count" else k.cents, self._value(k.count, k.cents))
                for k in b.buckets]
        what = "encounters" if self.by == "count" else "dollars"
        largest = max((x.value for x in bars), default=0)
        full = f"{largest:,}" if self.by == "count" else format_display(largest, symbol=True)
        self.query_one(BarGraph).show(
            f"Graph: {SHORT[self.state]} by {GRAPH_TITLES[self.graph]}, {what}",
            bars, f"Legend: █ {what} ({STATE_LABELS[self.state]}) · full bar = {full}")

    # ---- controls -----------------------------------------------------------------------------

    def action_next_type(self) -> None:
        self.state = STATES[(STATES.index(self.state) + 1) % len(STATES)]
        self.load()

    def action_toggle_by(self) -> None:
        self.by = "dollars" if self.by == "count" else "count"
        if self.data is not None:
            self._show_breakdowns()
            self._show_controls()
            self._show_graph()

    def action_next_graph(self) -> None:
        self.graph = GRAPHS[(GRAPHS.index(self.graph) + 1) % len(GRAPHS)]
        if self.data is not None:
            self._show_controls()
            self._show_graph()

    def action_refresh_figures(self) -> None:
        self.load()

    # ---- opening the list ---------------------------------------------------------------------

    def on_data_table_cell_highlighted(self, event: DataTable.CellHighlighted) -> None:
        """Moving onto a breakdown column graphs that breakdown; the ">" follows the cursor."""
        if event.data_table.id != "breakdown" or self.data is None:
            return
        self._move_mark(event.data_table)
        key = COLUMNS[event.coordinate.column][0]
        graph = LABEL_FOR.get(key, key)
        if graph != self.graph:
            self.graph = graph
            self._show_controls()
            self._show_graph()

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        event.stop()
        self.action_open_list()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_list()

    def target(self) -> tuple[str, str | None, str | None] | None:
        """(state, breakdown, bucket) of the number under the cursor; None on an empty cell."""
        if self.data is None:
            return None
        focused = self.focused
        if isinstance(focused, DataTable) and focused.id == "totals":
            return STATES[focused.cursor_row], None, None
        table = self.query_one("#breakdown", DataTable)
        key = COLUMNS[table.cursor_coordinate.column][0]
        name = LABEL_FOR.get(key, key)
        buckets = self.data.breakdown(name).buckets
        row = table.cursor_coordinate.row
        if row >= len(buckets):
            return None
        return self.state, name, buckets[row].key

    def action_open_list(self) -> None:
        from core.precollections import dashboard
        found = self.target()
        if found is None:
            self.notify("No number here.")
            return
        state, name, key = found
        entry = BY_ID.get("precollections")
        if entry is None or not entry.built:
            self.notify("The Pre-Collections list is coming: it is not built yet.", severity="warning")
            return
        self.app.push_screen(list_screen(entry, state, dashboard.bucket_filter(state, name, key)))
        self.notify(f"Showing {dashboard.describe(state, name, key)}")


def list_screen(entry: Any, state: str, filt: Any) -> Any:
    """The Pre-Collections list opened on `state`'s view with `filt` (a core TaskFilter).

    PreCollectionsScreen(view=...) keeps its filter in `filt` (whose states[0] is the view); it
    is set before the screen mounts, so its first load already reads only the matching rows.
    """
    screen = entry.make(view=state)
    screen.filt = filt
    return screen
