"""Every screen driven by keys, on a real SQLite file (Pilot)."""

from __future__ import annotations

from textual.widgets import Input, OptionList, Select, TabbedContent

from tests.tui.helpers import settle, text_of
from tui.screens.encounter import EncounterScreen
from tui.screens.find import FindScreen
from tui.screens.guarantor import GuarantorScreen
from tui.screens.guarantors import FilterScreen, GuarantorsScreen
from tui.screens.home import HomeScreen
from tui.widgets.vtable import VirtualTable


async def test_menu_lists_every_screen_and_marks_the_coming_ones(make_app):  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        menu = app.screen.query_one("#menu", OptionList)
        options = [menu.get_option_at_index(i) for i in range(menu.option_count)]
        prompts = {o.id: str(o.prompt) for o in options}
        assert not menu.get_option("guarantors").disabled
        assert not menu.get_option("collections_management").disabled
        assert menu.get_option("statement_dashboard").disabled
        assert prompts["statement_dashboard"].strip() == "Statement/Invoice Management Dashboard  (coming)"
        assert "COLLECTIONS ADMIN" not in prompts.values()
        assert [p.strip() for i, p in prompts.items() if i.startswith("heading:")][:5] == [
            "PATIENTS", "STATEMENTS", "PATIENT COLLECTIONS", "ADMIN", "Collections Admin"]
        await pilot.press("enter")  # the first enabled item: Guarantors
        await settle(pilot)
        assert isinstance(app.screen, GuarantorsScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_practice_drop_down_when_there_are_several(make_app, built):  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        assert app.screen.query_one("#practice-row").display
        assert app.practice.name == "North Clinic"
        await pilot.press("ctrl+o")
        await pilot.pause()
        select = app.screen.query_one("#practice", Select)
        assert select.expanded
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.practice.id == built.other_practice_id
        assert app.sub_title == "South Clinic"


async def test_command_palette_opens_screens_by_name(make_app):  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Guarantors")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, GuarantorsScreen)
        await pilot.press("ctrl+p")
        await pilot.press(*"Statement/Invoice")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, GuarantorsScreen)  # coming: nothing opened
        assert any("not built yet" in n.message for n in app._notifications)


async def test_guarantor_list_sorts_filters_selects_and_opens(make_app, built):  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        app.open_screen("guarantors")
        await settle(pilot)
        table = app.screen.query_one(VirtualTable)
        assert table.total == built.guarantor_count
        assert table.current_row.name == "Acme Tools Inc"          # by name
        await pilot.press("s")                                     # by id
        await settle(pilot)
        assert table.current_row.source_id == "G001"
        await pilot.press("r")
        await settle(pilot)
        assert table.current_row.source_id == "G900"
        await pilot.press("s")                                     # by A/R, largest first
        await settle(pilot)
        ars = [table.row_at(i).ar_cents for i in range(table.total)]
        assert ars == sorted(ars, reverse=True)
        await pilot.press("space", "space")
        assert table.selection.count(table.total) == 2
        await pilot.press("ctrl+a")
        assert table.selection.count(table.total) == built.guarantor_count
        await pilot.press("space")                                 # an exclusion from "all"
        assert table.selection.count(table.total) == built.guarantor_count - 1
        assert "40 selected" in text_of(app.screen.query_one("#list-status"))
        await pilot.press("f")
        assert isinstance(app.screen, FilterScreen)
        await pilot.press(*"lovelace", "f2")
        await settle(pilot)
        assert table.total == 4 and "'lovelace'" in text_of(app.screen.query_one("#list-status"))
        await pilot.press("end")
        assert table.cursor == 3
        await pilot.press("home", "enter")
        await settle(pilot)
        assert isinstance(app.screen, GuarantorScreen)
        await pilot.press("escape", "x")
        await settle(pilot)
        assert table.total == built.guarantor_count


async def test_filter_form_points_at_the_bad_field_and_keeps_the_list(make_app, built):  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        app.open_screen("guarantors")
        await settle(pilot)
        await pilot.press("f", "tab", *"12,50", "f2")
        await pilot.pause()
        assert isinstance(app.screen, FilterScreen)
        error = text_of(app.screen.query_one("#error-ar_min"))
        assert "A/R at least" in error and "not an amount" in error
        assert app.focused.id == "field-ar_min"
        app.focused.value = "100.00"
        app.screen.query_one("#field-ar_max", Input).value = "5.00"
        await pilot.press("f2")
        await pilot.pause()
        assert "less than" in text_of(app.screen.query_one("#error-ar_max"))
        assert app.focused.id == "field-ar_max"
        await pilot.press("f12")
        await settle(pilot)
        assert isinstance(app.screen, GuarantorsScreen)
        assert app.screen.query_one(VirtualTable).total == built.guarantor_count


async def test_guarantor_dashboard_shows_money_and_collections_in_text(make_app, built):  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        app.open_screen("guarantor", guarantor_id=built.ada_id)
        await settle(pilot)
        screen = app.screen
        assert "Ada Lovelace  [G001] patient" in text_of(screen.query_one("#identity"))
        coll = screen.query_one("#bal-coll")
        assert text_of(coll) == "COLLECTIONS $40.00 [IN COLLECTIONS]"
        assert coll.has_class("collections")
        assert text_of(screen.query_one("#bal-ar")) == "A/R $45.00"
        assert text_of(screen.query_one("#bal-escrow")) == "Escrow $15.00"
        assert screen.query_one("#encounters").row_count == 2
        for key, tab in (("2", "txns"), ("3", "statements"), ("4", "collections"), ("1", "lines")):
            await pilot.press(key)
            await pilot.pause()
            assert screen.query_one(TabbedContent).active == tab
        state = text_of(screen.query_one("#collection-state"))
        assert "$40.00 to collections" in state and "External agency placement: none" in state
        await pilot.press("down", "enter")                       # the older encounter
        await settle(pilot)
        assert isinstance(app.screen, EncounterScreen)
        enc = app.screen
        assert enc.query_one("#line-table").row_count == 2
        assert text_of(enc.query_one("#bal-coll")) == "COLLECTIONS $40.00 [IN COLLECTIONS]"
        await pilot.press("g")
        await settle(pilot)
        assert isinstance(app.screen, GuarantorScreen)
        await pilot.press("f10")
        assert isinstance(app.screen, HomeScreen)


async def test_find_by_id_and_by_name(make_app, built):  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("ctrl+f")
        assert isinstance(app.screen, FindScreen)
        await pilot.press(*"E0011")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, EncounterScreen)
        assert app.screen.detail.encounter.source_id == "E0011"
        await pilot.press("escape")
        app.screen.query_one(Input).value = ""
        await pilot.press(*"hopper")
        await settle(pilot)
        results = app.screen.query_one(OptionList)
        assert results.option_count >= 2
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, GuarantorScreen)
        assert "Hopper" in app.screen.detail.name
