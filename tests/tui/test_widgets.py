"""The reusable widgets: criteria form parsing, the validation warning, background progress."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static

from core.errors import BadInput, Summary, SummaryLine
from tui.widgets.form import CriteriaForm, Field, parse_field
from tui.widgets.progress import TaskProgress, run_in_background
from tui.widgets.warning import ValidationWarning, summary_line


@pytest.mark.parametrize("field,raw,value", [
    (Field("a", "Amount", "money"), "1,234.56", 123456),
    (Field("a", "Amount", "money"), "-5", -500),
    (Field("a", "Amount", "money"), "  ", None),
    (Field("n", "Days", "int", minimum=0), "45", 45),
    (Field("d", "Date", "date"), "2026-11-23", dt.date(2026, 11, 23)),
    (Field("c", "Code", "code", max_length=3), "wo", "WO"),
    (Field("k", "Kind", "choice", choices=("patient", "employer")), "Employer", "employer"),
    (Field("f", "Flag", "flag"), True, True),
])
def test_fields_parse_what_they_accept(field: Field, raw, value) -> None:  # type: ignore[no-untyped-def]
    assert parse_field(field, raw) == value


@pytest.mark.parametrize("field,raw,message", [
    (Field("a", "Amount", "money"), "12,50", "Amount: not an amount"),
    (Field("a", "Amount", "money", required=True), "", "Amount: required"),
    (Field("n", "Days", "int", minimum=0), "-1", "Days: must be at least 0"),
    (Field("n", "Days", "int"), "4.5", "Days: not a whole number"),
    (Field("d", "Date", "date"), "11/23/2026", "Date: not a date"),
    (Field("c", "Code", "code", max_length=3), "ABCD", "Code: at most 3"),
    (Field("c", "Code", "code", choices=("WO",)), "XX", "Code: 'XX' is not one of WO"),
])
def test_bad_values_name_the_field_and_the_reason(field: Field, raw: str, message: str) -> None:
    with pytest.raises(BadInput) as exc:
        parse_field(field, raw)
    assert exc.value.field == field.name and exc.value.message.startswith(message)


class FormApp(App[None]):
    def compose(self) -> ComposeResult:
        yield CriteriaForm([Field("age", "Age at least", "int", minimum=0),
                            Field("bal", "Balance at least", "money")])


async def test_form_shows_a_use_case_error_at_its_field() -> None:
    app = FormApp()
    async with app.run_test() as pilot:
        form = app.query_one(CriteriaForm)
        form.set_values({"age": "30", "bal": "abc"})
        with pytest.raises(BadInput):
            form.values()
        await pilot.pause()
        assert app.focused.id == "field-bal"
        assert "Balance at least" in str(app.query_one("#error-bal", Static).render())
        form.set_values({"bal": "10"})
        assert form.values() == {"age": 30, "bal": 1000}
        assert str(app.query_one("#error-bal", Static).render()) == ""
        form.show_error(BadInput("age: too young", field="age"))
        await pilot.pause()
        assert app.focused.id == "field-age"


def test_summary_lines_read_as_counts_and_dollars() -> None:
    assert summary_line(SummaryLine(12, 431000, "will be sent to Collections")) == \
        "12 items will be sent to Collections, $4,310.00"
    assert summary_line(SummaryLine(1, None, "will be removed")) == "1 item will be removed"


class WarnApp(App[None]):
    pass


@pytest.mark.parametrize("key,expected", [("f2", True), ("enter", True), ("escape", False), ("f12", False)])
async def test_validation_warning_returns_the_choice(key: str, expected: bool) -> None:
    app = WarnApp()
    results: list[bool] = []
    summary = Summary("Apply actions", [SummaryLine(12, 431000, "will be sent to Collections")],
                      ["best practice: do not remove after sending"])
    async with app.run_test() as pilot:
        app.push_screen(ValidationWarning(summary), results.append)
        await pilot.pause()
        texts = " ".join(str(s.render()) for s in app.screen.query(Static))
        assert "12 items will be sent to Collections, $4,310.00" in texts
        assert "best practice" in texts
        await pilot.press(key)
        await pilot.pause()
    assert results == [expected]


class ProgressApp(App[None]):
    def compose(self) -> ComposeResult:
        yield TaskProgress()


async def test_background_work_shows_progress_and_notifies_when_done() -> None:
    app = ProgressApp()
    gate = threading.Event()
    got: list[int] = []

    def work(report):  # type: ignore[no-untyped-def]
        report(1, 4)
        gate.wait(5)
        report(4, 4)
        return 42

    async with app.run_test(notifications=True) as pilot:
        run_in_background(app.screen, "Populate roster", work, got.append)
        await pilot.pause(0.1)
        bar = app.query_one(TaskProgress)
        assert bar.has_class("-running")
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not bar.has_class("-running")
        assert got == [42]
        assert [n.message for n in app._notifications] == ["Populate roster: done"]


async def test_checkbox_state_is_text_not_only_colour() -> None:
    """NO_COLOR: an unticked box must not look like a ticked one."""
    from textual.app import App

    from tui.widgets.form import TextCheckbox

    class Boxes(App[None]):
        def compose(self):  # type: ignore[no-untyped-def]
            yield TextCheckbox("on", value=True, id="on")
            yield TextCheckbox("off", value=False, id="off")

    async with Boxes().run_test(size=(30, 4)) as pilot:
        await pilot.pause()
        assert "X" in str(pilot.app.query_one("#on").render())
        assert "X" not in str(pilot.app.query_one("#off").render())
