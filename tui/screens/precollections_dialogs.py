"""The Pre-Collections screen's dialogs: Add Pre-Collection Tasks, filter, Set Action, Apply Action,
Create spreadsheet and Explain. Each is a modal that returns what the operator chose (F2 saves,
Esc cancels); the screen calls the use case, so every rule and warning stays in the core.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from core.errors import BadInput, counted
from core.money import format_display, format_plain
from core.precollections.criteria import Criteria, TaskFilter
from core.precollections.states import ACTION_LABELS
from tui import folders
from tui.keys import binding
from tui.widgets.confirm import leave_form
from tui.widgets.form import CriteriaForm, Field
from tui.widgets.marked import MarkedOptionList

STATE_CHOICES = {"pre": "pre", "not-sent": "not_sent", "sent": "sent"}


def default_folder() -> str:
    return str(folders.agency_files())


def _plain(cents: int | None) -> str:
    return "" if cents is None else format_plain(cents)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


class Dialog(ModalScreen[Any]):
    """A titled modal with a form: F2 saves, Esc/F12 cancels."""

    BINDINGS = [binding("screen.save", "save"), binding("screen.cancel", "cancel"), binding("app.help", "app.help")]
    TITLE_TEXT = ""
    KEYS_HINT = "F2 saves, Esc cancels"
    FIELDS: list[Field] = []
    DEFAULT_CSS = """
    Dialog { align: center middle; }
    Dialog > Vertical { width: 78; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; }
    Dialog .title { text-style: bold; padding: 0 1; }
    Dialog .hint { color: $text-muted; padding: 0 1; }
    Dialog OptionList { height: auto; max-height: 9; margin: 0 1 1 1; }
    Dialog Horizontal { height: auto; align-horizontal: right; }
    Dialog CriteriaForm .field { margin-bottom: 0; }
    Dialog CriteriaForm Checkbox { margin: 0 0 0 21; }
    Dialog Button { margin-left: 1; }
    """

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"{self.TITLE_TEXT} (F2 saves, Esc cancels)", classes="title", markup=False)
            yield from self.top()
            if self.FIELDS:
                yield CriteriaForm(self.FIELDS, id="dialog-form")
            with Horizontal():
                yield Button("Save (F2)", variant="primary", id="save", compact=True)
                yield Button("Cancel (Esc)", id="cancel", compact=True)

    def top(self) -> ComposeResult:
        yield from ()

    @property
    def form(self) -> CriteriaForm:
        return self.query_one(CriteriaForm)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save() if event.button.id == "save" else self.action_cancel()

    def action_save(self) -> None:
        try:
            result = self.result(self.form.values() if self.FIELDS else {})
        except BadInput as exc:
            self.form.show_error(exc) if self.FIELDS else self.app.notify(exc.message, severity="error")
            return
        self.dismiss(result)

    def result(self, values: dict[str, Any]) -> Any:
        raise NotImplementedError

    def action_cancel(self) -> None:
        leave_form(self, lambda: self.dismiss(None))


# ------------------------------------------------------------------- Add Pre-Collection Tasks

@dataclass(frozen=True)
class AddRequest:
    criteria: Criteria
    clear: bool


ANY, DAYS, COUNT = "any amount, e.g. 25.00", "any, in days", "any, e.g. 1"

ADD_FIELDS = [
    Field("guarantor_balance_min", "Guarantor bal >=", "money", placeholder=ANY),
    Field("guarantor_balance_max", "Guarantor bal <=", "money", placeholder=ANY),
    Field("encounter_balance_min", "Encounter bal >=", "money", placeholder=ANY),
    Field("encounter_balance_max", "Encounter bal <=", "money", placeholder=ANY),
    Field("age_min", "Balance age >= days", "int", minimum=0, placeholder=DAYS),
    Field("dunning_min", "Dunning count >=", "int", minimum=0, placeholder=COUNT),
    Field("statement_profile", "Statement profile", max_length=40, placeholder="any profile"),
    Field("encounter", "Encounter", max_length=40, placeholder="one encounter number"),
    Field("guarantor", "Guarantor", max_length=40, placeholder="one guarantor id"),
    Field("balance_for", "Coll. balance for", "choice", choices=("patient", "employer"),
          placeholder="patient/employer (blank: practice default)"),
    Field("separate_by", "Separate by", "choice", choices=("encounter",), default="encounter"),
    Field("clear", "Clear current Pre-Collection Tasks", "flag"),
]


class AddTasksDialog(Dialog):
    """Add Pre-Collection Tasks: every criterion of SPEC 3 and the Clear checkbox; F2 saves."""

    TITLE_TEXT = "Add Pre-Collection Tasks"
    FIELDS = ADD_FIELDS

    def on_mount(self) -> None:
        self.query_one("#field-guarantor_balance_min").focus()

    def result(self, v: dict[str, Any]) -> AddRequest:
        return AddRequest(Criteria(v["guarantor_balance_min"], v["guarantor_balance_max"], v["encounter_balance_min"],
                                   v["encounter_balance_max"], v["age_min"], v["dunning_min"], v["statement_profile"],
                                   v["encounter"], v["guarantor"], v["balance_for"],
                                   v["separate_by"] or "encounter"), bool(v["clear"]))


# ------------------------------------------------------------------------------------- filter

FILTER_FIELDS = [
    Field("state", "State (view)", "choice", choices=tuple(STATE_CHOICES), default="pre",
          placeholder="pre/not-sent/sent"),
    Field("balance_min", "Balance >=", "money", placeholder=ANY),
    Field("balance_max", "Balance <=", "money", placeholder=ANY),
    Field("guarantor_balance_min", "Guarantor bal >=", "money", placeholder=ANY),
    Field("guarantor_balance_max", "Guarantor bal <=", "money", placeholder=ANY),
    Field("escrow_min", "Escrow >=", "money", placeholder=ANY),
    Field("age_min", "Balance age >= days", "int", minimum=0, placeholder=DAYS),
    Field("dunning_min", "Dunning count >=", "int", minimum=0, placeholder=COUNT),
    Field("statement_profile", "Statement profile", max_length=40, placeholder="any profile"),
    Field("guarantor", "Guarantor", max_length=40, placeholder="guarantor id"),
    Field("action", "Action set", "choice", choices=tuple(ACTION_LABELS), placeholder="any (or e.g. write-off)"),
]


class FilterDialog(Dialog):
    """Filter criteria: narrow what is displayed (and what Select All takes), never the list."""

    TITLE_TEXT = "Filter the list"
    FIELDS = FILTER_FIELDS

    def __init__(self, current: TaskFilter) -> None:
        super().__init__()
        self.current = current

    def on_mount(self) -> None:
        f = self.current
        state = next(k for k, v in STATE_CHOICES.items() if v == f.states[0])
        self.form.set_values({"state": state,
                              "balance_min": _plain(f.balance_min), "balance_max": _plain(f.balance_max),
                              "guarantor_balance_min": _plain(f.guarantor_balance_min),
                              "guarantor_balance_max": _plain(f.guarantor_balance_max),
                              "escrow_min": _plain(f.escrow_min), "age_min": _text(f.age_min),
                              "dunning_min": _text(f.dunning_min), "statement_profile": _text(f.statement_profile),
                              "guarantor": _text(f.guarantor), "action": _text(f.action)})
        self.query_one("#field-balance_min").focus()

    def result(self, v: dict[str, Any]) -> TaskFilter:
        for low, high, label in (("balance_min", "balance_max", "Balance <="),
                                 ("guarantor_balance_min", "guarantor_balance_max", "Guarantor bal <=")):
            if v[low] is not None and v[high] is not None and v[low] > v[high]:
                raise BadInput(f"{label}: is less than the >= amount", field=high)
        return TaskFilter(states=(STATE_CHOICES[v["state"] or "pre"],), balance_min=v["balance_min"],
                          balance_max=v["balance_max"], guarantor_balance_min=v["guarantor_balance_min"],
                          guarantor_balance_max=v["guarantor_balance_max"], escrow_min=v["escrow_min"],
                          age_min=v["age_min"], dunning_min=v["dunning_min"],
                          statement_profile=v["statement_profile"], guarantor=v["guarantor"], action=v["action"])


def describe_filter(f: TaskFilter) -> str:
    """The filter in a few words for the status line: ranges as "age 61-90", one side as
    "age>=91" — every field the filter holds, so a drill-down says what it shows."""
    parts = []
    for low, high, label, money in (("balance_min", "balance_max", "bal", True),
                                    ("guarantor_balance_min", "guarantor_balance_max", "g.bal", True),
                                    ("escrow_min", None, "escrow", True), ("age_min", "age_max", "age", False),
                                    ("days_min", "days_max", "days", False),
                                    ("dunning_min", "dunning_max", "dun", False),
                                    ("statements_min", "statements_max", "stmts", False)):
        lo, hi = getattr(f, low), getattr(f, high) if high else None
        show = (lambda v: format_display(v)) if money else str
        if lo is not None and hi is not None:
            parts.append(f"{label} {show(lo)}-{show(hi)}")
        elif lo is not None:
            parts.append(f"{label}>={show(lo)}")
        elif hi is not None:
            parts.append(f"{label}<={show(hi)}")
    if f.age_none:
        parts.append("age none (paid)")
    for name, label in (("statement_profile", "profile "), ("guarantor", "guar "), ("action", "")):
        value = getattr(f, name)
        if value is not None:
            parts.append(f"{label}{ACTION_LABELS.get(str(value), value) if name == 'action' else value}")
    return " ".join(parts) or "none"


# ----------------------------------------------------------------------------------- choosers

class ChooseDialog(Dialog):
    """A short list to pick from (Enter or F2 picks the highlighted item)."""

    BINDINGS = [*Dialog.BINDINGS, binding("pc.choose", "save")]
    KEYS_HINT = "Enter or F2 chooses, Esc cancels"

    def __init__(self, title: str, options: list[tuple[str, str]], hint: str = "") -> None:
        super().__init__()
        self.TITLE_TEXT, self.options, self.hint = title, options, hint

    def top(self) -> ComposeResult:
        if self.hint:
            yield Static(self.hint, classes="hint", markup=False)
        yield MarkedOptionList(*(Option(label, id=value) for value, label in self.options), id="choices")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def result(self, values: dict[str, Any]) -> str | None:
        options = self.query_one(OptionList)
        if options.highlighted is None:
            raise BadInput("choose an item first")
        return options.get_option_at_index(options.highlighted).id


CLEAR_ACTION = "clear"


def set_action_dialog(state: str, allowed: list[tuple[str, str]], how_many: str) -> ChooseDialog:
    return ChooseDialog("Set Action", [*allowed, (CLEAR_ACTION, "Clear the action")],
                        f"For {how_many}. Nothing changes until Apply Action (F2).")


# ------------------------------------------------------------------------- apply, spreadsheet

@dataclass(frozen=True)
class ApplyRequest:
    action: str | None    # None: every set action
    agency: str | None
    folder: Path


def _agency_fields(agencies: list[tuple[str, str]]) -> list[Field]:
    names = ", ".join(a for a, _ in agencies) or "none yet: add one with recoup precollections agency"
    return [Field("agency", "Agency", max_length=40, default=agencies[0][0] if agencies else "",
                  placeholder=names),
            Field("folder", "Folder for the file", max_length=400, default=default_folder())]


def _check_agency(value: str | None, agencies: list[tuple[str, str]], required: bool) -> str | None:
    if not value:
        if required:
            raise BadInput("Agency: required", field="agency")
        return None
    if value not in {a for a, _ in agencies}:
        raise BadInput(f"Agency: no agency {value!r} (one of: {', '.join(a for a, _ in agencies) or 'none'})",
                       field="agency")
    return value


class ApplyDialog(Dialog):
    """Apply Action: which set action (or all), and the agency and folder for Send to Sent to Agency."""

    TITLE_TEXT = "Apply Action"

    def __init__(self, pending: list[tuple[str, int]], agencies: list[tuple[str, str]]) -> None:
        super().__init__()
        self.pending, self.agencies = pending, agencies
        self.FIELDS = _agency_fields(agencies)

    def top(self) -> ComposeResult:
        total = sum(n for _, n in self.pending)
        yield Static("Every task with the action set is applied, selected or displayed or not.",
                     classes="hint", markup=False)
        yield MarkedOptionList(Option(f"All set actions ({counted(total, 'task')})", id="*"),
                         *(Option(f"{ACTION_LABELS[a]} ({counted(n, 'task')})", id=a) for a, n in self.pending),
                         id="choices")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_save()

    def result(self, v: dict[str, Any]) -> ApplyRequest:
        options = self.query_one(OptionList)
        chosen = options.get_option_at_index(options.highlighted or 0).id
        action = None if chosen == "*" else chosen
        sending = action == "send-to-agency" or (action is None and any(a == "send-to-agency" for a, _ in self.pending))
        agency = _check_agency(v["agency"], self.agencies, sending)
        return ApplyRequest(action, agency, Path(v["folder"] or default_folder()))


@dataclass(frozen=True)
class SheetRequest:
    agency: str
    update_as_sent: bool
    folder: Path


class SpreadsheetDialog(Dialog):
    """Create spreadsheet of an agency's In Collections/Not Sent items."""

    TITLE_TEXT = "Create spreadsheet"

    def __init__(self, agencies: list[tuple[str, str]]) -> None:
        super().__init__()
        self.agencies = agencies
        self.FIELDS = [*_agency_fields(agencies),
                       Field("update_as_sent", "Update records as Sent (one batch number)", "flag")]

    def top(self) -> ComposeResult:
        yield Static("The Not Sent items of the agency (and those with no agency yet).",
                     classes="hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#field-agency").focus()

    def result(self, v: dict[str, Any]) -> SheetRequest:
        agency = _check_agency(v["agency"], self.agencies, True)
        assert agency is not None
        return SheetRequest(agency, bool(v["update_as_sent"]), Path(v["folder"] or default_folder()))


# ------------------------------------------------------------------------------------ explain

class ExplainDialog(ModalScreen[None]):
    """Why an encounter is or is not on the list: each criterion, actual vs threshold, pass/fail."""

    BINDINGS = [binding("screen.cancel", "close"), binding("pc.choose", "close"), binding("app.help", "app.help")]
    TITLE_TEXT = "Explain"
    DEFAULT_CSS = """
    ExplainDialog { align: center middle; }
    ExplainDialog > Vertical { width: 78; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1; }
    ExplainDialog .title { text-style: bold; }
    ExplainDialog VerticalScroll { height: auto; max-height: 18; }
    """

    def __init__(self, explanation: Any) -> None:
        super().__init__()
        self.x = explanation

    def lines(self) -> list[str]:
        x = self.x
        built = x.built.isoformat() if x.built else "none yet (only the basic rules apply)"
        out = [f"Encounter {x.encounter}: {x.verdict}", f"Last list build: {built}", ""]
        for c in x.checks:
            def show(v: Any, money: bool = c.criterion in x.money) -> str:
                return "none" if v is None else format_display(v) if money and isinstance(v, int) else str(v)
            rule = c.criterion + (f" {show(c.threshold)}" if c.criterion.endswith(("=", " for")) else "")
            out.append(f"{'PASS' if c.passed else 'FAIL'}  {rule}  (actual {show(c.actual)})")
        return out

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Explain (Esc or Enter closes)", classes="title", markup=False)
            with VerticalScroll():
                yield Static("\n".join(self.lines()), id="explain-text", markup=False)

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)
