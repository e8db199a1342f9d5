"""The Pre-Collections screen sends back the versions of the rows the operator acted on, so an
edit made on a stale screen is refused as "changed by NAME at TIME — reload" (issue 8)."""

from __future__ import annotations

from sqlalchemy import text

from core import precollections as pc
from core.security import Actor
from tests.tui.data import AS_OF
from tests.tui.helpers import settle
from tests.tui.test_precollections_screen import build_list, open_list
from tui.screens.precollections import PreCollectionsScreen
from tui.widgets.confirm import MessageDialog


async def test_set_action_on_a_row_changed_meanwhile_is_a_conflict(make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_list(app, pilot)
        await build_list(pilot)
        assert screen.table.current_row.task == 1
        with services.uow(write=True) as u:                      # another operator, another session
            pc.set_action(u, Actor("olga", "collector"), built.practice_id, "remove", AS_OF, tasks=[1])
        await pilot.press("t")                                    # on the highlighted task 1, as read
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog)
        assert "task 1 was changed by olga at" in app.screen.text() and "reload" in app.screen.text()
        with services.uow() as u:
            assert u.session.execute(text("SELECT action FROM precollection_task WHERE task_no = 1")).scalar_one() \
                == "remove"                                       # olga's edit stands
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PreCollectionsScreen)
