"""Batch Runs, a run's tally, a reason's accounts, the Nightly Preview and Patient Protections,
driven by keys on the small demo (SPEC 14), and the tally shown when a batch ends on screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import SQLModel

from core import protections, tallies
from core.practices import find_practice, practice_by_id
from tests.tui.helpers import settle, text_of
from tests.tui.tally_data import DEMO_DAY, NEXT, demo_app, demo_services
from tests.tui.test_roster_screens import messages, wait_until
from tui.screens.batch_runs import LIMIT, BatchRunsScreen
from tui.screens.guarantor import GuarantorScreen
from tui.screens.nightly_preview import PreviewScreen
from tui.screens.precollections import PreCollectionsScreen
from tui.screens.protections_admin import ProtectionsScreen
from tui.screens.tally import LeftOutScreen, TallyScreen
from tui.widgets.vtable import PAGE, VirtualTable

pytestmark = pytest.mark.slow  # the small demo, built once per session


def rows(table: VirtualTable) -> list[Any]:
    return [table.row_at(i).row for i in range(table.total) if table.row_at(i) is not None]


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as c:
        return {t.name: c.execute(text(f"SELECT COUNT(*) FROM {t.name}")).scalar_one()
                for t in SQLModel.metadata.sorted_tables}


def read(engine: Engine, fn: Any, *args: Any, **kw: Any) -> Any:
    s = demo_services(engine, DEMO_DAY)
    with s.uow() as u:
        return fn(u, s.actor, *args, **kw)


def guidelines(engine: Engine) -> list[Any]:
    return read(engine, lambda u, _actor: protections.guidelines(u))


async def open_runs(pilot: Any) -> BatchRunsScreen:
    pilot.app.open_screen("batch_runs")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, BatchRunsScreen)
    return screen


async def test_runs_list_kind_filter_tally_reason_accounts_and_guarantor(demo_engine: Engine) -> None:
    every = read(demo_engine, tallies.list_tallies, limit=LIMIT)
    app = demo_app(demo_engine)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_runs(pilot)
        assert [t.id for t in rows(screen.table)] == [t.id for t in every]
        assert f"{len(every)} runs" in text_of(screen.query_one("#runs-status")) and len(every) == 59
        await pilot.press("k")                                     # the first kind: Pre-Collections add
        await settle(pilot)
        adds = rows(screen.table)
        assert adds and {t.kind for t in adds} == {"precollections_add"}
        assert "Add Pre-Collection Tasks" in text_of(screen.query_one("#runs-status"))
        # the add that left the most out, by keys: its row, Enter
        target = max(adds, key=lambda t: t.considered - t.taken)
        for _ in range(adds.index(target)):
            await pilot.press("down")
        await pilot.pause()
        detail = text_of(screen.query_one("#runs-detail"))
        assert f"Run {target.id}:" in detail and "left out" in detail
        await pilot.press("enter")
        await settle(pilot)
        tally_screen = app.screen
        assert isinstance(tally_screen, TallyScreen) and tally_screen.tally_id == target.id
        full = read(demo_engine, tallies.show, target.id)
        shown = text_of(tally_screen.query_one("#tally-text"))
        assert f"Considered {full.considered}" in shown and f"taken {full.taken}" in shown
        lines = rows(tally_screen.query_one(VirtualTable))
        assert [(ln.side, ln.count.code, ln.count.count) for ln in lines] == \
            [("taken", c.code, c.count) for c in full.groups] + [("left out", c.code, c.count) for c in full.excluded]
        # Enter on the first reason: its accounts
        for _ in range(len(full.groups)):
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot)
        left = app.screen
        reason = full.excluded[0]
        assert isinstance(left, LeftOutScreen) and left.reason.code == reason.code
        table = left.query_one(VirtualTable)
        listed = rows(table)
        assert table.total == reason.count == len(listed)
        expected = read(demo_engine, tallies.left_out, target.id, reason.code, 0, 100)
        assert [r.guarantor for r in listed] == [x.guarantor for x in expected]
        assert sum(r.cents for r in listed) == reason.cents
        await pilot.press("pagedown")
        assert table.cursor == min(reason.count - 1, table.cursor)
        await pilot.press("home", "enter")                            # the guarantor's dashboard
        await settle(pilot)
        assert isinstance(app.screen, GuarantorScreen)
        assert expected[0].guarantor in str(app.screen.sub_title)
        for screen_type in (LeftOutScreen, TallyScreen, BatchRunsScreen):
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, screen_type)


async def test_a_reason_with_many_accounts_is_read_a_page_at_a_time(demo_engine: Engine) -> None:
    """A tally whose one reason kept out 390 accounts (every demo guarantor three times): the list
    opens with one page read, and End, Page Down and Up read the pages they land on."""
    s = demo_services(demo_engine, DEMO_DAY)
    with s.uow(write=True) as u:
        pid = find_practice(u, "DEMO-FAM").id
        counter = tallies.Counter(u, "precollections_add", pid, DEMO_DAY, "tester")
        counter.exclude("SELECT g.id AS guarantor_id, NULL AS encounter_id, 100 AS cents FROM guarantor g "
                        "CROSS JOIN (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3) k", {},
                        [("hold:dispute", "1 = 1")])
        big = counter.finish(taken=(0, 0))
        u.commit()
    assert big.excluded[0].count == 390
    app = demo_app(demo_engine)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(TallyScreen(big.id))
        await settle(pilot)
        await pilot.press("enter")                                   # its only line: the reason
        await settle(pilot)
        left = app.screen
        assert isinstance(left, LeftOutScreen)
        table = left.query_one(VirtualTable)
        assert table.total == 390 and len(table.loaded_rows()) <= 2 * PAGE
        await pilot.press("end")
        await settle(pilot)
        last = read(demo_engine, tallies.left_out, big.id, "hold:dispute", 389, 1)[0]
        assert table.cursor == 389 and table.current_row.row == last
        await pilot.press("home", "pagedown", "pagedown")
        await settle(pilot)
        here = table.cursor
        assert 0 < here < 100
        assert table.current_row.row == read(demo_engine, tallies.left_out, big.id, "hold:dispute", here, 1)[0]


async def test_preview_screen_rehearses_and_writes_nothing(demo_engine: Engine) -> None:
    before = row_counts(demo_engine)
    app = demo_app(demo_engine, NEXT)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_runs(pilot)
        await pilot.press("p")                                        # from Batch Runs
        await settle(pilot)
        preview = app.screen
        assert isinstance(preview, PreviewScreen)
        report = text_of(preview.query_one("#preview-text"))
        assert f"Nightly preview for {NEXT}: nothing was written." in report
        for practice in ("DEMO-FAM", "DEMO-ORTHO", "DEMO-OCC"):
            assert f"{practice} external: would run" in report
        assert "left out:" in report and "(now / run " in report and "of what it would do:" in report
        assert "nothing written" in text_of(preview.query_one("#preview-status"))
        await pilot.press("pagedown")
        assert preview.query_one("#preview-scroll").scroll_y > 0
        await pilot.press("f5")                                       # again: the same report
        await settle(pilot)
        assert text_of(preview.query_one("#preview-text")) == report
        await pilot.press("escape")
        assert app.screen is screen
    assert row_counts(demo_engine) == before


async def test_preview_refused_to_a_collector_says_so(demo_engine: Engine) -> None:
    s = demo_services(demo_engine, NEXT)
    with s.uow() as u:
        from core import security
        s.actor = security.authenticate(u, "collector1")
    from tui.app import RecoupApp
    app = RecoupApp(services=s)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_screen("nightly_preview")
        await settle(pilot)
        assert "Preview not made:" in text_of(app.screen.query_one("#preview-status"))
        assert "supervisor" in text_of(app.screen.query_one("#preview-status"))


async def test_populate_on_screen_opens_its_tally_on_ctrl_t(demo_engine: Engine) -> None:
    app = demo_app(demo_engine, NEXT)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_screen("populate_roster")
        await settle(pilot)
        await pilot.press("ctrl+t")                                   # nothing run here yet
        assert any("Batch Runs lists every run" in m for m in messages(app))
        await pilot.press("f2")
        await wait_until(pilot, lambda: any("is done" in m for m in messages(app)))
        done = next(m for m in messages(app) if "is done" in m)
        assert "Ctrl+T: its tally (run " in done
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert isinstance(app.screen, TallyScreen)
        tally = app.screen.tally
        assert tally is not None and tally.kind == "roster_populate" and tally.business_date == NEXT
        assert "roster populate" in text_of(app.screen.query_one("#tally-text"))


async def test_external_run_on_screen_opens_its_tally_on_ctrl_t(demo_engine: Engine, tmp_path: Path) -> None:
    app = demo_app(demo_engine, NEXT)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_screen("external_pending")
        await settle(pilot)
        await pilot.press("f9")
        await pilot.pause()
        app.screen.query_one("#field-folder").value = str(tmp_path)
        await pilot.press("f2")
        await wait_until(pilot, lambda: any("External collections run for" in m for m in messages(app)))
        await settle(pilot)
        assert any("Ctrl+T: its tally" in m for m in messages(app))
        await pilot.press("ctrl+t")
        await settle(pilot)
        tally = app.screen.tally
        assert tally is not None and tally.kind == "external_run" and tally.business_date == NEXT
        assert tally.id == read(demo_engine, tallies.list_tallies, kind="external_run", limit=1)[0].id


async def test_protections_screen_guidelines_and_practice_settings(demo_engine: Engine) -> None:
    app = demo_app(demo_engine)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_screen("protections")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ProtectionsScreen)
        await pilot.press("insert")                                   # add a year
        await pilot.pause()
        await pilot.press(*"2026", "tab", *"15900.00", "tab", *"5600.00", "f2")
        await settle(pilot)
        found = {g.year: (g.base_cents, g.per_person_cents) for g in guidelines(demo_engine)}
        assert found[2026] == (1_590_000, 560_000)
        assert "2026" in str(screen.query_one("#guidelines-table DataTable").get_row_at(0))
        await pilot.press("up", "enter")                              # update the year at the top
        await pilot.pause()
        field = app.screen.query_one("#field-base")
        field.value = ""
        field.focus()
        await pilot.press(*"16000", "f2")
        await settle(pilot)
        found = {g.year: g.base_cents for g in guidelines(demo_engine)}
        assert found[2026] == 1_600_000
        await pilot.press("delete")                                   # a year stays
        await settle(pilot)
        assert 2026 in {g.year for g in guidelines(demo_engine)}
        # the practice's settings: off with the wait, a threshold the core refuses, then one it takes
        pid = app.practice.id
        was = read(demo_engine, lambda u, a: practice_by_id(u, pid))
        await pilot.press("tab", "tab")                               # the form, then its first field
        assert app.focused is not None and app.focused.id == "field-wait_for_insurance"
        await pilot.press("space", "tab")
        pct = app.screen.query_one("#field-income_threshold_pct")
        pct.value = ""
        await pilot.press(*"1001", "f2")
        await settle(pilot)
        assert "1 to 1000" in text_of(app.screen.query_one("#error-income_threshold_pct"))
        assert read(demo_engine, lambda u, a: practice_by_id(u, pid)).income_threshold_pct == was.income_threshold_pct
        pct.value = ""
        await pilot.press(*"150", "f2")
        await settle(pilot)
        now = read(demo_engine, lambda u, a: practice_by_id(u, pid))
        assert (now.wait_for_insurance, now.income_threshold_pct) == (not was.wait_for_insurance, 150)
        await pilot.press("escape")
        assert not isinstance(app.screen, ProtectionsScreen)


async def test_add_pre_collection_tasks_on_screen_opens_its_tally_on_ctrl_t(demo_engine: Engine) -> None:
    app = demo_app(demo_engine, NEXT)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_screen("precollections")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        for _ in range(2):                                            # any validation warning: Save & Continue
            if not isinstance(app.screen, PreCollectionsScreen):
                await pilot.press("f2")
                await settle(pilot)
        assert isinstance(app.screen, PreCollectionsScreen)
        built = next(m for m in messages(app) if m.startswith("List built"))
        assert "Ctrl+T: its tally (run " in built
        await pilot.press("ctrl+t")
        await settle(pilot)
        tally = app.screen.tally
        assert isinstance(app.screen, TallyScreen) and tally is not None
        assert (tally.kind, tally.business_date, tally.practice) == ("precollections_add", NEXT, "DEMO-FAM")
        assert f"(run {tally.id})" in built
