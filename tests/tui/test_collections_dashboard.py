"""Collections Management by keyboard (Pilot), and its picture at 80x24 (snapshot).

The data is tests/dashboard_data.py's generated practice; the unit of work's clock is fixed so
the "Computed" time is the same in every run.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest
from dashboard_data import AS_OF, generate
from sqlalchemy import Engine
from textual.widgets import DataTable, Static

from core import accounts, security
from core.money import format_display
from core.precollections import dashboard
from db.uow import SqlUnitOfWork
from tests.tui.helpers import settle
from tui.app import RecoupApp
from tui.screens.collections_dashboard import CollectionsDashboardScreen
from tui.services import Services
from tui.widgets.bars import Bar, BarGraph, bar_cells, bar_lines

COMPUTED = dt.datetime(2026, 11, 23, 9, 30, 0, tzinfo=dt.UTC)


@pytest.fixture
def dash(sqlite_engine: Engine, tmp_path: Path) -> tuple[Services, int]:
    def uow(write: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(sqlite_engine, write=write, clock=lambda: COMPUTED)
    with uow(True) as u:
        security.bootstrap_admin(u, "tester")
        u.commit()
    pid = generate(lambda write=True: uow(write), tmp_path)
    with uow() as u:
        practices = accounts.list_practices(u)
        actor = security.authenticate(u, "tester")
    return Services(uow, actor, AS_OF, practices, where="test"), pid


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> None:
    """The computed-at time is shown in local time: pin the zone so the picture is stable."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


def _figures(services: Services, pid: int, state: str) -> Any:
    with services.uow() as u:
        return dashboard.dashboard(u, services.actor, pid, state, AS_OF)


async def _open(pilot: Any) -> CollectionsDashboardScreen:
    await settle(pilot)
    pilot.app.open_screen("collections_management")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CollectionsDashboardScreen)
    return screen


def _cells(screen: CollectionsDashboardScreen, table_id: str) -> list[list[str]]:
    """The cells' text; the breakdown's without the place for the cursor's ">" before each cell."""
    table = screen.query_one(table_id, DataTable)
    rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
    return rows if table_id == "#totals" else [[c[1:] for c in row] for row in rows]


def _marked(screen: CollectionsDashboardScreen) -> list[tuple[int, int]]:
    """Where the breakdown shows ">" (the cursor, seen without colour)."""
    table = screen.query_one("#breakdown", DataTable)
    return [(i, j) for i in range(table.row_count) for j, c in enumerate(table.get_row_at(i))
            if str(c).startswith(">")]


async def test_totals_type_by_graph_and_refresh_by_key(dash) -> None:
    services, pid = dash
    app = RecoupApp(services=services)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        want = {s: _figures(services, pid, s) for s in ("pre", "not_sent", "sent")}
        totals = _cells(screen, "#totals")
        for row, s in zip(totals, ("pre", "not_sent", "sent"), strict=False):
            f = want["pre"].totals[s]
            assert row[2:] == [f"{f.count:,}", format_display(f.cents)]
        assert totals[0][0] == ">"                                       # the chosen type, in text
        days = want["pre"].breakdown("days")
        assert [r[1] for r in _cells(screen, "#breakdown")][:5] == [f"{b.count:,}" for b in days.buckets]
        cursor = screen.query_one("#breakdown", DataTable)
        assert _marked(screen) == [tuple(cursor.cursor_coordinate)]     # the cell cursor, in text
        cursor.move_cursor(row=2, column=3)
        await settle(pilot)
        assert _marked(screen) == [(2, 3)]                               # the ">" follows it
        cursor.move_cursor(row=0, column=0)                              # back (the graph follows the column)
        await settle(pilot)
        await pilot.press("b")                                           # By: Dollars
        await settle(pilot)
        assert screen.by == "dollars"
        assert [r[1] for r in _cells(screen, "#breakdown")][:5] == [format_display(b.cents) for b in days.buckets]
        assert "By (b) Dollars" in str(screen.query_one("#controls", Static).render())
        await pilot.press("t")                                           # Type: Not Sent
        await settle(pilot)
        assert screen.state == "not_sent" and screen.data.state == "not_sent"
        assert [r[0] for r in _cells(screen, "#totals")] == [" ", ">", " "]
        stmts = want["not_sent"].breakdown("statements")
        assert [r[5] for r in _cells(screen, "#breakdown")] == [format_display(b.cents) for b in stmts.buckets]
        await pilot.press("t", "t")                                      # Sent, then round to Pre
        await settle(pilot)
        assert screen.state == "pre"
        graph = screen.query_one(BarGraph)
        assert "days in state" in graph.title
        for name in ("aging", "dunning", "statements", "days"):           # Graph: next breakdown
            await pilot.press("g")
            await settle(pilot)
            assert screen.graph == name and [b.label for b in graph.bars] == [
                b.key for b in want["pre"].breakdown(name).buckets]
        await pilot.press("right", "right")                              # the cursor on Aging graphs aging
        await settle(pilot)
        assert screen.graph == "aging"
        loads = screen.loads
        await pilot.press("f5")                                          # Refresh
        await settle(pilot)
        assert screen.loads == loads + 1
        assert "Computed 11-23 09:30:00" in str(screen.query_one("#controls", Static).render())


async def test_enter_on_a_number_opens_the_list_filtered_to_it(dash) -> None:
    services, pid = dash
    app = RecoupApp(services=services)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        aging = _figures(services, pid, "pre").breakdown("aging")
        await pilot.press("right", "right", "down", "enter")             # Aging 31-60 of Pre-Collections
        await settle(pilot)
        listed = app.screen
        assert listed is not screen and type(listed).__name__ == "PreCollectionsScreen"
        assert listed.filt == dashboard.bucket_filter("pre", "aging", "31-60")
        assert aging.bucket("31-60").count > 0
        await pilot.press("escape")                                      # back: figures computed again
        await settle(pilot)
        assert app.screen is screen and screen.loads == 2
        await pilot.press("shift+tab", "down", "enter")                  # the totals: Not Sent
        await settle(pilot)
        assert app.screen.filt == dashboard.bucket_filter("not_sent")


async def test_figures_follow_the_operators_own_actions(dash) -> None:
    """An action applied while the dashboard is underneath shows when it comes back."""
    from core import precollections as pc
    services, pid = dash
    app = RecoupApp(services=services)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        before = screen.data.totals["pre"].count
        app.open_screen("find")
        await settle(pilot)
        with services.uow(write=True) as u:
            first = pc.list_tasks(u, services.actor, pid, AS_OF, dashboard.bucket_filter("pre"), limit=1)[0]
            pc.set_action(u, services.actor, pid, "remove", AS_OF, tasks=[first.task])
        with services.uow(write=True) as u:
            pc.apply(u, services.actor, pid, AS_OF, confirmed=True)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen and screen.data.totals["pre"].count == before - 1


def test_bars_are_scaled_in_integers_and_labelled() -> None:
    assert bar_cells(100, 100, 10) == "█" * 10
    assert bar_cells(50, 100, 10) == "█" * 5
    assert bar_cells(1, 10_000, 10) == "▏"          # a non-zero value always shows
    assert bar_cells(0, 100, 10) == "" and bar_cells(-5, 100, 10) == ""
    lines = bar_lines([Bar("0-30", 300, "3.00"), Bar("over 120", 100, "1.00")], 30)
    assert lines[0].startswith("0-30     ███") and lines[0].endswith(" 3.00")
    assert all(len(line) <= 30 for line in lines)


def test_snapshot(snap_compare, dash) -> None:  # type: ignore[no-untyped-def]
    services, _pid = dash

    async def run_before(pilot: Any) -> None:
        await _open(pilot)
        await pilot.press("b", "right", "right", "down")
        await settle(pilot)

    assert snap_compare(RecoupApp(services=services), terminal_size=(80, 24), run_before=run_before)
