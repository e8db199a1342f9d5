"""Admin -> Audit Trail: who did what, when, to which records, before and after (SPEC 8).

Newest first on the virtual table (keyset pages, so a trail of millions of entries opens at
once). Filter by operator, record id (a task number, an encounter, a guarantor, an operator's
name), action (a prefix: "account.open" shows who opened which account) and dates. Enter shows
an entry in full with its before and after. Reading the trail is the core's decision
(supervisors and above); a refusal is shown in the table, in the core's words.
"""

from __future__ import annotations

import json
from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Header, Static

from core import audit
from core.audit import AuditFilter, AuditRow
from core.errors import BadInput
from tui.keys import binding, bindings
from tui.screens.base import RecoupScreen
from tui.screens.precollections_dialogs import Dialog
from tui.services import Services
from tui.widgets.footer import FitFooter
from tui.widgets.form import Field
from tui.widgets.vtable import PAGE, Column, VirtualTable

COLUMNS = [Column("id", "#", 6, lambda r: str(r.id), right=True),
           Column("at", "When (UTC)", 16, lambda r: f"{r.at:%Y-%m-%d %H:%M}"),
           Column("operator", "Operator", 12, lambda r: r.operator),
           Column("action", "Action", 22, lambda r: r.action),
           Column("records", "Records", 15, lambda r: _records(r))]


def _records(r: AuditRow) -> str:
    shown = ", ".join(r.record_ids[:3])
    return shown + (f" +{len(r.record_ids) - 3}" if len(r.record_ids) > 3 else "")


class AuditSource:
    """The RowSource of one filter; each call its own read-only transaction (in a worker)."""

    def __init__(self, services: Services, filt: AuditFilter) -> None:
        self.services, self.filt = services, filt

    def count(self) -> int:
        with self.services.uow() as u:
            return audit.count_entries(u, self.services.actor, self.filt)

    def page(self, *, after: Any = None, before: Any = None, offset: int | None = None,
             limit: int = PAGE) -> list[AuditRow]:
        with self.services.uow() as u:
            return audit.read_entries(u, self.services.actor, self.filt, after=after, before=before,
                                      offset=offset, limit=limit)

    def key(self, row: AuditRow) -> int:
        return row.id

    def row_id(self, row: AuditRow) -> int:
        return row.id


FILTER_FIELDS = [Field("operator", "Operator", max_length=64, placeholder="a name; blank: everyone"),
                 Field("record", "Record id", max_length=64, placeholder="task, encounter, guarantor, operator"),
                 Field("action", "Action starts with", max_length=60, placeholder="e.g. account.open, users."),
                 Field("since", "From date", "date"), Field("until", "To date", "date")]


class AuditFilterDialog(Dialog):
    TITLE_TEXT = "Filter the audit trail"
    FIELDS = FILTER_FIELDS

    def __init__(self, current: AuditFilter) -> None:
        super().__init__()
        self.current = current

    def on_mount(self) -> None:
        c = self.current
        self.form.set_values({"operator": c.operator or "", "record": c.record or "", "action": c.action or "",
                              "since": c.since.isoformat() if c.since else "",
                              "until": c.until.isoformat() if c.until else ""})
        self.query_one("#field-operator").focus()

    def result(self, v: dict[str, Any]) -> AuditFilter:
        if v["since"] and v["until"] and v["since"] > v["until"]:
            raise BadInput("To date: is before the From date", field="until")
        return AuditFilter(v["operator"] or None, v["action"] or None, v["record"] or None, v["since"], v["until"])


def describe(f: AuditFilter) -> str:
    parts = [f"{label}{value}" for label, value in (("operator ", f.operator), ("record ", f.record),
                                                      ("action ", f.action), ("from ", f.since), ("to ", f.until))
             if value]
    return ", ".join(parts) if parts else "everything"


def _pretty(text: str | None) -> str:
    if text is None:
        return "  (none)"
    try:
        value = json.loads(text)
    except ValueError:
        return f"  {text}"
    if isinstance(value, dict):
        return "\n".join(f"  {k}: {v}" for k, v in value.items()) or "  (empty)"
    return f"  {value}"


def detail_text(r: AuditRow) -> str:
    """An entry in full, as plain text (no colour needed to read it)."""
    return "\n".join([
        f"Entry {r.id}", f"When:     {r.at:%Y-%m-%d %H:%M:%S} UTC",
        f"Business date: {r.business_date.isoformat() if r.business_date else '-'}",
        f"Operator: {r.operator}", f"Action:   {r.action}", f"Entity:   {r.entity}",
        f"Records ({len(r.record_ids)}): {', '.join(r.record_ids) or '-'}",
        "Before:", _pretty(r.before), "After:", _pretty(r.after)])


class AuditDetail(ModalScreen[None]):
    """One entry, in full; Esc closes."""

    BINDINGS = [binding("screen.cancel", "close"), binding("app.help", "app.help")]
    DEFAULT_CSS = """
    AuditDetail { align: center middle; }
    AuditDetail > Vertical { width: 78; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; }
    AuditDetail VerticalScroll { height: auto; max-height: 20; padding: 0 1; }
    AuditDetail .title { text-style: bold; padding: 0 1; }
    """

    def __init__(self, row: AuditRow) -> None:
        super().__init__()
        self.row = row

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Audit entry (Esc closes)", classes="title", markup=False)
            with VerticalScroll():
                yield Static(detail_text(self.row), id="audit-detail", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)


class AuditScreen(RecoupScreen):
    """Admin -> Audit Trail."""

    TITLE_TEXT = "Audit Trail"
    BINDINGS = bindings(("audit.filter", "filter"), ("audit.clear_filter", "clear_filter"),
                        ("audit.open", "open"), ("audit.reload", "reload"))
    DEFAULT_CSS = """
    AuditScreen #audit-status { height: 1; padding: 0 1; background: $panel; }
    """

    def __init__(self, filt: AuditFilter | None = None) -> None:
        super().__init__()
        self.filt = filt or AuditFilter()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="audit-status", markup=False)
        yield VirtualTable(COLUMNS, id="audit-table")
        yield FitFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.action_reload()
        self.table.focus()

    @property
    def table(self) -> VirtualTable:
        return self.query_one(VirtualTable)

    def action_reload(self) -> None:
        self.table.load(AuditSource(self.services, self.filt))
        self._status()

    def _status(self) -> None:
        t = self.table
        err = f" · {t.error}" if t.error else ""
        self.query_one("#audit-status", Static).update(
            f"Newest first · {describe(self.filt)} · {t.total:,} entries{err}")

    def on_virtual_table_loaded(self, event: VirtualTable.Loaded) -> None:
        self._status()

    def on_virtual_table_row_chosen(self, event: VirtualTable.RowChosen) -> None:
        event.stop()
        self.app.push_screen(AuditDetail(event.row))

    def action_open(self) -> None:
        row = self.table.current_row
        if row is None:
            self.app.notify("No entry highlighted.", severity="warning")
            return
        self.app.push_screen(AuditDetail(row))

    def action_filter(self) -> None:
        def chosen(result: AuditFilter | None) -> None:
            if result is not None:
                self.filt = result
                self.action_reload()
        self.app.push_screen(AuditFilterDialog(self.filt), chosen)

    def action_clear_filter(self) -> None:
        self.filt = AuditFilter()
        self.action_reload()
