"""The roster's screens driven by keys: Collections Admin tabs, Work Accounts, populate in the
background, review and turnover through the validation warning, printing letters."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from textual.widgets import DataTable, Input, Static

from core import roster, runs
from core.roster import read as roster_read
from tests.tui.data import AS_OF
from tests.tui.helpers import settle, text_of
from tui.screens.roster_admin import CollectionsAdminScreen
from tui.screens.roster_dialogs import FormDialog
from tui.screens.roster_work import AccountScreen, WorkAccountsScreen
from tui.widgets.admin_table import AdminTable, EditDialog
from tui.widgets.confirm import MessageDialog
from tui.widgets.warning import ValidationWarning


def core(services: Any, fn: Any, *args: Any, **kw: Any) -> Any:
    with services.uow(write=True) as u:
        return fn(u, services.actor, *args, **kw)


def read(services: Any, fn: Any, *args: Any) -> Any:
    with services.uow() as u:
        return fn(u, *args)


async def wait_until(pilot: Any, cond: Any, tries: int = 300) -> None:
    """Wait for a condition without waiting on every worker (a populate may be held open)."""
    for _ in range(tries):
        if cond():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition not reached")


def messages(app: Any) -> list[str]:
    return [n.message for n in app._notifications]


async def type_into(pilot: Any, widget_id: str, text: str) -> None:
    widget = pilot.app.screen.query_one(f"#{widget_id}", Input)
    widget.value = ""
    widget.focus()
    await pilot.press(*text)


def status_codes(services: Any, built: Any) -> dict[str, Any]:
    return read(services, roster.status_map, built.practice_id)


# --- Collections Admin -------------------------------------------------------------------------

async def _focus_row(pilot: Any, key: str) -> None:
    table = pilot.app.screen.query_one("#status-table", AdminTable)
    keys = [r.code for r in table.rows]
    table.table.move_cursor(row=keys.index(key))
    table.focus_table()
    await pilot.pause()


@pytest.mark.slow
async def test_status_table_alt_keys_twins_and_fallbacks_add_update_remove(make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_screen("status_table")
        await settle(pilot)
        assert isinstance(app.screen, CollectionsAdminScreen)
        for key, code in (("alt+d", "X1"), ("alt+shift+d", "X2"), ("insert", "X3")):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, EditDialog)
            await type_into(pilot, "field-code", code)
            await type_into(pilot, "field-description", f"Extra {code}")
            await pilot.press("f2")
            await settle(pilot)
            assert not isinstance(app.screen, EditDialog)
        assert {"X1", "X2", "X3"} <= set(status_codes(services, built))
        for key, code in (("alt+u", "X1"), ("alt+shift+u", "X2"), ("enter", "X3")):
            await _focus_row(pilot, code)
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, EditDialog)
            assert app.screen.query_one("#field-code", Input).disabled    # the code is the row's identity
            await type_into(pilot, "field-description", f"Changed {code}")
            await pilot.press("f2")
            await settle(pilot)
        assert {status_codes(services, built)[c].description for c in ("X1", "X2", "X3")} == {
            "Changed X1", "Changed X2", "Changed X3"}
        for key, code in (("alt+r", "X1"), ("alt+shift+r", "X2"), ("delete", "X3")):
            await _focus_row(pilot, code)
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, ValidationWarning)                # asks first
            await pilot.press("f2")
            await settle(pilot)
        assert not {"X1", "X2", "X3"} & set(status_codes(services, built))


@pytest.mark.slow
async def test_status_table_refusals_show_the_cores_message(make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_screen("status_table")
        await settle(pilot)
        await pilot.press("insert")
        await pilot.pause()
        await type_into(pilot, "field-code", "X9")
        await type_into(pilot, "field-description", "Goes nowhere")
        await type_into(pilot, "field-days", "10")
        await type_into(pilot, "field-transfer_to", "ZZ")
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, EditDialog)                           # still open, at the field
        assert "'ZZ' does not exist" in text_of(app.screen.query_one("#error-transfer_to", Static))
        assert app.focused is app.screen.query_one("#field-transfer_to", Input)
        await pilot.press("escape", "f2")                                   # edited: Esc asks, F2 discards
        await settle(pilot)
        assert "X9" not in status_codes(services, built)
        await _focus_row(pilot, "1")                                      # named by the settings
        await pilot.press("delete", "f2")
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog)
        assert "in use" in app.screen.text() and "initial status" in app.screen.text()
        assert "1" in status_codes(services, built)


async def test_other_admin_tabs_use_the_same_table(make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_screen("billing_groups")
        await settle(pilot)
        await pilot.press("alt+d")
        await pilot.pause()
        await type_into(pilot, "field-code", "SELF")
        await type_into(pilot, "field-description", "Self pay")
        await pilot.press("f2")
        await settle(pilot)
        groups = {g.code for g in read(services, roster_read_groups(), built.practice_id)}
        assert "SELF" in groups
        await pilot.press("f8")                                            # next tab: adjustment codes
        await settle(pilot)
        tabs = app.screen.query_one("TabbedContent")
        assert tabs.active == "adjustments"
        codes = app.screen.query_one("#adjustments-table", AdminTable)
        codes.table.move_cursor(row=[r.code for r in codes.rows].index("WO"))
        codes.focus_table()
        await pilot.press("delete", "f2")                                   # named by the settings
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog) and "write off code" in app.screen.text()


def roster_read_groups() -> Any:
    from core.roster.read import billing_groups
    return billing_groups


async def test_letter_template_body_is_checked_at_the_body(make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_screen("letters")
        await settle(pilot)
        await pilot.press("insert")
        await pilot.pause()
        await type_into(pilot, "field-name", "Custom")
        app.screen.query_one("TextArea").text = "Dear {guarantor_nam}, you owe {balance}."
        await pilot.press("f2")
        await settle(pilot)
        assert "guarantor_nam" in text_of(app.screen.query_one("#body-error", Static))
        app.screen.query_one("TextArea").text = "Dear {guarantor_name}, you owe {balance}."
        await pilot.press("f2")
        await settle(pilot)
        names = {t.name for t in read(services, __import__("core.roster.read", fromlist=["x"]).letter_templates,
                                      built.practice_id)}
        assert "Custom" in names


async def test_integration_form_points_at_the_bad_field_and_saves(make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_screen("integration")
        await settle(pilot)
        assert app.screen.query_one("#field-initial_status", Input).value == "1"
        await type_into(pilot, "field-initial_status", "ZZ")
        await pilot.press("f2")
        await settle(pilot)
        error = text_of(app.screen.query_one("#error-initial_status", Static))
        assert "'ZZ' does not exist" in error
        assert app.focused is app.screen.query_one("#field-initial_status", Input)
        assert read(services, roster.settings, built.practice_id).initial_status == "1"   # nothing changed
        await type_into(pilot, "field-initial_status", "2")
        await type_into(pilot, "field-age_to_enter", "abc")
        await pilot.press("f2")
        await settle(pilot)
        assert "not a whole number" in text_of(app.screen.query_one("#error-age_to_enter", Static))
        await type_into(pilot, "field-age_to_enter", "90")
        await pilot.press("f2")
        await settle(pilot)
        cfg = read(services, roster.settings, built.practice_id)
        assert (cfg.initial_status, cfg.age_to_enter) == ("2", 90)


# --- Work Accounts -----------------------------------------------------------------------------

@pytest.fixture
def in_roster(services, built) -> Any:  # type: ignore[no-untyped-def]
    """North Clinic's roster after a populate 20 days ago (accounts in status 1)."""
    return core(services, roster.populate, built.practice_id, AS_OF - dt.timedelta(days=20))


async def open_work(app: Any, pilot: Any) -> WorkAccountsScreen:
    await settle(pilot)
    app.open_screen("work_accounts")
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, WorkAccountsScreen) and screen.table.total > 0
    return screen


async def test_work_accounts_note_and_status_change(make_app, services, built, in_roster) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_work(app, pilot)
        row = screen.table.current_row
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, FormDialog)
        await type_into(pilot, "field-text", "Called, will pay Friday")
        await pilot.press("f2")
        await settle(pilot)
        ra = read(services, roster.account, row.id)
        assert ra.next_contact == AS_OF + dt.timedelta(days=7)             # the setting's default
        row = screen.table.current_row
        await pilot.press("m")
        await pilot.pause()
        await type_into(pilot, "field-status", "PF")
        await pilot.press("f2")
        await settle(pilot)
        assert read(services, roster.account, row.id).status_code == "PF"
        assert any("now in status PF" in m for m in messages(app))


async def test_work_accounts_status_change_after_someone_else_moved_it_is_a_conflict(
        make_app, services, built, in_roster) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_work(app, pilot)
        row = screen.table.current_row
        core(services, roster.change_status, row.id, "2", AS_OF)             # a colleague, meanwhile
        await pilot.press("m")
        await pilot.pause()
        await type_into(pilot, "field-status", "PF")
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog)
        assert "changed by tester at" in app.screen.text() and "reload" in app.screen.text()
        assert read(services, roster.account, row.id).status_code == "2"


async def test_account_page_shows_the_plan_alert_and_history(make_app, services, built, in_roster) -> None:  # type: ignore[no-untyped-def]
    with services.uow() as u:
        gid = roster.work_list(u, services.actor, built.practice_id)[0]["guarantor"]
        gid = roster.guarantor_by_source(u, gid, "P1").id
    core(services, roster.set_plan, gid, 2500, 30, AS_OF + dt.timedelta(days=5), AS_OF)
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.push_screen(AccountScreen(gid))
        await settle(pilot)
        text = text_of(app.screen.query_one("#account-text", Static))
        assert "ALERT: Collection payment plan: 25.00 every 30 days" in text
        assert "(out) -> 1" in text and "1 -> P" in text
        assert any("payment plan" in m.lower() for m in messages(app))
        app.open_screen("guarantor", guarantor_id=gid)                      # the Patient dashboard too
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        tab = text_of(app.screen.query_one("#collection-state", Static))
        assert "Collection roster: status P Payment Plan" in tab and "ALERT" in tab


# --- populate in the background ------------------------------------------------------------------

async def test_populate_runs_in_the_background_while_the_operator_works(make_app, services, built,
                                                                       monkeypatch) -> None:  # type: ignore[no-untyped-def]
    release, reached = threading.Event(), threading.Event()
    real = roster.populate

    def held(u, actor, pid, as_of, progress=None):  # type: ignore[no-untyped-def]
        def report(step: str, done: int, total: int) -> None:
            if progress:
                progress(step, done, total)
            if step == "reading balances":
                reached.set()
                release.wait(30)
        return real(u, actor, pid, as_of, progress=report)

    monkeypatch.setattr(roster, "populate", held)
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.open_screen("populate_roster")
        await settle(pilot)
        await pilot.press("f2")
        await wait_until(pilot, reached.is_set)
        await wait_until(pilot, lambda: "-running" in app.screen.query_one("TaskProgress").classes)
        assert "RUNNING" in text_of(app.screen.query_one("#populate-text", Static))
        await pilot.press("escape")                                         # leave; keep working
        app.open_screen("guarantors")
        await wait_until(pilot, lambda: bool(app.screen.query("VirtualTable"))
                         and app.screen.query_one("VirtualTable").source is not None
                         and not app.screen.query_one("VirtualTable").loading)
        assert app.screen.table.total == built.guarantor_count
        assert not any("is done" in m for m in messages(app))
        release.set()
        await wait_until(pilot, lambda: any("is done" in m for m in messages(app)))
        done = next(m for m in messages(app) if "is done" in m)
        assert "entered" in done and "letters queued" in done
        with services.uow() as u:
            n = len(roster.work_list(u, services.actor, built.practice_id))
        assert n > 0 and f"entered {n} " in done


async def test_populate_moving_an_account_makes_a_stale_edit_a_conflict(make_app, services, built,
                                                                        in_roster) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_work(app, pilot)
        row = screen.table.current_row                                        # seen at its version
        app.push_screen(AccountScreen(row.id))
        await settle(pilot)
        app.open_screen("populate_roster")
        await settle(pilot)
        await pilot.press("f2")                                               # moves 1 -> 2 (20 days)
        await settle(pilot)
        assert any("is done" in m and "moved on" in m for m in messages(app))
        await pilot.press("escape")                                           # back to the stale account page
        await pilot.pause()
        assert isinstance(app.screen, AccountScreen)
        await pilot.press("m")
        await pilot.pause()
        await type_into(pilot, "field-status", "PF")
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog) and "changed by tester" in app.screen.text()
        assert read(services, roster.account, row.id).status_code == "2"


async def test_populate_is_refused_while_another_process_holds_the_run_claim(make_app, services,
                                                                            built) -> None:  # type: ignore[no-untyped-def]
    """The screen takes the same claim as the worker and `recoup roster populate` (one run per
    practice, kind and business date across processes): refused in words, nothing run."""
    with services.uow(write=True) as u:
        runs.claim(u, built.practice_id, "roster", AS_OF, "worker@elsewhere:1")
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.open_screen("populate_roster")
        await settle(pilot)
        assert "RUNNING in the background (by worker@elsewhere:1" in text_of(
            app.screen.query_one("#populate-text", Static))
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, MessageDialog))
        assert "already running (by worker@elsewhere:1" in app.screen.text()
        assert not any("is done" in m or "failed" in m for m in messages(app))
    with services.uow() as u:
        assert roster_read.recent_runs(u, services.actor, built.practice_id) == []
        assert [(r.holder, r.outcome) for r in runs.recorded(u, built.practice_id)] == \
            [("worker@elsewhere:1", "running")]


async def test_populate_records_its_run_and_a_second_one_for_the_date_is_already_done(
        make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.open_screen("populate_roster")
        await settle(pilot)
        await pilot.press("f2")
        await wait_until(pilot, lambda: any("is done" in m for m in messages(app)))
        await settle(pilot)
        assert "Not running." in text_of(app.screen.query_one("#populate-text", Static))
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, MessageDialog))
        assert f"the roster run of {AS_OF.isoformat()} is already done" in app.screen.text()
    with services.uow() as u:
        assert [(r.kind, r.outcome) for r in runs.recorded(u, built.practice_id)] == [("roster", "done")]
        assert len(roster_read.recent_runs(u, services.actor, built.practice_id)) == 1


# --- review, turnover, letters -------------------------------------------------------------------

def _to_review(services: Any, built: Any, n: int = 3) -> list[int]:
    with services.uow() as u:
        rows = roster.work_list(u, services.actor, built.practice_id)[:n]
        ids = [roster.guarantor_by_source(u, r["guarantor"], "P1").id for r in rows]
    for gid in ids:
        core(services, roster.change_status, gid, "R", AS_OF)
    return ids


@pytest.mark.slow
async def test_review_approve_and_turn_over_through_the_warning(make_app, services, built, in_roster,
                                                                tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("RECOUP_ROSTER_FILES", str(tmp_path))
    ids = _to_review(services, built)
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.open_screen("review_turn_over")
        await settle(pilot)
        assert app.screen.table.total == 3
        await pilot.press("ctrl+a", "a")                                     # all, approve
        await settle(pilot)
        assert isinstance(app.screen, ValidationWarning)
        assert "3 items will move from R to A" in " ".join(text_of(s) for s in app.screen.query(".line"))
        await pilot.press("escape")                                            # cancel: nothing moves
        await settle(pilot)
        assert {read(services, roster.account, g).status_code for g in ids} == {"R"}
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert {read(services, roster.account, g).status_code for g in ids} == {"A"}
        await pilot.press("f10")
        app.open_screen("turn_over")
        await settle(pilot)
        assert app.screen.table.total == 3
        await pilot.press("f2")                                                # folder dialog
        await pilot.pause()
        assert app.screen.query_one("#field-folder", Input).value == str(tmp_path)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, ValidationWarning)                       # counts and dollars
        lines = " ".join(text_of(s) for s in app.screen.query(".line"))
        assert "3 accounts will be turned over" in lines and "$160.00" in lines
        await pilot.press("f2")
        await settle(pilot)
        assert all(read(services, roster.account, g).turned_over for g in ids)
        made = list(tmp_path.glob("turnover-*.csv"))
        assert len(made) == 1 and any(made[0].name in m for m in messages(app))


async def test_send_back_asks_for_the_status_then_warns(make_app, services, built, in_roster) -> None:  # type: ignore[no-untyped-def]
    ids = _to_review(services, built, 2)
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.open_screen("review_turn_over")
        await settle(pilot)
        await pilot.press("b")                                                 # the highlighted account
        await pilot.pause()
        await type_into(pilot, "field-to", "2")
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, ValidationWarning), messages(app)
        await pilot.press("enter")                                             # Save & Continue
        await settle(pilot)
        assert sorted(read(services, roster.account, g).status_code for g in ids) == ["2", "R"]


async def test_print_letters_writes_the_pdf_names_it_and_marks_printed(make_app, services, built, in_roster,
                                                                       tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("RECOUP_ROSTER_FILES", str(tmp_path))
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.open_screen("print_letters")
        await settle(pilot)
        assert app.screen.query_one(DataTable).row_count == 1                  # status 1's letter
        await pilot.press("f2")
        await pilot.pause()
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, ValidationWarning), messages(app)      # the profile has no address
        await pilot.press("enter")                                             # Save & Continue
        await settle(pilot)
        pdfs = list(tmp_path.glob("letters-*.pdf"))
        assert len(pdfs) == 1 and pdfs[0].read_bytes().startswith(b"%PDF")
        assert any(str(pdfs[0]) in m for m in messages(app))
        with services.uow() as u:
            assert roster.list_queue(u, services.actor, built.practice_id, printed=False) == []
        assert "No letters are waiting" in text_of(app.screen.query_one("#letters-status", Static))

