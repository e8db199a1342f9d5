"""Admin -> Compliance Settings and Admin -> Agency ECA Kinds by keyboard at 80x24: saves through
the core (audited), a bad field named under itself with nothing saved, a second admin's change
made meanwhile refused, Esc on an edited form asks first, anyone but an admin refused."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from textual.widgets import DataTable, Static

from core import compliance_settings
from core.exchange import agency_files
from core.security import Actor
from tests.tui.data import AS_OF
from tests.tui.helpers import settle, text_of
from tests.tui.test_roster_screens import messages, type_into
from tui.screens.compliance_admin import AgencyEcaScreen, ComplianceSettingsScreen
from tui.services import Services
from tui.widgets.admin_table import EditDialog
from tui.widgets.confirm import DiscardChanges
from tui.widgets.form import TextCheckbox

SUMMARY = "We help patients who cannot pay: ask us for the application."


def settings(services: Any, built: Any) -> dict[str, Any]:
    with services.uow() as u:
        return compliance_settings.practice_settings(u, services.actor, built.practice_id)


def audits(services: Any, action: str) -> list[tuple[str, str]]:
    with services.uow() as u:
        return [tuple(r) for r in u.session.execute(text("SELECT operator, action FROM audit_entry WHERE action = :a"),
                                                   {"a": action}).all()]


def dialog_text(app: Any) -> str:
    return " ".join(text_of(w) for w in app.screen.query(Static))


async def open_settings(app: Any, pilot: Any) -> None:
    await settle(pilot)
    app.open_screen("compliance_settings")
    await settle(pilot, 6)
    assert isinstance(app.screen, ComplianceSettingsScreen)


async def test_compliance_settings_are_saved_by_keys_and_a_bad_field_is_named(make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await open_settings(app, pilot)
        assert app.screen.query_one("#field-nonprofit_501r", TextCheckbox).has_focus
        await pilot.press("space")                                       # 501(r) on, no summary yet
        await pilot.press("f2")
        await settle(pilot)
        error = text_of(app.screen.query_one("#error-fap_summary", Static))
        assert "fap-summary: required while the practice is a non-profit hospital" in error
        assert settings(services, built)["nonprofit_501r"] is False        # nothing saved
        assert app.screen.query_one("#field-fap_summary").has_focus      # the error took us there
        await pilot.press(*SUMMARY)
        await type_into(pilot, "field-itemization_basis", "last_payment")
        await type_into(pilot, "field-credit_report_min", "-5")
        await pilot.press("f2")
        await settle(pilot)
        assert "credit-report-min: from 0.00 to 100,000.00" in text_of(
            app.screen.query_one("#error-credit_report_min", Static))
        assert app.screen.query_one("#field-credit_report_min").has_focus
        assert settings(services, built)["nonprofit_501r"] is False
        await type_into(pilot, "field-credit_report_min", "250.00")
        await pilot.press("tab", "space")                                 # no medical credit reporting
        await pilot.press("f2")
        await settle(pilot)
        assert "Compliance settings: saved." in messages(app)
    assert settings(services, built) == {
        "nonprofit_501r": True, "fap_summary": SUMMARY, "itemization_basis": "last_payment",
        "credit_report_min_cents": 25_000, "no_medical_credit_reporting": True}
    assert audits(services, "practice.compliance") == [("tester", "practice.compliance")]


async def test_a_second_admins_change_made_meanwhile_is_refused(make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await open_settings(app, pilot)
        with services.uow(write=True) as u:        # another admin, from the command line, after our read
            compliance_settings.set_compliance(u, Actor("other.admin", "admin"), built.practice_id, AS_OF,
                                               itemization_basis="service")
        await type_into(pilot, "field-credit_report_min", "300.00")
        await pilot.press("f2")
        await settle(pilot)
        shown = dialog_text(app)
        assert "changed by someone else after you read it, so nothing was saved" in shown
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ComplianceSettingsScreen)
    assert settings(services, built)["credit_report_min_cents"] == 50_000       # ours: not saved
    assert settings(services, built)["itemization_basis"] == "service"          # theirs: kept


async def test_esc_on_an_edited_form_asks_and_discard_leaves_nothing_saved(make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_settings(app, pilot)
        await pilot.press("escape")                                      # nothing edited: leaves at once
        await settle(pilot)
        assert not isinstance(app.screen, ComplianceSettingsScreen)
        await open_settings(app, pilot)
        await type_into(pilot, "field-credit_report_min", "1.00")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DiscardChanges)
        await pilot.press("escape")                                      # back to the form, edits kept
        await settle(pilot)
        assert isinstance(app.screen, ComplianceSettingsScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DiscardChanges)
        await pilot.press("f2")                                          # discard
        await settle(pilot)
        assert not isinstance(app.screen, (ComplianceSettingsScreen, DiscardChanges))
    assert settings(services, built)["credit_report_min_cents"] == 50_000


async def test_only_an_admin_changes_them(services, built) -> None:  # type: ignore[no-untyped-def]
    from tui.app import RecoupApp
    clerk = Services(services.uow, Actor("carol", "collector"), AS_OF, services.practices, where="test")
    app = RecoupApp(services=clerk)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_settings(app, pilot)
        await type_into(pilot, "field-credit_report_min", "1.00")
        await pilot.press("f2")
        await settle(pilot)
        assert "admin" in dialog_text(app)
    assert settings(services, built)["credit_report_min_cents"] == 50_000
    assert audits(services, "practice.compliance") == []


# ------------------------------------------------------------------------------ agency ECA kinds

@pytest.fixture
def agencies(services: Any, built: Any) -> None:
    for source, name in (("AG1", "Acme Recovery"), ("AG2", "Friendly Letters Inc")):
        with services.uow(write=True) as u:
            agency_files.save_agency(u, services.actor, built.practice_id, source, AS_OF, name=name)
    with services.uow(write=True) as u:
        compliance_settings.set_agency_eca(u, services.actor, built.practice_id, "AG2", ["debt_sale"], AS_OF)


def kinds(services: Any, built: Any) -> dict[str, str]:
    with services.uow() as u:
        rows = compliance_settings.agencies_eca(u, services.actor, built.practice_id)
    return {a.source_id: a.eca_kinds for a in rows}


async def open_agencies(app: Any, pilot: Any) -> None:
    await settle(pilot)
    app.open_screen("agency_eca")
    await settle(pilot, 6)
    assert isinstance(app.screen, AgencyEcaScreen)


async def test_agency_eca_kinds_ticked_by_keys_and_saved(make_app, services, built, agencies) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await open_agencies(app, pilot)
        table = app.screen.query_one(DataTable)
        assert [table.get_row_at(i)[2].strip() for i in range(table.row_count)] == ["none", "debt_sale"]
        await pilot.press("enter")                                       # update AG1
        await settle(pilot)
        assert isinstance(app.screen, EditDialog)
        assert app.screen.query_one("#field-credit_reporting", TextCheckbox).has_focus
        await pilot.press("space", "tab", "tab", "space")                # credit reporting, legal action
        await pilot.press("f2")
        await settle(pilot, 6)
        assert isinstance(app.screen, AgencyEcaScreen)
        assert "Agency ECA Kinds: saved." in messages(app)
        assert kinds(services, built) == {"AG1": "credit_reporting,legal", "AG2": "debt_sale"}
        await pilot.press("down", "delete")                              # AG2 takes no ECA any more
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot, 6)
    assert kinds(services, built) == {"AG1": "credit_reporting,legal", "AG2": ""}
    assert [a for a in audits(services, "agency.eca_kinds")] == [("tester", "agency.eca_kinds")] * 3


async def test_an_unknown_agency_is_named_and_esc_asks_before_discarding(make_app, services, built, agencies) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_agencies(app, pilot)
        await pilot.press("insert")
        await settle(pilot)
        assert isinstance(app.screen, EditDialog)
        await pilot.press(*"ZZZ", "tab", "space", "f2")
        await settle(pilot, 6)
        assert isinstance(app.screen, EditDialog)                        # refused at its field
        assert "agency: no agency 'ZZZ' in this practice" in text_of(app.screen.query_one("#error-agency", Static))
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DiscardChanges)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, AgencyEcaScreen)
    assert kinds(services, built) == {"AG1": "", "AG2": "debt_sale"}


async def test_an_agency_changed_meanwhile_is_refused(make_app, services, built, agencies) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_agencies(app, pilot)
        await pilot.press("enter")
        await settle(pilot)
        with services.uow(write=True) as u:        # another admin: `recoup eca agency AG1 legal`
            compliance_settings.set_agency_eca(u, Actor("other.admin", "admin"), built.practice_id, "AG1",
                                               ["legal"], AS_OF)
        await pilot.press("space", "f2")
        await settle(pilot, 6)
        assert "agency AG1: changed by someone else after you read it, so nothing was saved" in dialog_text(app)
    assert kinds(services, built) == {"AG1": "legal", "AG2": "debt_sale"}


# ------------------------------------------------------------------------------ Turn Over and 501(r)

async def test_turn_over_to_an_eca_agency_is_kept_back_and_to_another_is_not(  # type: ignore[no-untyped-def]
        make_app, services, built, agencies, tmp_path, monkeypatch) -> None:
    """A 501(r) hospital with no statements, notices or calls: a turnover to AG2 (it buys debt: an
    ECA) keeps every approved account back and the screen says so; to AG1 (no ECA kinds) the
    warning offers them all."""
    import datetime as dt

    from core import roster
    from tests.tui.test_roster_screens import _to_review, core
    from tui.screens.roster_dialogs import FormDialog
    from tui.widgets.confirm import MessageDialog
    from tui.widgets.warning import ValidationWarning
    monkeypatch.setenv("RECOUP_ROSTER_FILES", str(tmp_path))
    core(services, roster.populate, built.practice_id, AS_OF - dt.timedelta(days=20))
    ids = _to_review(services, built, 2)
    core(services, roster.approve, built.practice_id, AS_OF, ids, confirmed=True)
    core(services, compliance_settings.set_compliance, built.practice_id, AS_OF, nonprofit_501r=True,
         fap_summary=SUMMARY)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_screen("turn_over")
        await settle(pilot)
        await pilot.press("f2")                                          # the folder and agency form
        await pilot.pause()
        assert isinstance(app.screen, FormDialog)
        await type_into(pilot, "field-agency", "AG2")
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog)
        assert "2 approved accounts are kept back (on hold, protected or not yet allowed by 501(r))" \
            in app.screen.text()
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)                        # the form stays, as typed
        await type_into(pilot, "field-agency", "AG1")
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, ValidationWarning)
        assert "2 accounts will be turned over" in " ".join(text_of(s) for s in app.screen.query(".line"))
        await pilot.press("escape")                                      # cancel: nothing turned over
        await settle(pilot)
    with services.uow() as u:
        assert not any(roster.account(u, g).turned_over for g in ids)
