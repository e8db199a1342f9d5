"""The Holds screen and the "h" key on the Patient dashboard, driven by keys (SPEC 14)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from textual.widgets import DataTable, Input, Static

from core import holds
from tests.tui.data import AS_OF
from tests.tui.helpers import settle, text_of
from tui.screens.holds import HoldsScreen
from tui.screens.roster_dialogs import FormDialog


async def type_into(pilot: Any, widget_id: str, text: str) -> None:
    widget = pilot.app.screen.query_one(f"#{widget_id}", Input)
    widget.value = ""
    widget.focus()
    await pilot.press(*text)


def listed(services: Any, built: Any, **kw: Any) -> list[holds.HoldRow]:
    with services.uow() as u:
        return holds.list_holds(u, services.actor, built.practice_id, AS_OF, **kw)


async def test_add_filter_and_release_from_the_holds_screen(make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_screen("holds")
        await settle(pilot)
        assert isinstance(app.screen, HoldsScreen)
        assert "0 holds" in text_of(app.screen.query_one("#holds-summary", Static))
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        await type_into(pilot, "field-guarantor", "G001")
        await type_into(pilot, "field-kind", "dispute")
        await type_into(pilot, "field-end", (AS_OF + dt.timedelta(days=9)).isoformat())
        await type_into(pilot, "field-reason", "disputes the bill")
        await pilot.press("f2")
        await settle(pilot, 6)
        assert isinstance(app.screen, HoldsScreen)
        [row] = listed(services, built)
        assert (row.kind, row.guarantor, row.state, row.end) == ("dispute", "G001", "active",
                                                                 AS_OF + dt.timedelta(days=9))
        assert app.screen.query_one(DataTable).row_count == 1
        await pilot.press("f")                                  # filter: ended only -> nothing shown
        await settle(pilot)
        await type_into(pilot, "field-state", "ended")
        await pilot.press("f2")
        await settle(pilot, 6)
        assert app.screen.query_one(DataTable).row_count == 0
        await pilot.press("x")
        await settle(pilot, 6)
        assert app.screen.query_one(DataTable).row_count == 1
        await pilot.press("r")                                  # release the highlighted hold
        await settle(pilot)
        await type_into(pilot, "field-reason", "agreed a plan")
        await pilot.press("f2")
        await settle(pilot, 6)
        [row] = listed(services, built)
        assert (row.released_on, row.state) == (AS_OF, "ended")


async def test_a_refused_hold_stays_in_the_dialog_at_its_field(make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_screen("holds")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await type_into(pilot, "field-guarantor", "NOPE")
        await type_into(pilot, "field-kind", "appeal")
        await type_into(pilot, "field-reason", "x")
        await pilot.press("f2")
        await settle(pilot, 6)
        assert isinstance(app.screen, FormDialog)
        assert "no guarantor 'NOPE'" in " ".join(text_of(w) for w in app.screen.query(Static))
        assert listed(services, built) == []


async def test_h_on_the_patient_dashboard_places_a_hold_shown_in_its_collections_tab(make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.open_screen("guarantor", guarantor_id=built.ada_id)
        await settle(pilot, 6)
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        await type_into(pilot, "field-kind", "promise")
        await type_into(pilot, "field-end", (AS_OF + dt.timedelta(days=6)).isoformat())
        await type_into(pilot, "field-reason", "will pay on Friday")
        await pilot.press("f2")
        await settle(pilot, 8)
        [row] = listed(services, built)
        assert (row.kind, row.guarantor) == ("promise", "G001")
        await pilot.press("4")
        await settle(pilot)
        assert "promise" in text_of(app.screen.query_one("#collection-state", Static))
        await pilot.press("r")                                  # release it from the dashboard
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        await type_into(pilot, "field-reason", "paid in full")
        await pilot.press("f2")
        await settle(pilot, 8)
        [row] = listed(services, built)
        assert row.state == "ended" and row.released_on == AS_OF
        await pilot.press("r")                                  # nothing left to release: told so, no dialog
        await settle(pilot)
        assert not isinstance(app.screen, FormDialog)


async def test_e_on_the_dashboards_explains_each_workflow(make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    from tui.screens.explain import ExplainDialog
    with services.uow(write=True) as u:
        holds.place_hold(u, services.actor, built.practice_id, "dispute", "disputes the visit", AS_OF,
                         guarantor="G001")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_screen("guarantor", guarantor_id=built.ada_id)
        await settle(pilot, 6)
        await pilot.press("e")
        await settle(pilot, 6)
        assert isinstance(app.screen, ExplainDialog)
        text = text_of(app.screen.query_one("#explain-text", Static))
        for workflow in ("Pre-Collections", "External collections", "Patient collections roster"):
            assert f"{workflow}: MAY NOT BE TAKEN" in text
        assert text.count("NO  hold:dispute") == 3 and "disputes the visit" in text
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ExplainDialog)
