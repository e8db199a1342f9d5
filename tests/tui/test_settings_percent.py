"""The integration settings' collection fee is typed and shown as percent (25 means 25 %), as the
command line's --fee-pct takes it; the core keeps basis points, an internal detail."""

from __future__ import annotations

from textual.widgets import Input, Static

from core import roster
from tests.tui.helpers import settle, text_of
from tests.tui.test_roster_screens import read, type_into


async def test_the_collection_fee_is_entered_and_shown_as_percent(make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_screen("integration")
        await settle(pilot)
        field = app.screen.query_one("#field-collection_fee_bp", Input)
        assert field.value == "0"
        await type_into(pilot, "field-collection_fee_bp", "101")
        await pilot.press("f2")
        await settle(pilot)
        assert "a percentage from 0 to 100" in text_of(app.screen.query_one("#error-collection_fee_bp", Static))
        await type_into(pilot, "field-collection_fee_bp", "25")
        await pilot.press("f2")
        await settle(pilot)
        assert read(services, roster.settings, built.practice_id).collection_fee_bp == 2500
        assert app.screen.query_one("#field-collection_fee_bp", Input).value == "25"
