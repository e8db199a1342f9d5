"""The compliance screens by keyboard (SPEC 15): a call logged from Work Accounts, with the
Regulation F warning and Save & Continue; the Financial Assistance screen's add, decide and views."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from textual.widgets import DataTable, Static

from core import contacts, fap, roster
from tests.tui.data import AS_OF
from tests.tui.helpers import settle, text_of
from tests.tui.test_holds_screen import type_into
from tui.screens.fap import FapScreen
from tui.screens.roster_dialogs import FormDialog
from tui.screens.roster_work import WorkAccountsScreen
from tui.widgets.warning import ValidationWarning


@pytest.fixture
def in_roster(services, built) -> Any:  # type: ignore[no-untyped-def]
    with services.uow(write=True) as u:
        return roster.populate(u, services.actor, built.practice_id, AS_OF - dt.timedelta(days=20))


def calls(services: Any, built: Any, guarantor: str) -> list[contacts.Contact]:
    with services.uow() as u:
        return [c for c in contacts.contact_log(u, services.actor, built.practice_id, guarantor, AS_OF)
                if c.kind == "call"]


async def log(pilot: Any, outcome: str) -> None:
    await pilot.press("c")
    await settle(pilot)
    assert isinstance(pilot.app.screen, FormDialog)
    await type_into(pilot, "field-outcome", outcome)
    await pilot.press("f2")
    await settle(pilot, 6)


async def test_a_call_after_a_conversation_warns_and_save_and_continue_flags_it(
        make_app, services, built, in_roster) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_screen("work_accounts")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, WorkAccountsScreen) and screen.table.total > 0
        guarantor = screen.table.current_row.source_id
        await log(pilot, "conversation")
        assert [c.outcome for c in calls(services, built, guarantor)] == ["conversation"]
        await log(pilot, "no_answer")
        assert isinstance(app.screen, ValidationWarning)
        notes = " ".join(text_of(n) for n in app.screen.query(".note").results(Static))
        assert "within 7 days after a conversation" in notes
        await pilot.press("f2")
        await settle(pilot, 6)
        assert [(c.outcome, c.flags) for c in calls(services, built, guarantor)] == [
            ("no_answer", "after_conversation"), ("conversation", "")]


async def test_financial_assistance_add_decide_and_the_worklist_view(make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_screen("financial_assistance")
        await settle(pilot)
        assert isinstance(app.screen, FapScreen)
        await pilot.press("a")
        await settle(pilot)
        await type_into(pilot, "field-guarantor", "G001")
        await pilot.press("f2")
        await settle(pilot, 6)
        assert app.screen.query_one(DataTable).row_count == 1
        await pilot.press("d")
        await settle(pilot)
        await type_into(pilot, "field-decision", "approved")
        await type_into(pilot, "field-discount", "120")
        await pilot.press("f2")
        await settle(pilot, 6)
        assert isinstance(app.screen, FormDialog)                       # refused at its field
        assert "must be a percentage from 0 to 100" in text_of(app.screen.query_one("#error-discount", Static))
        await type_into(pilot, "field-discount", "25")
        await pilot.press("f2")
        await settle(pilot, 6)
        assert isinstance(app.screen, FapScreen)
        with services.uow() as u:
            [row] = fap.list_applications(u, services.actor, built.practice_id)
        assert (row.decision, row.discount_pct) == ("approved", "25")
        await pilot.press("v", "v")
        await settle(pilot, 6)
        assert "Reversal worklist" in text_of(app.screen.query_one("#fap-summary", Static))


async def test_state_time_zones_are_preloaded_and_corrected_by_key(make_app, services) -> None:  # type: ignore[no-untyped-def]
    from tui.screens.time_zones import TimeZonesScreen
    from tui.widgets.admin_table import EditDialog
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_screen("time_zones")
        await settle(pilot, 6)
        assert isinstance(app.screen, TimeZonesScreen)
        assert app.screen.query_one(DataTable).row_count == 56                 # 50 states, DC, 5 territories
        await pilot.press("insert")
        await pilot.pause()
        assert isinstance(app.screen, EditDialog)
        await type_into(pilot, "field-state", "ON")
        await type_into(pilot, "field-zone", "Mars/Olympus")
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, EditDialog)                              # refused at its field
        await type_into(pilot, "field-zone", "America/Toronto")
        await pilot.press("f2")
        await settle(pilot, 6)
        with services.uow() as u:
            assert {z.state: z.time_zone for z in contacts.time_zones(u)}["ON"] == "America/Toronto"


async def test_financial_assistance_missing_information_by_key(make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    """An application added with what is missing queues its letter (the Letter column says
    waiting); m on it rewords the letter (refused blank at its field); c records it complete."""
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.open_screen("financial_assistance")
        await settle(pilot)
        footer = " ".join(str(k.render()) for k in app.screen.query("FooterKey"))
        assert "Missing info" in footer and "Complete" in footer
        await pilot.press("a")
        await settle(pilot)
        await type_into(pilot, "field-guarantor", "G001")
        await type_into(pilot, "field-missing", "Proof of income")
        await pilot.press("f2")
        await settle(pilot, 6)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 1 and table.get_row_at(0)[3:5] == ["no", "waiting"]
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)                       # blank: refused at its field
        assert "required" in text_of(app.screen.query_one("#error-missing", Static))
        await type_into(pilot, "field-missing", "Proof of income; Tax return")
        await pilot.press("f2")
        await settle(pilot, 6)
        assert isinstance(app.screen, FapScreen)
        with services.uow() as u:
            [row] = fap.list_applications(u, services.actor, built.practice_id)
            waiting = roster.list_queue(u, services.actor, built.practice_id, printed=False)
        assert (row.complete, row.letter) == (False, "waiting")
        assert [(r["status"], r["guarantor"]) for r in waiting] == [("FAP", "G001")]
        await pilot.press("c")
        await settle(pilot, 6)
        with services.uow() as u:
            [row] = fap.list_applications(u, services.actor, built.practice_id)
        assert row.complete
        assert table.get_row_at(0)[3] == "yes"
