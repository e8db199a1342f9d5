"""The type-ahead gate never leaves the keyboard stuck, and never slows typing into Ctrl+P.

The stalls found (issue: the palette took a character every 10-30 s under load; once, after Enter
twice in the palette, no key was taken at all):
- every character typed into the palette waited for the previous one's whole trip (three rounds
  of markers through the palette's widgets, behind its search and its repaint);
- a hold or a trip marker that was never released stalled the keys for as long as anything else
  kept taking and releasing holds: the one safety timer was pushed back by every hold;
- a marker dropped with its widget (removed mid-trip) was only noticed by that timer;
- Enter in the palette that chose nothing (no match, or only moved to the first line) kept the
  keys held until the timer.

Keys are sent as a pty delivers a burst (`burst`), or one by one with Pilot's `press`.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from textual.app import ComposeResult
from textual.command import CommandInput, CommandPalette, Hit, Hits, Provider
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Static

import tui.typeahead as typeahead
from tests.tui.helpers import settle
from tests.tui.test_typeahead import burst, chars
from tui.screens.fap import FapScreen
from tui.screens.help import HelpScreen
from tui.screens.home import HomeScreen
from tui.typeahead import KeyGate
from tui.widgets.confirm import run_use_case


async def until(pilot: Any, check: Any, seconds: float = 20) -> None:
    """Wait (app time, not a timing assertion) until `check()`; fail with the gate's state."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            app = pilot.app
            raise AssertionError(f"stuck: screen {type(app.screen).__name__}, waiting {app.keys_waiting}, "
                                 f"in flight {app._in_flight}, holds {list(app._holds)}")
        await pilot.pause(0.05)


def palette_text(app: Any) -> str:
    return str(app.screen.query_one(CommandInput).value)


async def test_characters_typed_into_the_palette_take_no_trip_each(make_app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    trips: list[str] = []
    start_trip = KeyGate._start_trip

    def counted(self: Any, key: Any, *args: Any, **kwargs: Any) -> None:
        trips.append(key.key)
        start_trip(self, key, *args, **kwargs)
    monkeypatch.setattr(KeyGate, "_start_trip", counted)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "ctrl+p", *chars("Financial"))
        assert isinstance(app.screen, CommandPalette)
        assert palette_text(app) == "Financial"
        assert trips == ["ctrl+p"]          # the characters went straight to the search field
        trips.clear()
        await burst(pilot, "enter", "f1")   # Enter chooses from the results of what was typed
        assert isinstance(app.screen, HelpScreen) and isinstance(app.screen_stack[-2], FapScreen)
        assert trips == ["probe", "enter", "f1"]  # Enter after one check that the text is in


async def test_enter_waits_for_the_search_of_what_was_typed(make_app) -> None:  # type: ignore[no-untyped-def]
    """`zzq` matches nothing: Enter chose the first line of an older search (Time Zones) before."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "ctrl+p", *chars("zzq"), "enter")
        # Enter waits for the search of "zzq" (on a loaded machine longer than the burst's settle)
        await until(pilot, lambda: not app.keys_gated and app.keys_waiting == 0)
        assert isinstance(app.screen, CommandPalette) and palette_text(app) == "zzq"   # Enter chose nothing
        await burst(pilot, "escape", "f1")
        assert isinstance(app.screen, HelpScreen) and isinstance(app.screen_stack[-2], HomeScreen)


@pytest.mark.parametrize("typed", ["Keys", "a", ""])
async def test_enter_twice_in_the_palette_leaves_the_keys_flowing(make_app, typed) -> None:  # type: ignore[no-untyped-def]
    """The issue's case, on Financial Assistance: Enter twice in the palette, then F1, m, F7."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_screen("financial_assistance")
        await settle(pilot)
        await burst(pilot, "ctrl+p", *chars(typed), "enter", "enter")
        await until(pilot, lambda: not app.keys_gated and app.keys_waiting == 0)
        for _ in range(4):                   # back to Financial Assistance, whatever was chosen
            if isinstance(app.screen, FapScreen):
                break
            await pilot.press("escape")
            await settle(pilot)
            if not isinstance(app.screen, (FapScreen, HomeScreen)) and len(app.screen_stack) <= 2:
                break
        app.action_menu()
        await settle(pilot)
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))


async def test_escape_in_the_palette_then_keys_land_on_the_screen_below(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_screen("financial_assistance")
        await settle(pilot)
        await burst(pilot, "ctrl+p", *chars("Ke"), "escape", "f1")
        assert isinstance(app.screen, HelpScreen) and isinstance(app.screen_stack[-2], FapScreen)


async def test_keys_that_are_not_text_in_the_palette_land_as_typed_slowly(make_app) -> None:  # type: ignore[no-untyped-def]
    """Typed one by one: F1 does nothing in the palette, Esc closes it, F1 opens the main menu's
    help. In one burst the same (text goes straight in; any other key takes its trip)."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "ctrl+p", *chars("Ke"), "f1", "escape", "f1")
        assert isinstance(app.screen, HelpScreen) and isinstance(app.screen_stack[-2], HomeScreen)


async def test_a_hold_never_released_stops_holding_although_others_come_and_go(make_app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """One safety timer, pushed back by every hold: a lost hold stalled the keys for as long as
    list loads or use cases kept coming (seen as 'no key taken')."""
    monkeypatch.setattr(typeahead, "STUCK_SECONDS", 0.5)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.hold_keys("never released")
        churn = app.set_interval(0.1, lambda: (app.hold_keys("brief"), app.call_later(app.release_keys, "brief")))
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), seconds=15)
        churn.stop()


class Vanishing(Static, can_focus=True):
    """Takes a key by removing itself and its container: the trip marker behind it is dropped."""

    def on_key(self, event: Any) -> None:
        if event.key == "x":
            event.stop()
            assert self.parent is not None
            self.parent.remove()


class VanishingScreen(Screen[None]):
    def compose(self) -> ComposeResult:
        with Vertical():
            yield Vanishing("x removes me")
        yield Static("below", id="below")

    def on_mount(self) -> None:
        self.query_one(Vanishing).focus()


class GateApp(KeyGate):
    def __init__(self, screen: Screen[None]) -> None:
        super().__init__()
        self.first = screen
        self.typed: list[str] = []

    def on_mount(self) -> None:
        self._watch_screens()
        self.push_screen(self.first)

    def on_key(self, event: Any) -> None:
        self.typed.append(event.key)


async def test_a_key_whose_widget_vanishes_mid_trip_does_not_hold_the_next(monkeypatch) -> None:
    monkeypatch.setattr(typeahead, "STUCK_SECONDS", 600.0)   # only the lost marker's check can help
    app = GateApp(VanishingScreen())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        await burst(pilot, "x", "a", "b")
        await until(pilot, lambda: app.typed == ["a", "b"])


class FailingScreen(Screen[None]):
    BINDINGS = [("u", "use_case", "Run")]

    def compose(self) -> ComposeResult:
        yield Static("u runs a use case that fails")

    def action_use_case(self) -> None:
        def call(_confirmed: bool) -> None:
            time.sleep(0.3)
            raise RuntimeError("the database went away")
        run_use_case(self, "Failing", call, lambda _result: None)


async def test_keys_typed_while_a_use_case_fails_are_delivered_after_it(monkeypatch) -> None:
    monkeypatch.setattr(typeahead, "STUCK_SECONDS", 600.0)   # the release, not the safety net
    app = GateApp(FailingScreen())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        await burst(pilot, "u", "a", "b")
        await until(pilot, lambda: app.typed == ["u", "a", "b"])
        assert not app.keys_gated


class EndlessSearch(Provider):
    """A palette source whose search never ends (a hung lookup)."""

    async def search(self, query: str) -> Hits:
        await asyncio.sleep(3600)
        yield Hit(1, query, lambda: None)


class EndlessApp(GateApp):
    COMMANDS = {EndlessSearch}


async def test_a_palette_search_that_never_ends_holds_enter_only_for_a_while(monkeypatch) -> None:
    monkeypatch.setattr(typeahead, "STUCK_SECONDS", 0.5)
    app = EndlessApp(FailingScreen())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        await burst(pilot, "ctrl+p", "x", "enter", "escape", "a")
        await until(pilot, lambda: not isinstance(app.screen, CommandPalette) and app.typed[-1:] == ["a"])
