"""Guarantors: every guarantor of the practice with balances; sortable, filterable, selectable.

Built on VirtualTable, so it opens at once on hundreds of thousands of guarantors: it reads the
count and the first page in a worker, then pages by keyset as the operator scrolls.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Header, Static

from core import accounts
from core.accounts import GuarantorFilter, GuarantorRow
from core.errors import BadInput, counted
from core.money import format_display
from tui.keys import binding, bindings
from tui.protocols import recoup_app
from tui.screens.base import RecoupScreen
from tui.services import UowFactory
from tui.widgets.footer import FitFooter
from tui.widgets.form import CriteriaForm, Field
from tui.widgets.progress import TaskProgress
from tui.widgets.vtable import PAGE, Column, VirtualTable

SORT_ORDER = ["name", "id", "ar", "ins_ar", "collections", "escrow"]
PROGRESS_AFTER_S = 0.4   # a read still going after this shows the progress bar


def _money(cents: int) -> str:
    return format_display(cents)


def _collections(cents: int) -> str:
    return f"{format_display(cents)} C" if cents else "0.00  "


COLUMNS = [
    Column("id", "Id", 9, lambda r: r.source_id),
    Column("name", "Name", 19, lambda r: r.name),
    Column("kind", "Kd", 3, lambda r: "emp" if r.kind == "employer" else "pat"),
    Column("ar", "A/R", 11, lambda r: _money(r.ar_cents), right=True),
    Column("ins_ar", "Ins A/R", 10, lambda r: _money(r.ins_ar_cents), right=True),
    Column("collections", "Collect.", 11, lambda r: _collections(r.collections_cents), right=True),
    Column("escrow", "Escrow", 9, lambda r: _money(r.escrow_cents), right=True),
]


class GuarantorSource:
    """The RowSource of the list: one practice, one filter, one sort. Called from workers."""

    def __init__(self, uow: UowFactory, practice_id: int, filt: GuarantorFilter, sort: str,
                 descending: bool) -> None:
        self.uow, self.practice_id, self.filt = uow, practice_id, filt
        self.sort, self.descending = sort, descending

    def count(self) -> int:
        with self.uow() as u:
            return accounts.count_guarantors(u, self.practice_id, self.filt)

    def page(self, *, after: Any = None, before: Any = None, offset: int | None = None,
             limit: int = PAGE) -> list[GuarantorRow]:
        with self.uow() as u:
            return accounts.guarantor_page(u, self.practice_id, self.filt, self.sort, self.descending,
                                           after=after, before=before, offset=offset, limit=limit)

    def key(self, row: GuarantorRow) -> Any:
        return accounts.sort_key(row, self.sort)

    def row_id(self, row: GuarantorRow) -> int:
        return row.id


def describe_filter(f: GuarantorFilter) -> str:
    parts = []
    if f.text:
        parts.append(f"'{f.text}'")
    if f.ar_min is not None:
        parts.append(f"A/R>={format_display(f.ar_min)}")
    if f.ar_max is not None:
        parts.append(f"A/R<={format_display(f.ar_max)}")
    if f.collections_min is not None:
        parts.append(f"Coll>={format_display(f.collections_min)}")
    if f.kind:
        parts.append(f.kind)
    if f.in_collections:
        parts.append("in collections")
    return " ".join(parts) or "none"


class GuarantorsScreen(RecoupScreen):
    TITLE_TEXT = "Guarantors"
    BINDINGS = bindings(("guarantors.filter", "filter"), ("guarantors.clear_filter", "clear_filter"),
                        ("guarantors.sort", "sort"), ("guarantors.reverse", "reverse"))
    DEFAULT_CSS = """
    GuarantorsScreen #list-status { height: 1; padding: 0 1; background: $panel; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.filt = GuarantorFilter()
        self.sort = "name"
        self.descending = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="list-status", markup=False)
        yield VirtualTable(COLUMNS, id="guarantor-table")
        yield FitFooter()  # the progress bar is mounted above it only when a read is slow

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(VirtualTable).focus()
        self.reload()

    @property
    def table(self) -> VirtualTable:
        return self.query_one(VirtualTable)

    def reload(self) -> None:
        """Re-read with the current filter and sort; the worker keeps the keys responsive."""
        self.table.columns = self._columns()
        self.table.load(GuarantorSource(self.services.uow, self.practice.id, self.filt, self.sort,
                                        self.descending))
        self._status()
        self.set_timer(PROGRESS_AFTER_S, self._progress)

    async def _progress(self) -> None:
        """The bar for a read the operator waits on. A quick one (most) shows none: the bar is
        five widgets to build and style, and showing and hiding it lays the screen out twice,
        all while the first rows are on their way."""
        if not self.table.loading:
            return
        bars = self.query(TaskProgress)
        if bars:
            bars.first().start("Reading guarantors")
        else:
            bar = TaskProgress()
            await self.mount(bar, before=self.query_one(FitFooter))
            if self.table.loading:
                bar.start("Reading guarantors")

    def _columns(self) -> list[Column]:
        arrow = " v" if self.descending else " ^"
        return [replace(c, label=c.label + arrow) if c.key == self.sort else c for c in COLUMNS]

    def _status(self) -> None:
        t = self.table
        count = "reading…" if t.loading else counted(t.total, "guarantor")
        selected = t.selection.count(t.total)
        sel = f" · {selected:,} selected" if selected else ""
        self.query_one("#list-status", Static).update(
            f"{self.practice.name} · {count} · filter: {describe_filter(self.filt)}{sel}")

    def on_virtual_table_loaded(self, event: VirtualTable.Loaded) -> None:
        for bar in self.query(TaskProgress):
            bar.stop()
        self._status()

    def on_virtual_table_selection_changed(self, event: VirtualTable.SelectionChanged) -> None:
        self._status()

    def on_virtual_table_row_chosen(self, event: VirtualTable.RowChosen) -> None:
        recoup_app(self).open_screen("guarantor", guarantor_id=event.row.id)

    def action_sort(self) -> None:
        self.sort = SORT_ORDER[(SORT_ORDER.index(self.sort) + 1) % len(SORT_ORDER)]
        self.descending = self.sort not in ("name", "id")  # balances: largest first
        self.reload()

    def action_reverse(self) -> None:
        self.descending = not self.descending
        self.reload()

    def action_filter(self) -> None:
        def apply(result: GuarantorFilter | None) -> None:
            if result is not None:
                self.filt = result
                self.reload()
        self.app.push_screen(FilterScreen(self.filt), apply)

    def action_clear_filter(self) -> None:
        self.filt = GuarantorFilter()
        self.reload()


FILTER_FIELDS = [
    Field("text", "Name or id", max_length=120, placeholder="part of the name, or the exact id"),
    Field("ar_min", "A/R at least", "money"),
    Field("ar_max", "A/R at most", "money"),
    Field("collections_min", "Collections at least", "money"),
    Field("kind", "Kind", "choice", choices=("patient", "employer")),
    Field("in_collections", "Only guarantors with a collection balance", "flag"),
]


class FilterScreen(ModalScreen[GuarantorFilter | None]):
    """The guarantor filter: F2 applies, Esc cancels."""

    BINDINGS = [binding("screen.save", "save"), binding("screen.cancel", "cancel"),
                binding("app.help", "app.help")]
    TITLE_TEXT = "Filter guarantors"
    DEFAULT_CSS = """
    FilterScreen { align: center middle; }
    FilterScreen > Vertical { width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; }
    FilterScreen .title { text-style: bold; padding: 0 1; }
    FilterScreen Horizontal { height: auto; align-horizontal: right; }
    """

    def __init__(self, current: GuarantorFilter) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Filter guarantors (F2 applies, Esc cancels)", classes="title")
            yield CriteriaForm(FILTER_FIELDS, id="filter-form")
            with Horizontal():
                yield Button("Apply (F2)", variant="primary", id="apply")
                yield Button("Cancel (Esc)", id="cancel")

    def on_mount(self) -> None:
        f = self.current
        form = self.query_one(CriteriaForm)
        form.set_values({
            "text": f.text, "ar_min": _plain(f.ar_min), "ar_max": _plain(f.ar_max),
            "collections_min": _plain(f.collections_min), "kind": f.kind or "",
            "in_collections": f.in_collections})
        self.query_one("#field-text").focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save() if event.button.id == "apply" else self.action_cancel()

    def action_save(self) -> None:
        form = self.query_one(CriteriaForm)
        try:
            v = form.values()
            if v["ar_min"] is not None and v["ar_max"] is not None and v["ar_min"] > v["ar_max"]:
                raise BadInput("A/R at most: is less than A/R at least", field="ar_max")
        except BadInput as exc:
            form.show_error(exc)
            return
        self.dismiss(GuarantorFilter(text=v["text"] or "", ar_min=v["ar_min"], ar_max=v["ar_max"],
                                     collections_min=v["collections_min"], kind=v["kind"],
                                     in_collections=v["in_collections"]))

    def action_cancel(self) -> None:
        self.dismiss(None)


def _plain(cents: int | None) -> str:
    from core.money import format_plain
    return "" if cents is None else format_plain(cents)
