"""The External Collections screens driven by keys: the admin tab's Alt keys (with twins and
fallbacks), the threshold coupling shown at the field, the rules form, agency profiles, and the
work screens — approve, deny, assign, reverse, create a file, mark it sent, run now — each
through the validation warning, with the database checked after."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from textual.widgets import DataTable, Input, Static

from core import external, runs
from core.exchange import agency_files
from tests.exchange_files import write_returns
from tests.tui.data import AS_OF
from tests.tui.helpers import settle, text_of
from tui.screens.external_admin import ExternalAdminScreen
from tui.screens.external_work import FilesScreen, PendingScreen, PostedScreen, PreviewDialog
from tui.screens.roster_dialogs import FormDialog
from tui.widgets.admin_table import AdminTable, EditDialog
from tui.widgets.confirm import MessageDialog
from tui.widgets.warning import ValidationWarning


def table_rows(services: Any, practice_id: int) -> dict[str, Any]:
    with services.uow() as u:
        return {r.agency: r for r in external.assignments(u, practice_id)}


def states(services: Any) -> dict[str, tuple[str, str | None]]:
    """line source id -> (placement state, agency)."""
    with services.uow() as u:
        rows = u.session.execute(text(
            "SELECT l.source_id, x.state, a.source_id FROM external_placement x JOIN service_line l "
            "ON l.id = x.line_id LEFT JOIN agency a ON a.id = x.agency_id")).all()
    return {r[0]: (r[1], r[2]) for r in rows}


def line_money(services: Any, line: str) -> tuple[int, int]:
    with services.uow() as u:
        ar, coll = u.session.execute(text("SELECT ar_cents, collections_cents FROM service_line WHERE source_id = :s"),
                                     {"s": line}).one()
    return int(ar), int(coll)


def setup_pending(services: Any, practice_id: int, tmp: Path, approve: bool = False) -> external.RunResult:
    """AG1 takes every guarantor line older than 30 days; the run puts them in Pending (or posts)."""
    with services.uow(write=True) as u:
        external.add_assignment(u, services.actor, practice_id, external.Assignment("AG1", 0, 30, approve), AS_OF)
    with services.uow(write=True) as u:
        agency_files.save_agency(u, services.actor, practice_id, "AG2", AS_OF, name="Second Agency")
    with services.uow(write=True) as u:
        return external.run(u, services.actor, practice_id, AS_OF, tmp)


async def type_into(pilot: Any, widget_id: str, text_: str) -> None:
    widget = pilot.app.screen.query_one(f"#{widget_id}", Input)
    widget.value = ""
    widget.focus()
    await pilot.press(*text_)


async def focus_row(pilot: Any, key: str) -> None:
    table = pilot.app.screen.query_one("#assignment-table", AdminTable)
    table.table.move_cursor(row=[r.agency for r in table.rows].index(key))
    table.focus_table()
    await pilot.pause()


# --- Admin -> Collections Admin -> External Collections --------------------------------------------

@pytest.mark.slow
async def test_assignment_table_alt_keys_twins_and_fallbacks(make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_screen("external_collections")
        await settle(pilot)
        assert isinstance(app.screen, ExternalAdminScreen)
        for key, agency, age in (("alt+d", "AG1", "30"), ("alt+shift+d", "AG2", "60"), ("insert", "AG3", "")):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, EditDialog)
            await type_into(pilot, "field-agency", agency)
            await type_into(pilot, "field-age_gt", age)
            await pilot.press("f2")
            await settle(pilot)
            assert not isinstance(app.screen, EditDialog)
        rows = table_rows(services, built.practice_id)
        assert (rows["AG1"].balance_gt_cents, rows["AG1"].age_gt) == (0, 30)       # age alone: balance 0.00
        assert (rows["AG3"].balance_gt_cents, rows["AG3"].age_gt) == (None, None)  # both blank: manual only
        for key, agency, balance in (("alt+u", "AG1", "99"), ("alt+shift+u", "AG2", "150.50"), ("enter", "AG3", "")):
            await focus_row(pilot, agency)
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, EditDialog)
            assert app.screen.query_one("#field-agency", Input).disabled
            if balance:
                await type_into(pilot, "field-balance_gt", balance)
            else:
                await type_into(pilot, "field-age_gt", "120")
            await pilot.press("f2")
            await settle(pilot)
            assert not isinstance(app.screen, EditDialog)
        rows = table_rows(services, built.practice_id)
        assert [rows[a].balance_gt_cents for a in ("AG1", "AG2", "AG3")] == [9900, 15050, 0]
        assert rows["AG3"].age_gt == 120
        cells = app.screen.query_one("#assignment-table", AdminTable).table.get_row("AG2")
        assert cells[2:4] == ["150.50", "60"]
        for key, agency in (("alt+r", "AG1"), ("alt+shift+r", "AG2"), ("delete", "AG3")):
            await focus_row(pilot, agency)
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, ValidationWarning)                  # asks first
            assert agency in app.screen.summary.title
            if agency == "AG1":
                await pilot.press("escape")                                   # Cancel changes nothing
                await settle(pilot)
                assert "AG1" in table_rows(services, built.practice_id)
                await pilot.press(key)
                await settle(pilot)
            await pilot.press("f2")
            await settle(pilot)
        assert table_rows(services, built.practice_id) == {}


async def test_balance_without_age_is_refused_at_the_age_field(make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_screen("external_collections")
        await settle(pilot)
        await pilot.press("insert")
        await pilot.pause()
        await type_into(pilot, "field-agency", "AG9")
        await type_into(pilot, "field-balance_gt", "100")
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, EditDialog)                             # still open
        error = text_of(app.screen.query_one("#error-age_gt", Static))
        assert "Age Greater Than is required" in error
        assert app.screen.focused is app.screen.query_one("#field-age_gt", Input)
        assert table_rows(services, built.practice_id) == {}                   # nothing saved
        await type_into(pilot, "field-balance_gt", "")                        # auto flags need thresholds
        app.screen.query_one("#field-auto_approve").value = True
        await pilot.press("f2")
        await settle(pilot)
        assert "need thresholds" in text_of(app.screen.query_one("#error-auto_approve", Static))
        await type_into(pilot, "field-age_gt", "45")
        await pilot.press("f2")
        await settle(pilot)
        assert not isinstance(app.screen, EditDialog)
        row = table_rows(services, built.practice_id)["AG9"]
        assert (row.balance_gt_cents, row.age_gt, row.auto_approve) == (0, 45, True)


async def test_rules_form_points_at_the_field_and_saves(make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_screen("external_collections")
        await settle(pilot)
        await type_into(pilot, "field-exclude_days", "35")
        await pilot.press("f2")
        await settle(pilot)
        assert "dollar minimum" in text_of(app.screen.query_one("#error-exclude_min", Static))
        await type_into(pilot, "field-exclude_pct", "12.5x")
        await pilot.press("f2")
        await settle(pilot)
        assert "percentage" in text_of(app.screen.query_one("#error-exclude_pct", Static))
        await type_into(pilot, "field-exclude_pct", "12.5")
        await type_into(pilot, "field-exclude_min", "25")
        app.screen.query_one("#field-reage_denied").value = True
        await pilot.press("f2")
        await settle(pilot)
        with services.uow() as u:
            s = external.settings(u, built.practice_id)
        assert (s.exclude_days, s.exclude_min_cents, s.exclude_pct_bp, s.reage_denied, s.reassign) == (
            35, 2500, 1250, True, False)


@pytest.mark.slow
async def test_agency_profiles_add_update_and_refusals(make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_screen("agencies")
        await settle(pilot)
        await pilot.press("alt+d")
        await pilot.pause()
        await type_into(pilot, "field-agency", "AGX")
        await type_into(pilot, "field-name", "Xavier Recovery")
        await type_into(pilot, "field-fee", "abc")
        await pilot.press("f2")
        await settle(pilot)
        assert "percentage" in text_of(app.screen.query_one("#error-fee", Static))
        await type_into(pilot, "field-fee", "22.5")
        await type_into(pilot, "field-format", "csv")
        await type_into(pilot, "field-columns", "batch,nope")
        await pilot.press("f2")
        await settle(pilot)
        assert "unknown column 'nope'" in text_of(app.screen.query_one("#error-columns", Static))
        await type_into(pilot, "field-columns", "batch,task,guarantor,balance")
        await type_into(pilot, "field-baa_signed", "2026-01-15")
        await pilot.press("f2")
        await settle(pilot)
        assert not isinstance(app.screen, EditDialog)
        with services.uow() as u:
            ag = agency_files.find_agency(u, built.practice_id, "AGX")
            assert ag is not None
            assert (ag.name, ag.fee_bp, ag.file_format, ag.columns, str(ag.baa_signed)) == (
                "Xavier Recovery", 2250, "csv", "batch,task,guarantor,balance", "2026-01-15")
        await pilot.press("enter")                                            # Update (fallback key)
        await pilot.pause()
        await type_into(pilot, "field-contact", "Xena 555-0199")
        await pilot.press("f2")
        await settle(pilot)
        with services.uow() as u:
            assert agency_files.find_agency(u, built.practice_id, "AGX").contact == "Xena 555-0199"  # type: ignore[union-attr]
        await pilot.press("enter")                                            # a blank BAA date clears it
        await pilot.pause()
        await type_into(pilot, "field-baa_signed", "")
        await pilot.press("f2")
        await settle(pilot)
        with services.uow() as u:
            ag = agency_files.find_agency(u, built.practice_id, "AGX")
            assert ag is not None and ag.baa_signed is None and ag.contact == "Xena 555-0199"
        await pilot.press("delete")                                           # profiles are not removed
        await settle(pilot)
        assert isinstance(app.screen, ExternalAdminScreen)
        assert any("not removed" in n.message for n in app._notifications)


# --- the work screens ---------------------------------------------------------------------------------

async def test_approve_selected_pending_lines_through_the_warning(make_app, services, built, tmp_path) -> None:  # type: ignore[no-untyped-def]
    setup_pending(services, built.practice_id, tmp_path)
    pending = {k for k, (st, _) in states(services).items() if st == "pending"}
    assert len(pending) > 3
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_screen("external_pending")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PendingScreen)
        first = screen.table.current_row.line
        await pilot.press("space", "space")                                   # two lines selected
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ValidationWarning)
        line = app.screen.summary.lines[0]
        assert line.count == 2 and line.cents > 0
        await pilot.press("escape")                                           # Cancel: nothing changes
        await settle(pilot)
        assert {k for k, (st, _) in states(services).items() if st == "pending"} == pending
        before = line_money(services, first)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("f2")                                               # Save & Continue
        await settle(pilot)
        now = states(services)
        posted = {k for k, (st, _) in now.items() if st == "posted"}
        assert len(posted) == 2 and first in posted
        assert line_money(services, first) == (0, before[0] + before[1])    # A/R -> collections
        assert screen.table.total == len(pending) - 2                         # the list was read again
        await pilot.press("ctrl+a", "a")                                      # all the rest
        await settle(pilot)
        assert app.screen.summary.lines[0].count == len(pending) - 2
        await pilot.press("enter")
        await settle(pilot)
        assert {st for st, _ in states(services).values()} == {"posted"}
        assert screen.table.total == 0


async def test_deny_and_assign_agency(make_app, services, built, tmp_path) -> None:  # type: ignore[no-untyped-def]
    setup_pending(services, built.practice_id, tmp_path)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_screen("external_pending")
        await settle(pilot)
        screen = app.screen
        first = screen.table.current_row.line
        await pilot.press("g")                                                # assign the highlighted line
        await pilot.pause()
        assert isinstance(app.screen, FormDialog)
        await type_into(pilot, "field-agency", "NOPE")
        await pilot.press("f2")
        await settle(pilot)
        assert "no agency 'NOPE'" in text_of(app.screen.query_one("#error-agency", Static))
        await type_into(pilot, "field-agency", "AG2")
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, ValidationWarning)
        await pilot.press("f2")
        await settle(pilot)
        assert states(services)[first] == ("pending", "AG2")
        await pilot.press("d")                                                # deny it
        await settle(pilot)
        assert app.screen.summary.lines[0].count == 1
        await pilot.press("f2")
        await settle(pilot)
        assert states(services)[first][0] == "denied"


async def test_reverse_a_posted_line_restores_ar(make_app, services, built, tmp_path) -> None:  # type: ignore[no-untyped-def]
    setup_pending(services, built.practice_id, tmp_path, approve=True)         # Auto Approve: all posted
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_screen("external_pending")
        await settle(pilot)
        await pilot.press("2")                                                # to Posted
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PostedScreen)
        total = screen.table.total
        line = screen.table.current_row.line
        ar, coll = line_money(services, line)
        assert ar == 0 and coll > 0
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, ValidationWarning)
        assert (app.screen.summary.lines[0].count, app.screen.summary.lines[0].cents) == (1, coll)
        await pilot.press("f2")
        await settle(pilot)
        assert states(services)[line][0] == "reversed"
        assert line_money(services, line) == (coll, 0)
        assert screen.table.total == total - 1
        await pilot.press("g")                                                # reassign the next one
        await pilot.pause()
        await type_into(pilot, "field-agency", "AG1")
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog)                          # already with AG1: refused
        assert "already with" in app.screen.message
        await pilot.press("escape")
        await pilot.press("escape")
        await settle(pilot)


async def test_create_preview_and_mark_a_file_sent(make_app, services, built, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    setup_pending(services, built.practice_id, tmp_path, approve=True)
    posted = [k for k, (st, _) in states(services).items() if st == "posted"]
    out = tmp_path / "files"
    out.mkdir()
    monkeypatch.setenv("RECOUP_AGENCY_FILES", str(out))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_screen("external_files")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FilesScreen)
        assert [(w.agency, w.lines) for w in screen.waiting] == [("AG1", len(posted)), ("AG2", 0)]
        await pilot.press("p")                                                # preview the next file
        await settle(pilot)
        assert isinstance(app.screen, PreviewDialog)
        assert {r.line for r in app.screen.rows} == set(posted)
        await pilot.press("escape")
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, FormDialog)
        assert app.screen.query_one("#field-folder", Input).value == str(out)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, ValidationWarning)
        assert app.screen.summary.lines[0].count == len(posted)
        await pilot.press("f2")
        await settle(pilot)
        assert {st for st, _ in states(services).values()} == {"filed"}
        made = list(out.iterdir())
        assert len(made) == 1 and made[0].suffix == ".xlsx"
        assert [(f.batch, f.rows) for f in screen.files] == [(1, len(posted))]
        assert screen.waiting[0].lines == 0
        screen.query_one("#files", DataTable).focus()
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, ValidationWarning)
        await pilot.press("f2")
        await settle(pilot)
        with services.uow() as u:
            assert external.list_files(u, services.actor, built.practice_id)[0].sent_date == AS_OF
        await pilot.press("m")                                                # a second time: refused
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog)
        assert "already marked sent" in app.screen.message


@pytest.mark.slow
async def test_run_now_in_the_background_reports_its_counts(make_app, services, built, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with services.uow(write=True) as u:
        external.add_assignment(u, services.actor, built.practice_id, external.Assignment("AG1", 0, 30), AS_OF)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_screen("external_pending")
        await settle(pilot)
        assert app.screen.table.total == 0
        await pilot.press("f9")
        await pilot.pause()
        assert isinstance(app.screen, FormDialog)
        await type_into(pilot, "field-folder", str(tmp_path))
        await pilot.press("f2")
        await settle(pilot, rounds=5)
        assert isinstance(app.screen, PendingScreen)
        n = len(states(services))
        assert n > 0 and app.screen.table.total == n
        notes = [m.message for m in app._notifications]
        assert any(f"selected {n:,}" in m and str(AS_OF) in m for m in notes), notes


async def test_run_now_is_refused_while_another_process_holds_the_run_claim(make_app, services, built,
                                                                           tmp_path) -> None:  # type: ignore[no-untyped-def]
    """F9 takes the nightly's run claim: with the worker of another machine running the date, the
    screen says so in a message and runs nothing."""
    with services.uow(write=True) as u:
        runs.claim(u, built.practice_id, "external", AS_OF, "worker@elsewhere:1")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_screen("external_pending")
        await settle(pilot)
        await pilot.press("f9")
        await pilot.pause()
        await type_into(pilot, "field-folder", str(tmp_path))
        await pilot.press("f2")
        await settle(pilot, rounds=5)
        assert isinstance(app.screen, MessageDialog)
        assert "already running (by worker@elsewhere:1" in app.screen.text()
    assert states(services) == {}
    with services.uow() as u:
        assert [r.outcome for r in runs.recorded(u, built.practice_id)] == ["running"]


async def test_import_a_returns_file_from_the_files_screen(make_app, services, built, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """i, the file's path, F2: the warning previews counts, dollars and the records; F2 posts."""
    setup_pending(services, built.practice_id, tmp_path, approve=True)
    with services.uow(write=True) as u:
        external.create_file(u, services.actor, built.practice_id, "AG1", AS_OF, tmp_path / "out", confirmed=True)
        practice = u.session.execute(text("SELECT source_id FROM practice WHERE id = :p"),
                                     {"p": built.practice_id}).scalar_one()
    line = sorted(k for k, (st, _) in states(services).items() if st == "filed")[0]
    before = line_money(services, line)
    returns = write_returns(tmp_path / "returns.csv", [f"payment,{line},,{AS_OF},1.25,0,R1"], practice=practice,
                            agency="AG1", created=AS_OF)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_screen("external_files")
        await settle(pilot)
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, FormDialog)
        await type_into(pilot, "field-path", str(returns))
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, ValidationWarning)
        assert "1 payment, $1.25" in app.screen.summary.title
        assert any(line in note for note in app.screen.summary.notes)            # the preview of the records
        assert line_money(services, line) == before                           # nothing posted yet
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog)
        assert "1 payment posted, 1.25" in app.screen.message
        assert line_money(services, line) == (before[0], before[1] - 125)


async def test_agencies_tab_has_the_practice_drop_down(make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    """The Agencies tab (as the External Collections tab) works on the practice in its drop-down:
    Ctrl+O opens it; choosing South Clinic opens the same tab again for South Clinic."""
    from textual.widgets import Select, TabbedContent
    with services.uow(write=True) as u:
        south = next(p for p in services.practices if p.source_id == "P2")
        agency_files.save_agency(u, services.actor, south.id, "SOUTHAG", AS_OF, name="South Agency")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_screen("agencies")
        await settle(pilot)
        screen = app.screen
        select = screen.query_one("#admin-practice", Select)
        assert select.value == built.practice_id
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert select.expanded and app.focused is not None
        await pilot.press("down", "enter")                                    # South Clinic
        await settle(pilot)
        assert app.practice.id == south.id and app.screen is not screen
        assert isinstance(app.screen, ExternalAdminScreen)
        assert app.screen.query_one(TabbedContent).active == "agencies"        # the same tab, reopened
        assert "SOUTHAG" in [r.source_id for r in app.screen.query_one("#profiles-table", AdminTable).rows]
        assert app.screen.query_one("#admin-practice", Select).value == south.id
