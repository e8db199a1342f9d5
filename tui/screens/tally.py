"""A batch run's tally on screen (SPEC 14): what it considered, took by group and left out by reason.

Enter on a reason opens the accounts it kept out, on the virtual table: pages are read as the
operator scrolls (`tallies.left_out` by offset), so a reason that kept out 100,000 accounts opens
at once. Enter on an account opens its guarantor's dashboard.

Every batch started on screen (Add Pre-Collection Tasks, the external run, Populate Collection
Roster, Turn Over) remembers its tally when it ends and opens it on Ctrl+T (`LastTally`), and
Batch Runs opens any earlier one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import Header, Static

from core import tallies
from core.money import format_display
from core.practices import find_account, find_practice
from tui.keys import binding
from tui.protocols import recoup_app
from tui.screens.base import RecoupScreen
from tui.widgets.confirm import show_error
from tui.widgets.footer import FitFooter
from tui.widgets.vtable import PAGE, Column, VirtualTable


def dollars(cents: int) -> str:
    return format_display(cents, symbol=True)


def totals_line(t: tallies.TallyView) -> str:
    left, left_cents = t.considered - t.taken, t.considered_cents - t.taken_cents
    return (f"Considered {t.considered:,} ({dollars(t.considered_cents)}) · taken {t.taken:,} "
            f"({dollars(t.taken_cents)}) · left out {left:,} ({dollars(left_cents)})")


# --- lists read by offset, shown on the virtual table ---------------------------------------------

@dataclass(frozen=True)
class Indexed:
    """A row with its place in the list: the keyset position of a list read by offset."""
    index: int
    row: Any


class OffsetSource:
    """A RowSource over `fetch(offset, limit)`: a page next to a cached one starts where that one
    ends, so the virtual table's keyset reads become offsets."""

    def __init__(self, total: Callable[[], int], fetch: Callable[[int, int], list[Any]]) -> None:
        self._total, self._fetch = total, fetch

    def count(self) -> int:
        return self._total()

    def page(self, *, after: Any = None, before: Any = None, offset: int | None = None,
             limit: int = PAGE) -> list[Indexed]:
        if after is not None:
            start = after + 1
        elif before is not None:
            start = max(0, before - limit)
            limit = before - start
        else:
            start = offset or 0
        return [Indexed(start + i, r) for i, r in enumerate(self._fetch(start, limit))]

    def key(self, row: Indexed) -> int:
        return row.index

    def row_id(self, row: Indexed) -> int:
        return row.index


def list_source(read: Callable[[], list[Any]]) -> OffsetSource:
    """A short list read whole (a run's reasons, the latest runs) on the same table."""
    rows: list[Any] = []

    def total() -> int:
        rows[:] = read()
        return len(rows)
    return OffsetSource(total, lambda start, n: rows[start:start + n])


def list_bindings(open_id: str) -> list[BindingType]:
    """The virtual table's moves without selecting (nothing here acts on a selection), and Enter
    under its own footer label."""
    keep = [b for b in VirtualTable.BINDINGS
            if not isinstance(b, tuple) and b.action not in ("toggle", "select_all", "select_none", "choose")]
    return [*keep, binding(open_id, "choose")]


class ReasonsTable(VirtualTable, inherit_bindings=False):
    BINDINGS = list_bindings("tally.accounts")


class AccountsTable(VirtualTable, inherit_bindings=False):
    BINDINGS = list_bindings("tally.guarantor")


# --- the tally -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class TallyLine:
    side: str          # "taken" or "left out"
    count: tallies.Count


TALLY_COLUMNS = [Column("side", "", 8, lambda r: r.row.side),
                 Column("what", "Group or reason", 36, lambda r: r.row.count.code if r.row.side == "taken"
                        else r.row.count.words),
                 Column("count", "Count", 9, lambda r: f"{r.row.count.count:,}", right=True),
                 Column("cents", "Dollars", 15, lambda r: dollars(r.row.count.cents), right=True)]


def tally_rows(t: tallies.TallyView) -> list[TallyLine]:
    return [TallyLine("taken", c) for c in t.groups] + [TallyLine("left out", c) for c in t.excluded]


class TallyScreen(RecoupScreen):
    """One run's tally; Enter on a reason opens its accounts."""

    TITLE_TEXT = "Batch Run Tally"
    DEFAULT_CSS = "TallyScreen #tally-text { height: auto; padding: 0 1; background: $panel; }"

    def __init__(self, tally_id: int) -> None:
        super().__init__()
        self.tally_id = tally_id
        self.tally: tallies.TallyView | None = None
        self._found: list[tallies.TallyView] = []   # what the reading worker found

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Run {self.tally_id}: reading…", id="tally-text", markup=False)
        yield ReasonsTable(TALLY_COLUMNS, id="tally-table")
        yield FitFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.sub_title = f"{self.TITLE_TEXT} · run {self.tally_id}"
        table = self.query_one(ReasonsTable)
        table.focus()
        s, tid, found = self.services, self.tally_id, self._found

        def read() -> list[TallyLine]:
            with s.uow() as u:
                t = tallies.show(u, s.actor, tid)
            found.append(t)
            return tally_rows(t)
        table.load(list_source(read))

    def on_virtual_table_loaded(self, event: VirtualTable.Loaded) -> None:
        if self._found:
            t = self.tally = self._found[-1]
            nothing = "" if t.excluded else "\nNothing was left out."
            self.query_one("#tally-text", Static).update(
                f"Run {t.id}: {t.title}, by {t.operator}\n{totals_line(t)}{nothing}\n"
                f"Counts are {t.unit}; Enter on a reason lists those it left out.")

    def on_virtual_table_row_chosen(self, event: VirtualTable.RowChosen) -> None:
        line: TallyLine = event.row.row
        if self.tally is None:
            return
        if line.side == "taken":
            self.app.notify(f"{line.count.code}: {line.count.count:,} taken; the batch's own "
                            "screen lists them. Enter on a reason lists what it left out.")
            return
        self.app.push_screen(LeftOutScreen(self.tally, line.count))


# --- the accounts one reason left out ---------------------------------------------------------------

ACCOUNT_COLUMNS = [Column("guarantor", "Guarantor", 12, lambda r: r.row.guarantor),
                   Column("name", "Name", 28, lambda r: r.row.name),
                   Column("encounter", "Encounter", 14, lambda r: r.row.encounter or "(account)"),
                   Column("amount", "Amount", 14, lambda r: dollars(r.row.cents), right=True)]


class LeftOutScreen(RecoupScreen):
    """The accounts one reason kept out of a run, a page at a time; Enter opens the guarantor."""

    TITLE_TEXT = "Left Out"
    DEFAULT_CSS = "LeftOutScreen #left-text { height: auto; padding: 0 1; background: $panel; }"

    def __init__(self, tally: tallies.TallyView, reason: tallies.Count) -> None:
        super().__init__()
        self.tally, self.reason = tally, reason

    def compose(self) -> ComposeResult:
        t, r = self.tally, self.reason
        yield Header()
        yield Static(f"Run {t.id}: {t.title}\nReason: {r.words} [{r.code}] · {t.counted(r.count)} "
                     f"left out, {dollars(r.cents)}", id="left-text", markup=False)
        yield AccountsTable(ACCOUNT_COLUMNS, id="left-table")
        yield FitFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.sub_title = f"{self.TITLE_TEXT} · run {self.tally.id} · {self.reason.code}"
        s, tid, reason = self.services, self.tally.id, self.reason

        def fetch(offset: int, limit: int) -> list[tallies.LeftOut]:
            with s.uow() as u:
                return tallies.left_out(u, s.actor, tid, reason.code, offset, limit)
        table = self.query_one(AccountsTable)
        table.load(OffsetSource(lambda: reason.count, fetch))
        table.focus()

    def on_virtual_table_row_chosen(self, event: VirtualTable.RowChosen) -> None:
        row: tallies.LeftOut = event.row.row
        s, practice = self.services, self.tally.practice

        def find() -> None:
            try:
                with s.uow() as u:
                    g, _ = find_account(u, find_practice(u, practice), row.guarantor, None)
            except Exception as exc:  # a guarantor since removed: a message, not a crash
                self.app.call_from_thread(show_error, self, exc)
                return
            self.app.call_from_thread(recoup_app(self).open_screen, "guarantor", guarantor_id=g.id)
        self.run_worker(find, thread=True, group="left-out-open", exclusive=True, exit_on_error=False)


class LastTally:
    """What a screen that starts a batch adds: Ctrl+T opens the tally of the batch it last ran
    (the notification of the batch's end says so). A mixin of RecoupScreen subclasses, which
    list `LAST_TALLY` in their BINDINGS."""

    last_tally: tallies.TallyView | None = None

    def remember_tally(self, tally: tallies.TallyView | None) -> str:
        """Keep the batch's tally; the words its notification ends with."""
        if tally is None:
            return ""
        self.last_tally = tally
        return f" Ctrl+T: its tally (run {tally.id})."

    def action_last_tally(self) -> None:
        screen: Any = self
        if self.last_tally is None:
            screen.app.notify("No batch has run from this screen yet: Admin > Batch Runs lists every run.")
            return
        screen.app.push_screen(TallyScreen(self.last_tally.id))


LAST_TALLY = binding("runs.last_tally", "last_tally")
