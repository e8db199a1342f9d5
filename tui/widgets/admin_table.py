"""The admin table: one widget for every Collections Admin table (statuses, billing groups,
adjustment codes, letter templates), generic over its columns and the core functions behind it.

A table is declared as an `AdminSpec` (columns, how to read the rows, the edit form's fields,
the core functions that save and remove), so each admin tab is a few lines of data and the keys,
the edit dialog, the confirmation and the refusals behave the same everywhere:

- Alt+D add, Alt+U update, Alt+R remove (each with its Alt+Shift twin and a plain fallback:
  Insert, Enter, Delete — tui/keys.py);
- the edit dialog saves with F2 and cancels with Esc; a refusal from the core that names a field
  is shown under that field, any other refusal in a message dialog with the core's own words;
- remove asks first (the validation-warning modal), then shows the core's refusal if it is in use.

Every call goes to the core in a worker thread (`run_use_case`), so the keys never wait on SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Static, TextArea

from core.errors import BadInput, NeedsConfirmation, RecoupError, Summary, SummaryLine
from tui.keys import binding, bindings
from tui.protocols import services_of
from tui.typeahead import hold_keys, release_keys
from tui.widgets.cells import fit
from tui.widgets.confirm import leave_form, run_use_case
from tui.widgets.form import CriteriaForm, Field
from tui.widgets.marked import MarkedDataTable

Row = Any
Values = dict[str, Any]


@dataclass(frozen=True)
class AdminSpec:
    id: str
    title: str                                       # "Collection Status Table"
    noun: str                                        # "status"
    columns: tuple[tuple[str, int], ...]             # (label, width)
    read: Callable[[Any, Any, int], list[Row]]       # (uow, actor, practice_id) -> rows
    cells: Callable[[Row], tuple[str, ...]]
    key: Callable[[Row], str]                        # the row's code or name
    describe: Callable[[Row], str]                   # one line for the remove warning
    fields: tuple[Field, ...]                        # the edit form; fields[0] is the key
    to_form: Callable[[Row], dict[str, str | bool]]
    save: Callable[[Any, Any, int, Values], Any]     # (uow, actor, practice_id, values) -> row
    remove: Callable[[Any, Any, int, str], None]     # (uow, actor, practice_id, key)
    multiline: str | None = None                     # a field edited in a text area (a letter body)
    hint: str = ""                                   # shown in the edit dialog (e.g. merge fields)
    plural: str = ""                                 # "statuses" (default: noun + "s")
    prepare: Callable[[Any, int], None] | None = None  # (services, practice_id): before the first read
    # instead of `save`, when the core must see the row as read (its version: a stale save is refused)
    save_row: Callable[[Any, Any, int, Values, Row | None], Any] | None = None


def _text(value: Any) -> str:
    return "" if value is None else str(value)


class EditDialog(ModalScreen[bool]):
    """Add or update one row: F2 saves (through the core), Esc cancels."""

    BINDINGS = [binding("screen.save", "save"), binding("screen.cancel", "cancel"), binding("app.help", "app.help")]
    DEFAULT_CSS = """
    EditDialog { align: center middle; }
    EditDialog > Vertical { width: 78; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; }
    EditDialog .title { text-style: bold; padding: 0 1; }
    EditDialog .hint { color: $text-muted; padding: 0 1; }
    EditDialog CriteriaForm .field { margin-bottom: 0; }
    EditDialog CriteriaForm Checkbox { margin: 0 0 0 21; }
    EditDialog TextArea { height: 10; margin: 0 1; }
    EditDialog #body-error { color: $error; text-style: bold; padding: 0 1; height: auto; }
    EditDialog Horizontal { height: auto; align-horizontal: right; }
    EditDialog Button { margin-left: 1; }
    """

    def __init__(self, spec: AdminSpec, practice_id: int, row: Row | None, existing: set[str]) -> None:
        super().__init__()
        self.spec, self.practice_id, self.row, self.existing = spec, practice_id, row, existing
        self.TITLE_TEXT = f"{'Update' if row is not None else 'Add'} {spec.noun}"

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"{self.TITLE_TEXT} (F2 saves, Esc cancels)", classes="title", markup=False)
            yield CriteriaForm([f for f in self.spec.fields if f.name != self.spec.multiline], id="edit-form")
            if self.spec.multiline:
                yield TextArea(id=f"field-{self.spec.multiline}", soft_wrap=True, show_line_numbers=False)
                yield Static("", id="body-error", markup=False)
            if self.spec.hint:
                yield Static(self.spec.hint, classes="hint", markup=False)
            with Horizontal():
                yield Button("Save (F2)", variant="primary", id="save", compact=True)
                yield Button("Cancel (Esc)", id="cancel", compact=True)

    def on_mount(self) -> None:
        form = self.query_one(CriteriaForm)
        if self.row is not None:
            values = self.spec.to_form(self.row)
            form.set_values({k: v for k, v in values.items() if k != self.spec.multiline})
            if self.spec.multiline:
                self.query_one(TextArea).text = str(values.get(self.spec.multiline) or "")
            key = self.query_one(f"#field-{self.spec.fields[0].name}")
            key.disabled = True                                 # the code of a row is its identity
            focus = next((f for f in self.spec.fields[1:] if f.name != self.spec.multiline), None)
            self.query_one(f"#field-{focus.name}" if focus else TextArea).focus()
        else:
            self.query_one(f"#field-{self.spec.fields[0].name}").focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save() if event.button.id == "save" else self.action_cancel()

    def values(self) -> Values:
        """Parsed values, or BadInput (already shown at its field)."""
        values = self.query_one(CriteriaForm).values()
        if self.spec.multiline:
            values[self.spec.multiline] = self.query_one(TextArea).text
        key = self.spec.fields[0]
        if self.row is None and values[key.name] is not None and \
                str(values[key.name]).strip().upper() in {k.upper() for k in self.existing}:
            exc = BadInput(f"{key.label}: {values[key.name]} already exists; highlight it and use Update",
                           field=key.name)
            self.query_one(CriteriaForm).show_error(exc)
            raise exc
        return values

    def action_save(self) -> None:
        try:
            values = self.values()
        except BadInput:
            return
        s, spec, pid, row = services_of(self), self.spec, self.practice_id, self.row

        def call(_: bool) -> Any:
            with s.uow(write=True) as u:
                if spec.save_row is not None:
                    return spec.save_row(u, s.actor, pid, values, row)
                return spec.save(u, s.actor, pid, values)

        run_use_case(self, f"Save {spec.noun}", call, lambda _: self.dismiss(True), on_error=self.show_error)

    def show_error(self, exc: RecoupError) -> bool:
        """A BadInput that names one of the fields is shown there; the rest go to the dialog."""
        if not isinstance(exc, BadInput) or not exc.field:
            return False
        if exc.field == self.spec.multiline:
            self.query_one("#body-error", Static).update(f"! {exc.message}")
            self.query_one(TextArea).focus()
            return True
        if any(f.name == exc.field for f in self.spec.fields):
            self.query_one(CriteriaForm).show_error(exc)
            return True
        return False

    def action_cancel(self) -> None:
        leave_form(self, lambda: self.dismiss(False))


class AdminTable(Vertical):
    """See the module docstring. `practice_id` comes from the screen (the app's practice)."""

    BINDINGS = bindings(("table.add", "add"), ("table.update", "update"), ("table.remove", "remove"))
    DEFAULT_CSS = """
    AdminTable { height: 1fr; }
    AdminTable DataTable { height: 1fr; }
    AdminTable .admin-status { height: 1; padding: 0 1; background: $panel; }
    """

    def __init__(self, spec: AdminSpec, practice_id: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.spec, self.practice_id = spec, practice_id
        self.rows: list[Row] = []

    def compose(self) -> ComposeResult:
        yield Static("Reading…", classes="admin-status", markup=False)
        yield MarkedDataTable(cursor_type="row", zebra_stripes=False)

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one(DataTable)

    def on_mount(self) -> None:
        table = self.table
        for label, width in self.spec.columns:
            table.add_column(label, width=width)
        self.reload()

    def focus_table(self) -> None:
        self.table.focus()

    def reload(self, select: str | None = None) -> None:
        s, spec, pid = services_of(self), self.spec, self.practice_id
        token = ("admin-table", spec.id, pid)
        hold_keys(self, token)  # Enter or Del typed now is meant for the rows being read

        def read() -> None:
            try:
                try:
                    if spec.prepare is not None:
                        spec.prepare(s, pid)
                    with s.uow() as u:
                        rows = spec.read(u, s.actor, pid)
                except Exception as exc:
                    self.app.call_from_thread(self._status, f"Could not read: {exc}")
                    return
                self.app.call_from_thread(self._show, rows, select)
            finally:  # a failed read or show must not leave the keys held
                self.app.call_from_thread(release_keys, self, token)

        self.run_worker(read, thread=True, group=f"admin-{spec.id}", exclusive=True, exit_on_error=False)

    def _status(self, text: str) -> None:
        self.query_one(".admin-status", Static).update(text)

    def _show(self, rows: list[Row], select: str | None) -> None:
        table = self.table
        keep = select if select is not None else (self.current_key() or "")
        self.rows = rows
        table.clear()
        widths = [w for _, w in self.spec.columns]
        for row in rows:
            table.add_row(*(fit(c, w) for c, w in zip(self.spec.cells(row), widths, strict=False)),
                          key=self.spec.key(row))
        keys = [self.spec.key(r) for r in rows]
        if keep in keys:
            table.move_cursor(row=keys.index(keep))
        noun = self.spec.noun if len(rows) == 1 else (self.spec.plural or self.spec.noun + "s")
        self._status(f"{self.spec.title}: {len(rows)} {noun} · F8 next tab")

    def current(self) -> Row | None:
        if not self.rows or self.table.cursor_row >= len(self.rows):
            return None
        return self.rows[self.table.cursor_row]

    def current_key(self) -> str | None:
        row = self.current()
        return None if row is None else self.spec.key(row)

    # ---- the three actions ---------------------------------------------------------------------

    def action_add(self) -> None:
        self._edit(None)

    def action_update(self) -> None:
        row = self.current()
        if row is None:
            self.app.notify(f"There is no {self.spec.noun} to update: Alt+D or Insert adds one.")
            return
        self._edit(row)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_update()          # Enter on a row: the plain fallback of Alt+U

    def _edit(self, row: Row | None) -> None:
        existing = {self.spec.key(r) for r in self.rows}

        def saved(ok: bool | None) -> None:
            if ok:
                self.app.notify(f"{self.spec.title}: saved.")
                self.reload()
            self.focus_table()
        self.app.push_screen(EditDialog(self.spec, self.practice_id, row, existing), saved)

    def action_remove(self) -> None:
        row = self.current()
        if row is None:
            self.app.notify(f"There is no {self.spec.noun} to remove.")
            return
        key, spec, pid = self.spec.key(row), self.spec, self.practice_id
        s = services_of(self)
        summary = Summary(f"Remove {spec.noun} {key}",
                          [SummaryLine(1, None, f"will be removed: {spec.describe(row)}")],
                          ["The core refuses if anything still uses it, and says what."])

        def call(confirmed: bool) -> None:
            if not confirmed:
                raise NeedsConfirmation(summary)
            with s.uow(write=True) as u:
                spec.remove(u, s.actor, pid, key)

        def removed(_: Any) -> None:
            self.app.notify(f"{spec.title}: {spec.noun} {key} removed.")
            self.reload()
        run_use_case(self, f"Remove {spec.noun}", call, removed)


def cell(value: Any) -> str:
    """A cell's text: blank for None."""
    return _text(value)
