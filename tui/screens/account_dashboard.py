"""Pieces the Patient and Encounter dashboards share: balances, money columns, the tabs.

A collection balance is shown in the error colour AND marked "[IN COLLECTIONS]" in text, so it
reads the same with NO_COLOR or on a 16-colour terminal.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Header, Static, TabbedContent, TabPane

from core.accounts import StatementRow, TxnRow
from core.money import format_display
from tui.keys import bindings
from tui.screens.base import RecoupScreen
from tui.widgets.footer import FitFooter
from tui.widgets.marked import MarkedDataTable

OTHER_TABS = bindings(("dashboard.transactions", "tab('txns')"), ("dashboard.statements", "tab('statements')"),
                      ("dashboard.collections", "tab('collections')"))


def money(cents: int) -> str:
    return format_display(cents, symbol=True)


def collections_text(cents: int) -> str:
    """ "COLLECTIONS $40.00 [IN COLLECTIONS]" when there is a balance; plain otherwise."""
    return f"COLLECTIONS {money(cents)} [IN COLLECTIONS]" if cents else f"Collections {money(0)}"


class Balances(Vertical):
    """Two lines: A/R, insurance A/R, escrow; then collections (red AND marked in text)."""

    DEFAULT_CSS = """
    Balances { height: 2; padding: 0 1; }
    Balances Horizontal { height: 1; }
    Balances Horizontal Static { width: auto; margin-right: 3; }
    """

    def compose(self) -> ComposeResult:
        with Horizontal():
            for name in ("ar", "ins", "escrow"):
                yield Static("", id=f"bal-{name}", markup=False)
        yield Static("", id="bal-coll", markup=False)

    def show(self, ar: int, ins: int, coll: int, escrow: int | None) -> None:
        self.query_one("#bal-ar", Static).update(f"A/R {money(ar)}")
        self.query_one("#bal-ins", Static).update(f"Ins A/R {money(ins)}")
        c = self.query_one("#bal-coll", Static)
        c.update(collections_text(coll))
        c.set_class(bool(coll), "collections")
        e = self.query_one("#bal-escrow", Static)
        e.update("" if escrow is None else f"Escrow {money(escrow)}")


def fill(table: DataTable[Any], columns: Iterable[str], rows: Iterable[tuple[Any, ...]],
         keys: Iterable[str] | None = None) -> None:
    table.clear(columns=True)
    table.add_columns(*columns)
    keys = list(keys) if keys is not None else None
    for i, row in enumerate(rows):
        table.add_row(*row, key=keys[i] if keys else None)


def txn_rows(txns: list[TxnRow]) -> list[tuple[str, ...]]:
    return [(t.date.isoformat(), t.kind.replace("_", "-"), t.source, t.line_source_id or "unapplied",
             f"{t.bucket_from}>{t.bucket_to}", format_display(t.amount_cents), t.adjustment_code or "")
            for t in txns]


TXN_COLUMNS = ("Date", "Kind", "Source", "Line", "Moves", "Amount", "Code")
STATEMENT_COLUMNS = ("Date", "Statement", "Encounter", "Dunning")


def statement_rows(statements: list[StatementRow]) -> list[tuple[str, ...]]:
    return [(s.date.isoformat(), s.source_id, s.encounter_source_id or "", str(s.dunning_level))
            for s in statements]


def collection_history(txns: list[TxnRow]) -> list[str]:
    """Every movement into or out of collections, newest first, in words."""
    out = []
    for t in txns:
        if "collections" in (t.bucket_from, t.bucket_to):
            direction = "to collections" if t.bucket_to == "collections" else f"out of collections ({t.bucket_to})"
            out.append(f"{t.date.isoformat()}  {money(t.amount_cents)} {direction}"
                       f"{' · line ' + t.line_source_id if t.line_source_id else ''}")
    return out


def switch_tab(screen: Any, tab: str) -> None:
    tabs = screen.query_one(TabbedContent)
    tabs.active = tab
    pane = tabs.get_pane(tab)
    targets = pane.query("DataTable, VerticalScroll")
    if targets:
        targets.first().focus()


class AccountDashboard(RecoupScreen):
    """The layout and loading the Patient and Encounter dashboards share.

    A subclass names its first tab, reads its detail in `load` (run in a worker thread, inside
    one unit of work) and paints it in `show`; everything else is here once.
    """

    FIRST_TAB: tuple[str, str] = ("1 Lines", "line-table")
    WHAT = "the record"

    def __init__(self) -> None:
        super().__init__()
        self.detail: Any = None

    def compose(self) -> ComposeResult:
        label, table_id = self.FIRST_TAB
        yield Header()
        yield Static("Loading…", id="identity", markup=False)
        yield Static("", id="identity2", markup=False)
        yield Balances()
        with TabbedContent(initial="lines"):
            with TabPane(label, id="lines"):
                yield MarkedDataTable(cursor_type="row", id=table_id)
            with TabPane("2 Transactions", id="txns"):
                yield MarkedDataTable(cursor_type="row", id="transactions")
            with TabPane("3 Statements", id="statements"):
                yield Static("", id="dunning", markup=False)
                yield MarkedDataTable(cursor_type="row", id="statement-table")
            with TabPane("4 Collections", id="collections"):
                yield VerticalScroll(Static("", id="collection-state", markup=False))
        yield FitFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.reload()

    def reload(self) -> None:
        """Read the detail again in a worker (after the operator's own action, too)."""
        services = self.services

        def work() -> None:
            try:
                with services.uow(write=True) as u:  # write: opening an account is audited
                    detail = self.load(u)
            except Exception as exc:
                self.app.call_from_thread(self._failed, exc)
                return
            self.app.call_from_thread(self.show, detail)

        self.run_worker(work, thread=True, exit_on_error=False)

    def load(self, u: Any) -> Any:
        raise NotImplementedError

    def show(self, detail: Any) -> None:
        raise NotImplementedError

    def _failed(self, exc: Exception) -> None:
        self.query_one("#identity", Static).update(f"Could not open {self.WHAT}: {exc}")

    def action_tab(self, tab: str) -> None:
        switch_tab(self, tab)
