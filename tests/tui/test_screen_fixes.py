"""The screens' small wrongs of the 80x24 / no-colour issue, each driven by real keys (Pilot)."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, Select, Static

from core.precollections.criteria import TaskFilter
from tests.tui.helpers import settle, text_of
from tui.screens.help import EVERYWHERE, SCREEN, HelpScreen
from tui.screens.home import HomeScreen
from tui.screens.precollections import PreCollectionsScreen, views_line
from tui.screens.precollections_dialogs import ChooseDialog, FilterDialog, describe_filter
from tui.widgets.confirm import DiscardChanges
from tui.widgets.form import CriteriaForm
from tui.widgets.marked import MARK, MarkedOptionList


async def open_list(app: Any, pilot: Any, build: bool = True) -> PreCollectionsScreen:
    await settle(pilot)
    app.open_screen("precollections")
    await settle(pilot)
    if build:
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
    assert isinstance(app.screen, PreCollectionsScreen)
    return app.screen


# ---- Esc on an edited form asks first ---------------------------------------------------------------

async def test_esc_on_an_edited_form_asks_and_an_untouched_one_closes(make_app, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_list(app, pilot, build=False)
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("escape")                       # nothing typed: closes at once
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("f", "1", "2")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DiscardChanges)
        await pilot.press("escape")                       # back to the form, the edit still there
        await settle(pilot)
        assert isinstance(app.screen, FilterDialog)
        assert app.screen.form.raw()["balance_min"] == "12"
        await pilot.press("escape", "f2")                 # asked again; F2 discards
        await settle(pilot)
        assert app.screen is screen and screen.filt.balance_min is None


async def test_esc_on_an_edited_settings_screen_asks(make_app, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_screen("integration")
        await settle(pilot)
        settings = app.screen
        app.screen.query_one(CriteriaForm).query(Input).first().focus()
        await pilot.press("9")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DiscardChanges)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is settings


async def test_settings_form_scrolls_to_the_focused_field(make_app, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_screen("integration")
        await settle(pilot)
        form = app.screen.query_one(CriteriaForm)
        inputs = list(form.query(Input))
        inputs[0].focus()
        await settle(pilot)
        checked = 0
        for _ in range(len(inputs) - 1):
            await pilot.press("tab")
            focused = app.focused
            if isinstance(focused, Input) and focused in inputs:
                await pilot.pause()
                assert form.region.contains_region(focused.region), focused.id
                checked += 1
        assert checked > 10 and form.scroll_offset.y > 0  # it did go below the fold


# ---- Ctrl+O ---------------------------------------------------------------------------------------

async def test_ctrl_o_from_a_work_screen_changes_practice_and_goes_to_the_menu(make_app, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_list(app, pilot, build=False)
        first = app.practice.id
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, ChooseDialog)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.practice.id != first
        select = app.screen.query_one("#practice", Select)
        assert select.value == app.practice.id


async def test_the_practice_drop_down_has_no_blank_choice(make_app, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        select = app.screen.query_one("#practice", Select)
        assert not select._allow_blank
        await pilot.press("ctrl+o")
        await settle(pilot)
        await pilot.press("up", "up", "enter")           # the top of the list is a practice, not a blank
        await settle(pilot)
        assert select.value is not Select.NULL and app.practice is not None


# ---- drill-down labels, the cursor after an action ------------------------------------------------

def test_filter_labels_name_both_ends_of_a_range() -> None:
    assert describe_filter(TaskFilter(states=("pre",), age_min=61, age_max=90)) == "age 61-90"
    assert describe_filter(TaskFilter(states=("pre",), days_min=0, days_max=30)) == "days 0-30"
    assert describe_filter(TaskFilter(states=("pre",), age_min=91)) == "age>=91"
    assert describe_filter(TaskFilter(states=("pre",), dunning_max=2)) == "dun<=2"
    assert describe_filter(TaskFilter(states=("pre",))) == "none"


async def test_cursor_stays_on_its_line_after_set_action(make_app, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_list(app, pilot)
        await pilot.press("down", "down", "down")
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert screen.table.cursor == 3


# ---- huge numbers ---------------------------------------------------------------------------------

async def test_a_huge_amount_is_a_field_message_not_an_overflow(make_app, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_list(app, pilot, build=False)
        await pilot.press("f", *"99999999999999999999", "f2")
        await settle(pilot)
        assert isinstance(app.screen, FilterDialog)
        assert "must be an amount from" in text_of(app.screen.query_one("#error-balance_min", Static))
        await pilot.press("escape", "f2")
        await settle(pilot)
        await pilot.press("a", "tab", "tab", "tab", "tab", *"99999999999999999999", "f2")
        await settle(pilot)
        assert "too large" in text_of(app.screen.query_one("#error-age_min", Static))
        assert not [n for n in app._notifications if "Overflow" in str(n.message)]
        assert screen.table.loading is False


# ---- F1, markers ----------------------------------------------------------------------------------

async def test_f1_groups_sorts_and_writes_keys_as_the_footer(make_app, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_list(app, pilot, build=False)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        entries = app.screen.entries
        groups = [e.group for e in entries]
        assert groups == sorted(groups, key=lambda g: g != SCREEN) and EVERYWHERE in groups
        own = [e.label.lower() for e in entries if e.group == SCREEN]
        assert own == sorted(own)
        text = app.screen.text()
        assert "\nf / F3 Filter" in text and "\nF10 Menu" in text
        assert "scroll" not in text.lower() and "PgUp" not in text


async def test_cursor_marks_are_text(make_app, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_list(app, pilot)
        await pilot.press("down")
        lines = [screen.table.render_line(y).text for y in range(1, 4)]
        assert lines[0].startswith(" ") and lines[1].startswith(MARK) and lines[2].startswith(" ")
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("down")
        await pilot.pause()
        options = app.screen.query_one(MarkedOptionList)
        rows = [options.render_line(y).text for y in range(options.option_count)]
        assert [r.startswith(MARK) for r in rows] == [i == options.highlighted for i in range(len(rows))]


def test_the_views_header_shortens_instead_of_losing_the_sent_dollars() -> None:
    totals = {"pre": (12_345, 123_456_789), "not_sent": (2_345, 98_765_432), "sent": (34_567, 1_234_567_890)}
    wide = views_line(totals, "pre", 200)
    assert "Pre-Collections" in wide and "$12,345,678.90" in wide
    narrow = views_line(totals, "pre", 78)
    assert len(narrow) <= 78 and "…" not in narrow
    assert narrow.endswith("3 Sent 34,567 $12.3M ") and "[1 Pre 12,345 $1.2M]" in narrow


async def test_the_agencies_tab_is_read_again_when_shown(make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    """An agency added behind the tab's back (here: by another session) is listed on showing it."""
    from core.exchange import agency_files
    from tests.tui.data import AS_OF
    from tui.widgets.admin_table import AdminTable
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_screen("external_collections")
        await settle(pilot)
        profiles = app.screen.query_one("#profiles-table", AdminTable)
        before = len(profiles.rows)
        with services.uow(write=True) as u:
            agency_files.save_agency(u, services.actor, built.practice_id, "NEW1", AS_OF, name="New One")
        await pilot.press("f8")
        await settle(pilot)
        assert len(profiles.rows) == before + 1 and "NEW1" in [profiles.spec.key(r) for r in profiles.rows]


async def test_a_dialog_opening_clears_the_toasts_of_the_step_before(make_app, built) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_list(app, pilot)
        assert app._notifications                        # "List built: …"
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, FilterDialog)
        assert not app._notifications
