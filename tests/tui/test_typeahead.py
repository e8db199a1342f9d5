"""Type-ahead: keys sent in one burst (as over SSH, or by an operator who types ahead) land where
they would have landed typed slowly — on every form and dialog, checked in the database.

`burst` hands every key to the driver before the app has handled the first one, which is what a
pty delivers when a burst arrives; Pilot's `press` waits for the app to go idle between keys and
so never shows the problem. A tmux test sends a burst over a real pty.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from textual import events

from core import holds, security
from core.exchange import agency_files
from db.uow import SqlUnitOfWork
from tests.tui.data import AS_OF, build
from tests.tui.helpers import settle
from tui.screens.home import menu_options
from tui.screens.precollections import PreCollectionsScreen
from tui.screens.precollections_dialogs import AddTasksDialog, ChooseDialog
from tui.widgets.admin_table import EditDialog

CHARACTERS = {"space": " ", "tab": "\t", "enter": "\r", "escape": "\x1b"}
KEY_NAMES = {".": "full_stop", "-": "minus", " ": "space", ",": "comma", "/": "slash"}


async def burst(pilot: Any, *keys: str) -> None:
    """Every key at once (text as single characters), then let the app settle."""
    app = pilot.app
    for key in keys:
        character = key if len(key) == 1 else CHARACTERS.get(key)
        event = events.Key(KEY_NAMES.get(key, key), character)
        event.set_sender(app)
        app._driver.send_message(event)
    await settle(pilot, 8)


def chars(value: str) -> tuple[str, ...]:
    return tuple(value)


def scalar(services: Any, sql: str, **params: Any) -> Any:
    with services.uow() as u:
        return u.session.execute(text(sql), params).scalar()


async def opened(app: Any, pilot: Any, screen_id: str) -> None:
    await settle(pilot)
    app.open_screen(screen_id)
    await settle(pilot)


async def test_add_tasks_burst_fills_the_third_field(make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    """The issue's case: `a Tab Tab 5` opened the form with every field empty."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(app, pilot, "precollections")
        await burst(pilot, "a", "tab", "tab", "5")
        assert isinstance(app.screen, AddTasksDialog)
        assert app.screen.form.raw()["encounter_balance_min"] == "5"
        assert app.screen.form.raw()["guarantor_balance_min"] == ""


async def test_add_tasks_burst_through_the_warning_builds_the_list(make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    """Open, two Tabs, an amount, F2 and the warning's F2 in one burst: the list is built with it."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(app, pilot, "precollections")
        await burst(pilot, "a", "tab", "tab", *chars("100.00"), "f2", "f2")
        assert isinstance(app.screen, PreCollectionsScreen)
        expected = scalar(services, "SELECT COUNT(*) FROM encounter WHERE practice_id = :p AND ar_cents >= 10000 "
                                    "AND collections_cents = 0 AND guarantor_id IN (SELECT id FROM guarantor "
                                    "WHERE kind = 'patient')", p=built.practice_id)
        assert expected > 0
        assert scalar(services, "SELECT COUNT(*) FROM precollection_task") == expected


async def test_filter_set_action_and_apply_in_bursts(make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(app, pilot, "precollections")
        await burst(pilot, "a", "f2", "f2")                        # every eligible encounter
        screen = app.screen
        assert isinstance(screen, PreCollectionsScreen) and screen.table.total > 3
        # filter: the focus starts on Balance >=; type, F2
        await burst(pilot, "f", *chars("50"), "f2")
        assert screen.filt.balance_min == 5000
        # two rows selected, Set Action, second choice (Remove), Enter — then Apply, F2, F2
        await burst(pilot, "x", "space", "space", "t", "down", "enter")
        assert isinstance(app.screen, PreCollectionsScreen)
        assert scalar(services, "SELECT COUNT(*) FROM precollection_task WHERE action IS NOT NULL") == 2
        await burst(pilot, "f2", "f2", "f2")
        assert isinstance(app.screen, PreCollectionsScreen)
        assert scalar(services, "SELECT COUNT(*) FROM precollection_task WHERE action IS NOT NULL") == 0


async def test_set_action_burst_lands_on_the_chosen_line(make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(app, pilot, "precollections")
        await burst(pilot, "a", "f2", "f2", "down", "down", "t", "enter")
        assert not isinstance(app.screen, ChooseDialog)
        assert scalar(services, "SELECT task_no FROM precollection_task WHERE action IS NOT NULL") == 3


async def test_agency_form_burst_keeps_its_tabs(make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    """The issue's case: text and Tab in one burst made an agency 'EXT350.00'."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(app, pilot, "agencies")
        await burst(pilot, "insert", *chars("EXT"), "tab", *chars("Extra"), "tab", "tab", *chars("35.5"), "f2")
        assert not isinstance(app.screen, EditDialog)
        with services.uow() as u:
            agency = agency_files.find_agency(u, built.practice_id, "EXT")
            assert agency is not None
            assert (agency.name, agency.fee_bp) == ("Extra", 3550)
        # and at once again, after the first: the Agencies tab lists both, the dialog closed
        await burst(pilot, "insert", *chars("EXU"), "tab", *chars("Other"), "f2")
        with services.uow() as u:
            assert agency_files.find_agency(u, built.practice_id, "EXU") is not None


async def test_assignment_form_burst_on_the_external_tab(make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(app, pilot, "agencies")
        await burst(pilot, "insert", *chars("AG7"), "tab", *chars("Seven"), "f2")
        await opened(app, pilot, "external_collections")
        await burst(pilot, "insert", *chars("AG7"), "tab", *chars("0"), "tab", *chars("45"), "f2")
        assert not isinstance(app.screen, EditDialog)
        assert scalar(services, "SELECT COUNT(*) FROM agency_assignment") == 1


async def test_status_table_burst_with_a_refusal_at_the_field(make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    """A burst that ends in a bad value: the dialog stays open with the message at that field."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(app, pilot, "status_table")
        before = scalar(services, "SELECT COUNT(*) FROM collection_status")
        await burst(pilot, "insert", *chars("X9"), "tab", *chars("Goes nowhere"), "tab", *chars("1x"), "f2")
        assert isinstance(app.screen, EditDialog)
        assert app.screen.query_one("#field-days").value == "1x"  # type: ignore[attr-defined]
        assert scalar(services, "SELECT COUNT(*) FROM collection_status") == before


async def test_hold_dialog_burst(make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    end = (AS_OF + dt.timedelta(days=9)).isoformat()
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(app, pilot, "holds")
        await burst(pilot, "a", *chars("G001"), "tab", "tab", *chars("dispute"), "tab", "tab", *chars(end),
                    "tab", *chars("disputes"), "f2")
        with services.uow() as u:
            [row] = holds.list_holds(u, services.actor, built.practice_id, AS_OF)
        assert (row.guarantor, row.kind, row.end, row.reason) == ("G001", "dispute", AS_OF + dt.timedelta(days=9),
                                                                  "disputes")


# ---- a real pty ----------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_burst_over_a_real_pty(sqlite_engine: Any, tmp_path: Path) -> None:
    """One tmux send-keys from the main menu: down to Pre-Collections, Enter, `a Tab Tab 5`, F2 —
    the whole burst written to the pty at once, as SSH delivers it: the list is built with
    Encounter balance >= 5.00."""
    with SqlUnitOfWork(sqlite_engine) as u:
        security.bootstrap_admin(u, getpass.getuser())
        build(u)
        u.commit()
    db = sqlite_engine.url.database
    env = {**os.environ, "NO_COLOR": "1", "RECOUP_KEYS": str(tmp_path / "none.toml")}
    session = f"typeahead-{os.getpid()}"
    command = f"{sys.executable} -m tui.cli --db {db} --as-of {AS_OF.isoformat()} --no-mouse"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24", command],
                   check=True, env=env, cwd=Path(__file__).parents[2])
    try:
        def screen() -> str:
            return subprocess.run(["tmux", "capture-pane", "-pt", session], capture_output=True,
                                  text=True).stdout

        _wait_for(lambda: "North Clinic" in screen(), screen)             # the database is open
        downs = [o.id for o in menu_options() if not o.disabled].index("precollections")
        subprocess.run(["tmux", "send-keys", "-t", session, *["Down"] * downs, "Enter", "a", "Tab", "Tab", "5",
                        "F2"], check=True)
        with sqlite_engine.connect() as c:
            expected = c.execute(text("SELECT COUNT(*) FROM encounter WHERE practice_id = 1 AND ar_cents >= 500 "
                                      "AND collections_cents = 0 AND guarantor_id IN (SELECT id FROM guarantor "
                                      "WHERE kind = 'patient')")).scalar()

        def built_list() -> bool:
            with sqlite_engine.connect() as c:
                return c.execute(text("SELECT COUNT(*) FROM precollection_task")).scalar() == expected
        _wait_for(built_list, screen)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False)


def _wait_for(check: Any, screen: Any, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.25)
    raise AssertionError(f"the screen never got there:\n{screen()}")
