"""The Pre-Collections screen and the dashboards' To Collections, driven by keys on a real SQLite
file (Pilot). Each step is checked in the database, not only on screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from core.exchange import agency_files
from tests.tui.data import AS_OF
from tests.tui.helpers import settle
from tui.screens.encounter import EncounterScreen
from tui.screens.guarantor import GuarantorScreen
from tui.screens.precollections import PreCollectionsScreen
from tui.screens.precollections_dialogs import (
    AddTasksDialog,
    ApplyDialog,
    ChooseDialog,
    ExplainDialog,
    FilterDialog,
    SpreadsheetDialog,
)
from tui.widgets.confirm import MessageDialog
from tui.widgets.warning import ValidationWarning


@pytest.fixture
def agency(services, built) -> str:  # type: ignore[no-untyped-def]
    with services.uow(write=True) as u:
        agency_files.save_agency(u, services.actor, built.practice_id, "ACME", AS_OF, name="Acme Recovery")
    return "ACME"


def rows(services, sql: str, **params):  # type: ignore[no-untyped-def]
    with services.uow() as u:
        return u.session.execute(text(sql), params).all()


def states(services) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {s: int(n) for s, n in rows(services, "SELECT state, COUNT(*) FROM precollection_task GROUP BY state")}


def typed(value: str) -> tuple[str, ...]:
    return tuple(value)


async def open_list(app, pilot) -> PreCollectionsScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    app.open_screen("precollections")
    await settle(pilot)
    assert isinstance(app.screen, PreCollectionsScreen)
    return app.screen


async def build_list(pilot, *keys: str) -> None:  # type: ignore[no-untyped-def]
    """Add Pre-Collection Tasks: 'a', type into the form (keys), F2."""
    await pilot.press("a")
    await settle(pilot)
    assert isinstance(pilot.app.screen, AddTasksDialog)
    await pilot.press(*keys)
    await pilot.press("f2")
    await settle(pilot)


@pytest.mark.slow
async def test_whole_keyboard_flow_build_set_apply_send_spreadsheet(make_app, services, built, agency,
                                                                    tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("RECOUP_AGENCY_FILES", str(tmp_path))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_list(app, pilot)
        assert screen.table.total == 0
        # 1. build the list: Encounter balance >= 100.00 (third field), F2
        await build_list(pilot, "tab", "tab", *typed("100.00"))
        assert isinstance(app.screen, PreCollectionsScreen)
        expected = rows(services, "SELECT COUNT(*) FROM encounter WHERE practice_id = :p AND ar_cents >= 10000 "
                                  "AND collections_cents = 0 AND guarantor_id IN (SELECT id FROM guarantor "
                                  "WHERE kind = 'patient')", p=built.practice_id)[0][0]
        assert expected > 5
        assert states(services) == {"pre": expected}
        assert screen.table.total == expected
        # 2. select three rows with Space and set Send to Collections
        await pilot.press("space", "space", "space")
        assert screen.table.selection.count(screen.table.total) == 3
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, ChooseDialog)
        await pilot.press("enter")                    # the first allowed action: Send to Collections
        await settle(pilot)
        chosen = [n for (n,) in rows(services, "SELECT task_no FROM precollection_task WHERE action = "
                                               "'send-to-collections' ORDER BY task_no")]
        assert chosen == [1, 2, 3]
        assert states(services) == {"pre": expected}  # Set Action changes nothing else
        # 3. Apply Action (F2): choose all, F2 -> warning -> Save & Continue
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, ApplyDialog)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, ValidationWarning)
        assert app.screen.summary.lines[0].count == 3
        assert "sent to Collections" in app.screen.summary.lines[0].text
        assert states(services) == {"pre": expected}  # nothing before Save & Continue
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, PreCollectionsScreen)
        assert states(services) == {"pre": expected - 3, "not_sent": 3}
        coll = rows(services, "SELECT SUM(collections_cents) FROM encounter e JOIN precollection_task t "
                              "ON t.encounter_id = e.id WHERE t.state = 'not_sent'")[0][0]
        assert coll > 0
        # 4. the Not Sent view: select all, Send to Sent to Agency, apply with the agency
        await pilot.press("2")
        await settle(pilot)
        assert screen.view == "not_sent" and screen.table.total == 3
        await pilot.press("ctrl+a", "t")
        await settle(pilot)
        options = app.screen.options
        await pilot.press(*["down"] * [a for a, _ in options].index("send-to-agency"), "enter")
        await settle(pilot)
        assert rows(services, "SELECT COUNT(*) FROM precollection_task WHERE action = 'send-to-agency'")[0][0] == 3
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, ApplyDialog)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, ValidationWarning)
        assert "Acme Recovery" in app.screen.summary.lines[0].text
        await pilot.press("enter")                    # Save & Continue answers to Enter too
        await settle(pilot)
        assert states(services) == {"pre": expected - 3, "sent": 3}
        batch_files = rows(services, "SELECT path, rows, batch_no FROM agency_file")
        assert len(batch_files) == 1 and batch_files[0][1] == 3 and batch_files[0][2] == 1
        assert Path(batch_files[0][0]).parent == tmp_path and Path(batch_files[0][0]).is_file()
        # 5. two more to Not Sent, then Create spreadsheet with "update records as Sent"
        await pilot.press("1")
        await settle(pilot)
        await pilot.press("space", "space", "t")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert states(services) == {"pre": expected - 5, "not_sent": 2, "sent": 3}
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, SpreadsheetDialog)
        await pilot.press("tab", "tab", "space")      # agency (prefilled), folder (prefilled), update as Sent
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, ValidationWarning)
        assert app.screen.summary.lines[0].count == 2
        await pilot.press("f2")
        await settle(pilot)
        assert states(services) == {"pre": expected - 5, "sent": 5}
        made = rows(services, "SELECT path, rows, batch_no FROM agency_file ORDER BY id")
        assert len(made) == 2 and made[1][1] == 2 and made[1][2] == 2 and Path(made[1][0]).is_file()
        assert any(Path(made[1][0]).name in n.message for n in app._notifications)
        await pilot.press("3")
        await settle(pilot)
        assert screen.table.total == 5


@pytest.mark.slow
async def test_filter_select_unselect_and_explain(make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_list(app, pilot)
        await build_list(pilot)                       # every qualifying encounter
        total = screen.table.total
        assert total == states(services)["pre"] > 10
        # filter: balance >= 200.00
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, FilterDialog)
        await pilot.press(*typed("200.00"), "f2")
        await settle(pilot)
        big = rows(services, "SELECT COUNT(*) FROM precollection_task t JOIN encounter e ON e.id = t.encounter_id "
                             "WHERE t.on_list AND e.ar_cents + e.collections_cents >= 20000")[0][0]
        assert 0 < screen.table.total == big < total
        assert "bal>=200.00" in str(screen.query_one("#pc-status").render())
        # select all displayed, unselect one, set Remove: only those displayed minus the exclusion
        await pilot.press("ctrl+a", "space")
        assert screen.table.selection.count(big) == big - 1
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("down", "enter")            # Remove from Pre-Collections
        await settle(pilot)
        assert rows(services, "SELECT COUNT(*) FROM precollection_task WHERE action = 'remove'")[0][0] == big - 1
        await pilot.press("ctrl+n")
        assert screen.table.selection.count(big) == 0
        # a bad amount in the filter is pointed at, nothing changes
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("ctrl+u", *typed("12,50"), "f2")
        await settle(pilot)
        assert isinstance(app.screen, FilterDialog)
        assert "Balance >=" in str(app.screen.query_one("#error-balance_min").render())
        await pilot.press("escape", "f2")             # the form was edited: Esc asks, F2 discards
        await settle(pilot)
        # clear the filter, explain the highlighted row
        await pilot.press("x")
        await settle(pilot)
        assert screen.table.total == total
        row = screen.table.current_row
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, ExplainDialog)
        shown = str(app.screen.query_one("#explain-text").render())
        assert f"Encounter {row.encounter}: on the list as task {row.task}" in shown
        assert "PASS  encounter balance in A/R (guarantor responsibility) > 0  (actual " in shown
        await pilot.press("escape")
        # a refusal is shown in a dialog: Write-Off set, then Remove from Pending is not allowed in Pre
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("escape")                   # cancel the Apply dialog: nothing changes
        await settle(pilot)
        assert states(services) == {"pre": total}


@pytest.mark.slow
async def test_clear_warning_on_rebuild_and_cancel_changes_nothing(make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_list(app, pilot)
        await build_list(pilot)
        await pilot.press("space", "t")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        before = rows(services, "SELECT task_no, action FROM precollection_task ORDER BY task_no")
        await pilot.press("a")
        await settle(pilot)
        app.screen.query_one("#field-clear").value = True
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, ValidationWarning)
        assert app.screen.summary.lines[0].count == 1
        assert "lose" in app.screen.summary.lines[0].text
        await pilot.press("escape")
        await settle(pilot)
        assert rows(services, "SELECT task_no, action FROM precollection_task ORDER BY task_no") == before


@pytest.mark.slow
async def test_refusals_are_shown_in_a_dialog_not_a_traceback(make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_list(app, pilot)
        await build_list(pilot)
        await pilot.press("space", "t")
        await settle(pilot)
        await pilot.press("enter")                    # Send to Collections on task 1
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("f2")                       # apply all...
        await settle(pilot)
        await pilot.press("f2")                       # ...confirmed
        await settle(pilot)
        # Add Pre-Collection Tasks for an encounter that does not exist: BadInput in a dialog
        await pilot.press("a")
        await settle(pilot)
        app.screen.query_one("#field-encounter").value = "NOPE"
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog)
        assert "NOPE" in app.screen.text()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PreCollectionsScreen)


@pytest.mark.slow
async def test_encounter_to_collections_and_patient_send_to_collections(make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        eid, _gid = rows(services, "SELECT e.id, g.id FROM encounter e JOIN guarantor g ON g.id = e.guarantor_id "
                                  "WHERE g.source_id = 'G003'")[0]
        app.open_screen("encounter", encounter_id=eid)
        await settle(pilot)
        assert isinstance(app.screen, EncounterScreen)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, ValidationWarning)
        assert app.screen.summary.lines[0].count == 1
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, EncounterScreen)
        assert rows(services, "SELECT state FROM precollection_task WHERE encounter_id = :e", e=eid) == [("not_sent",)]
        await pilot.press("4")
        await settle(pilot)
        shown = str(app.screen.query_one("#collection-state").render())
        assert "In Collections/Not Sent" in shown and "Send to Collections" in shown
        # again: refused in a dialog (already in collections)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog)
        await pilot.press("escape")
        await settle(pilot)
        # the patient dashboard: Select Action -> Send to Collections, all open encounters
        other = rows(services, "SELECT g.id, COUNT(*) FROM guarantor g JOIN encounter e ON e.guarantor_id = g.id "
                               "WHERE g.source_id = 'G001' GROUP BY g.id")[0]
        app.open_screen("guarantor", guarantor_id=other[0])
        await settle(pilot)
        assert isinstance(app.screen, GuarantorScreen)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ChooseDialog)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ValidationWarning)
        await pilot.press("f2")
        await settle(pilot)
        sent = rows(services, "SELECT t.state FROM precollection_task t WHERE t.guarantor_id = :g", g=other[0])
        assert sent and all(s == "not_sent" for (s,) in sent)
