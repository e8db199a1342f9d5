"""The roster's dialogs: a note, a status change, a payment plan, a status to send back to, a folder.

Each is a `FormDialog`: a modal with a CriteriaForm that, on F2, runs its use case in a worker
(through `run_use_case`, so a validation warning appears when the core asks for one). A refusal
that names one of the dialog's fields is shown under that field; any other (a Conflict: "changed
by NAME at TIME — reload", a Refused) in a message dialog with the core's own words. The dialog
closes with the use case's result, or None when cancelled.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from core.errors import BadInput, RecoupError
from tui import folders
from tui.keys import binding
from tui.widgets.confirm import leave_form, run_use_case
from tui.widgets.form import CriteriaForm, Field

Submit = Callable[[dict[str, Any], bool], Any]     # (values, confirmed) -> result; opens its own uow


def default_folder() -> str:
    return str(folders.roster_files())


class FormDialog(ModalScreen[Any]):
    """See the module docstring."""

    BINDINGS = [binding("screen.save", "save"), binding("screen.cancel", "cancel"), binding("app.help", "app.help")]
    DEFAULT_CSS = """
    FormDialog { align: center middle; }
    FormDialog > Vertical { width: 78; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; }
    FormDialog .title { text-style: bold; padding: 0 1; }
    FormDialog .hint { color: $text-muted; padding: 0 1; }
    FormDialog CriteriaForm .field { margin-bottom: 0; }
    FormDialog CriteriaForm Checkbox { margin: 0 0 0 21; }
    FormDialog Horizontal { height: auto; align-horizontal: right; }
    FormDialog Button { margin-left: 1; }
    """

    def __init__(self, title: str, fields: list[Field], submit: Submit, values: dict[str, Any] | None = None,
                 hint: str = "", on_conflict: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.TITLE_TEXT = title
        self.fields, self.submit, self.initial, self.hint = fields, submit, values or {}, hint
        self.on_conflict = on_conflict

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"{self.TITLE_TEXT} (F2 saves, Esc cancels)", classes="title", markup=False)
            if self.hint:
                yield Static(self.hint, classes="hint", markup=False)
            yield CriteriaForm(self.fields, id="dialog-form")
            with Horizontal():
                yield Button("Save (F2)", variant="primary", id="save", compact=True)
                yield Button("Cancel (Esc)", id="cancel", compact=True)

    def on_mount(self) -> None:
        form = self.query_one(CriteriaForm)
        form.set_values({k: v for k, v in self.initial.items() if any(f.name == k for f in self.fields)})
        self.query_one(f"#field-{self.fields[0].name}").focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save() if event.button.id == "save" else self.action_cancel()

    def action_save(self) -> None:
        form = self.query_one(CriteriaForm)
        try:
            values = form.values()
        except BadInput:
            return
        submit = self.submit

        def at_field(exc: RecoupError) -> bool:
            if isinstance(exc, BadInput) and any(f.name == exc.field for f in self.fields):
                form.show_error(exc)
                return True
            if self.on_conflict is not None and type(exc).__name__ == "Conflict":
                self.dismiss(None)
                self.on_conflict()
            return False

        run_use_case(self, self.TITLE_TEXT, lambda ok: submit(values, ok), self.dismiss, on_error=at_field)

    def action_cancel(self) -> None:
        leave_form(self, lambda: self.dismiss(None))


def note_fields(days: int | None) -> list[Field]:
    later = f"blank: in {days} days" if days is not None else "blank: the practice's default"
    return [Field("text", "Note", required=True, max_length=500),
            Field("next_contact", "Next contact", "date", placeholder=f"YYYY-MM-DD ({later})")]


def status_fields(codes: list[str]) -> list[Field]:
    return [Field("status", "New status", "code", required=True, max_length=3,
                  placeholder=" ".join(codes)[:50] or "a status code")]


def plan_fields() -> list[Field]:
    return [Field("amount", "Installment", "money", required=True),
            Field("every_days", "Every (days)", "int", required=True, minimum=1, default="30"),
            Field("start", "First payment due", "date", required=True),
            Field("non_delinquent", "Non-delinquent plan (the account is not past due)", "flag"),
            Field("default_status", "Status on default", "code", max_length=3,
                  placeholder="blank: the settings' failed status")]


def folder_fields() -> list[Field]:
    return [Field("folder", "Folder", required=True, max_length=400)]
