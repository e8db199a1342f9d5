"""A criteria form: labelled fields that parse money, integers, dates, codes and choices.

Fields are data (`Field`), so every later screen (Add Pre-Collection Tasks, agency thresholds,
roster settings) declares what it asks for and gets parsing and messages for free. `values()`
returns the parsed values or raises `BadInput` naming the first bad field; the form then shows the
message under that field and moves the focus there, so the operator sees where and why.

Money goes through core.money only; blank optional fields come back as None.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Checkbox, Input, Label, Static

from core import money
from core.errors import BadInput

KINDS = ("text", "money", "int", "date", "code", "choice", "flag")


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"
    required: bool = False
    default: str = ""
    choices: tuple[str, ...] = ()       # allowed values for "choice" (and "code" when given)
    max_length: int | None = None       # for codes and text
    minimum: int | None = None          # for integers (0 = no negatives)
    placeholder: str = ""


def parse_field(field: Field, raw: str | bool) -> Any:
    """One field's value, or BadInput naming it and saying why."""
    if field.kind == "flag":
        return bool(raw)
    text = str(raw).strip()
    if not text:
        if field.required:
            raise BadInput(f"{field.label}: required", field=field.name)
        return None
    return _PARSERS[field.kind](field, text)


# the largest amount and whole number a field takes: far above any real balance or count, far
# below what the database's integers hold (a bigger one was a raw OverflowError, or a list that
# stayed at "reading…" for ever)
MONEY_MAX_CENTS = 10**13          # 100,000,000,000.00
INT_MAX = 10**9


def _money(field: Field, text: str) -> int:
    try:
        cents = money.parse(text)
    except money.AmountError as exc:
        raise BadInput(f"{field.label}: {exc}", field=field.name) from None
    if abs(cents) > MONEY_MAX_CENTS:
        raise BadInput(f"{field.label}: too large (at most {money.format_display(MONEY_MAX_CENTS)})",
                       field=field.name)
    return cents


def _int(field: Field, text: str) -> int:
    if not text.lstrip("-").isdigit():
        raise BadInput(f"{field.label}: not a whole number: {text!r}", field=field.name)
    if len(text.lstrip("-")) > len(str(INT_MAX)) or abs(int(text)) > INT_MAX:
        raise BadInput(f"{field.label}: too large (at most {INT_MAX:,})", field=field.name)
    value = int(text)
    if field.minimum is not None and value < field.minimum:
        raise BadInput(f"{field.label}: must be at least {field.minimum}", field=field.name)
    return value


def _date(field: Field, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadInput(f"{field.label}: not a date: {text!r} (use YYYY-MM-DD)", field=field.name) from None


def _code(field: Field, text: str) -> str:
    value = text.upper()
    if field.max_length and len(value) > field.max_length:
        raise BadInput(f"{field.label}: at most {field.max_length} characters", field=field.name)
    if not value.replace("_", "").replace("-", "").isalnum():
        raise BadInput(f"{field.label}: letters and digits only: {text!r}", field=field.name)
    if field.choices and value not in field.choices:
        raise BadInput(f"{field.label}: {text!r} is not one of {', '.join(field.choices)}", field=field.name)
    return value


def _choice(field: Field, text: str) -> str:
    value = text.lower()
    if value not in field.choices:
        raise BadInput(f"{field.label}: {text!r} is not one of {', '.join(field.choices)}", field=field.name)
    return value


def _text(field: Field, text: str) -> str:
    if field.max_length and len(text) > field.max_length:
        raise BadInput(f"{field.label}: at most {field.max_length} characters", field=field.name)
    return text


_PARSERS: dict[str, Callable[[Field, str], Any]] = {
    "money": _money, "int": _int, "date": _date, "code": _code, "choice": _choice, "text": _text}



class TextCheckbox(Checkbox):
    """A checkbox that shows its state in text: "X" when on, blank when off.

    Textual's own draws an X either way and tells them apart by colour only, which a NO_COLOR
    or 16-colour terminal loses.
    """

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # Textual's name, upper case
        return "X" if self.value else " "

class CriteriaForm(VerticalScroll):
    """The form widget. Compose it with fields; call `values()` on F2."""

    DEFAULT_CSS = """
    CriteriaForm { height: auto; max-height: 100%; }
    CriteriaForm .field { height: 1; layout: horizontal; margin-bottom: 1; }
    CriteriaForm .field Label { width: 22; padding: 0 1 0 1; }
    CriteriaForm .field Input { width: 1fr; }
    CriteriaForm .error { color: $error; text-style: bold; padding-left: 22; height: auto; margin-bottom: 1; }
    CriteriaForm .error.-empty { display: none; }
    CriteriaForm Checkbox { margin: 0 0 1 21; }
    """

    def __init__(self, fields: Iterable[Field], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.fields = list(fields)
        self._as_filled: dict[str, str | bool] = {}

    def on_mount(self) -> None:
        self._as_filled = self.raw()

    @property
    def changed(self) -> bool:
        """Has the operator edited a field since the form was filled (Esc then asks first)?"""
        return bool(self._as_filled) and self.raw() != self._as_filled

    def compose(self) -> ComposeResult:
        for f in self.fields:
            if f.kind == "flag":
                yield TextCheckbox(f.label, value=bool(f.default), id=f"field-{f.name}", compact=True)
            else:
                hint = f.placeholder or _hint(f)
                with Vertical(classes="field"):
                    yield Label(f"{f.label}{' *' if f.required else ''}")
                    yield Input(f.default, placeholder=hint, id=f"field-{f.name}", compact=True,
                                password=f.name == "password")      # never echoed on screen
            yield Static("", id=f"error-{f.name}", classes="error -empty")

    def raw(self) -> dict[str, str | bool]:
        out: dict[str, str | bool] = {}
        for f in self.fields:
            widget = self.query_one(f"#field-{f.name}")
            out[f.name] = widget.value  # type: ignore[attr-defined]
        return out

    def set_values(self, values: dict[str, str | bool]) -> None:
        """Fill the fields; a focused field looks as if it had been focused after filling (its
        text selected), so the screen does not depend on which came first."""
        for name, value in values.items():
            widget = self.query_one(f"#field-{name}")
            widget.value = value  # type: ignore[attr-defined]
            if isinstance(widget, Input) and widget.has_focus and widget.select_on_focus:
                widget.select_all()
        self._as_filled = self.raw()  # what was filled in is not an edit

    def values(self) -> dict[str, Any]:
        """Parsed values; on the first bad field, show its message, focus it, raise BadInput."""
        self.clear_errors()
        raw = self.raw()
        parsed: dict[str, Any] = {}
        for f in self.fields:
            try:
                parsed[f.name] = parse_field(f, raw[f.name])
            except BadInput as exc:
                self.show_error(exc)
                raise
        return parsed

    def show_error(self, exc: BadInput) -> None:
        """Point at the field a BadInput names (also one raised by a use case)."""
        name = exc.field if exc.field and any(f.name == exc.field for f in self.fields) else None
        if name is None:
            self.app.notify(exc.message, severity="error")
            return
        error = self.query_one(f"#error-{name}", Static)
        error.update(f"! {exc.message}")
        error.remove_class("-empty")
        field = self.query_one(f"#field-{name}")
        field.focus()
        self.scroll_to_widget(field)

    def on_descendant_focus(self, event: Any) -> None:
        """Tab or an error moving to a field below the fold scrolls it into view (with its label)."""
        widget = event.widget
        target = widget.parent if widget.parent is not None and widget.parent.has_class("field") else widget
        self.scroll_to_widget(target, animate=False)

    def clear_errors(self) -> None:
        for error in self.query(".error"):
            error.update("")  # type: ignore[attr-defined]
            error.add_class("-empty")


def _hint(f: Field) -> str:
    return {"money": "1,234.56", "int": "a whole number", "date": "YYYY-MM-DD",
            "code": "/".join(f.choices) if f.choices else "code",
            "choice": "/".join(f.choices)}.get(f.kind, "")
