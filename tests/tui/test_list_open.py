"""Opening a long list: its first rows show before the count, the keys wait for the count, and the
footer is not rebuilt for binding changes that leave the same keys."""

from __future__ import annotations

import threading
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen

from tests.tui.helpers import settle
from tui.typeahead import KeyGate
from tui.widgets.footer import FitFooter
from tui.widgets.vtable import PAGE, Column, VirtualTable


class SlowCountSource:
    """Rows 0..n-1; count() waits until the test lets it go."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.counting = threading.Event()
        self.go = threading.Event()

    def count(self) -> int:
        self.counting.set()
        assert self.go.wait(10)
        return self.n

    def page(self, *, after: Any = None, before: Any = None, offset: int | None = None,
             limit: int = PAGE) -> list[int]:
        if after is not None:
            start = after + 1
        elif before is not None:
            start = max(0, before - limit)
            limit = before - start
        else:
            start = offset or 0
        return list(range(start, min(self.n, start + limit)))

    def key(self, row: int) -> int:
        return row

    def row_id(self, row: int) -> int:
        return row


class ListApp(KeyGate):
    def compose(self) -> ComposeResult:
        yield VirtualTable([Column("n", "N", 8, lambda r: str(r))])


async def _until(pilot: Any, condition: Any) -> None:
    for _ in range(200):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError("the condition never came true")


async def test_first_page_shows_before_the_count_and_keys_wait_for_it() -> None:
    app = ListApp()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(VirtualTable)
        table.focus()
        source = SlowCountSource(1000)
        table.load(source)
        await _until(pilot, lambda: table.row_at(0) is not None and source.counting.is_set())
        assert table.loading                     # the count is still being read
        assert table.total == PAGE               # as long as the rows shown, until then
        assert table.current_row == 0
        assert table._cover_widget is None      # the rows show: no loading indicator over them
        await pilot.press("end", "down")         # typed ahead: meant for the whole list
        assert table.cursor == 0
        source.go.set()
        await settle(pilot)
        await _until(pilot, lambda: table.cursor == 999)
        assert not table.loading and table.total == 1000


async def test_a_reload_that_keeps_the_cursor_shows_nothing_before_the_count() -> None:
    app = ListApp()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(VirtualTable)
        first = SlowCountSource(500)
        first.go.set()
        table.load(first)
        await settle(pilot)
        table.cursor = 250
        again = SlowCountSource(500)
        table.load(again, keep_cursor=True)
        await _until(pilot, again.counting.is_set)
        await pilot.pause(0.05)
        assert table.total == 500 and table.cursor == 250   # the old rows, not the first page
        again.go.set()
        await settle(pilot)
        assert not table.loading and table.cursor == 250


class FooterScreen(Screen[None]):
    BINDINGS = [Binding("a", "one", "One"), Binding("b", "two", "Two")]
    allow_two = True

    def compose(self) -> ComposeResult:
        yield FitFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if action == "two" and not self.allow_two else True

    def action_one(self) -> None: ...

    def action_two(self) -> None: ...


class FooterApp(KeyGate):
    def on_mount(self) -> None:
        self.push_screen(FooterScreen())


async def test_footer_is_rebuilt_only_when_its_keys_change() -> None:
    app = FooterApp()
    async with app.run_test(size=(80, 10)) as pilot:
        await settle(pilot)
        footer = app.screen.query_one(FitFooter)
        keys = list(footer.children)
        assert [k.description for k in keys] == ["One", "Two"]  # type: ignore[attr-defined]
        app.screen.refresh_bindings()            # a change of bindings that shows the same keys
        await settle(pilot)
        assert list(footer.children) == keys     # the same widgets: not recomposed
        screen = app.screen
        assert isinstance(screen, FooterScreen)
        screen.allow_two = False                 # Two greyed out: rebuilt
        screen.refresh_bindings()
        await settle(pilot)
        assert list(footer.children) != keys
        assert [k.has_class("-disabled") for k in footer.children] == [False, True]


async def test_guarantor_list_shows_a_progress_bar_only_for_a_slow_read(make_app, monkeypatch):  # type: ignore[no-untyped-def]
    from tui.screens import guarantors
    from tui.widgets.progress import TaskProgress

    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        app.open_screen("guarantors")
        await settle(pilot)
        assert not app.screen.query(TaskProgress)       # a quick read: no bar at all
        go = threading.Event()
        count = guarantors.GuarantorSource.count
        monkeypatch.setattr(guarantors.GuarantorSource, "count", lambda self: go.wait(10) and count(self))
        await pilot.press("s")                          # another sort: a read that takes its time
        await pilot.pause(guarantors.PROGRESS_AFTER_S + 0.2)
        bar = app.screen.query_one(TaskProgress)
        assert bar.has_class("-running")
        go.set()
        await settle(pilot)
        assert not bar.has_class("-running")
