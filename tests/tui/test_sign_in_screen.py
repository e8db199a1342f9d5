"""Nothing before sign-in (SPEC 17): a browser session's sign-in screen cannot be got past by any
key, palette entry or screen call, and a signed-in session is logged off when idle (the clock is
injected: no sleeps)."""

from __future__ import annotations

import dataclasses
import string

from textual.command import CommandPalette

from core import auth
from tests.tui.helpers import settle
from tui import keys
from tui.app import RecoupApp
from tui.screens.help import HelpScreen, help_entries
from tui.screens.home import HomeScreen
from tui.screens.registry import SCREENS
from tui.services import Services
from tui.signin import SignInApp, SignInScreen

PASSWORD = "a long password"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _app(services: Services, clock: Clock | None = None) -> SignInApp:
    with services.uow(write=True) as u:
        auth.set_password(u, services.actor, services.actor.name, PASSWORD)
    signed_out = dataclasses.replace(services, actor=None)
    return SignInApp(services=signed_out, idle_minutes=15, clock=clock or Clock())


def _every_key(app: SignInApp) -> list[str]:
    """Every key Recoup binds anywhere (its keymap), Textual's own, and the usual suspects."""
    found: set[str] = set()
    for action in keys.KEYMAP.values():
        found.update(k.strip() for k in keys.keys_of(action.id).split(","))
    for screen in (app, app.screen, HomeScreen()):
        for b in getattr(screen, "BINDINGS", []):
            found.update(k.strip() for k in (b.key if hasattr(b, "key") else b[0]).split(","))
    found.update(f"f{n}" for n in range(1, 13))
    found.update(f"ctrl+{c}" for c in string.ascii_lowercase)
    found.update(("escape", "tab", "shift+tab", "enter", "space", "backspace", "delete", "insert",
                  "home", "end", "pageup", "pagedown", "up", "down", "question_mark", "colon", "slash"))
    quit_keys = {k.strip() for k in keys.keys_of("app.quit").split(",")} | {"ctrl+q"}
    return sorted(found - quit_keys)


def _still_signed_out(app: SignInApp, what: str) -> None:
    assert not app.signed_in, what
    assert isinstance(app.screen, SignInScreen), f"{what} left the sign-in screen for {app.screen!r}"
    assert app.services is None, what
    assert not any(isinstance(s, (CommandPalette, HelpScreen)) for s in app.screen_stack), what


async def test_no_key_palette_entry_or_screen_gets_past_the_sign_in_screen(services: Services) -> None:
    app = _app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        _still_signed_out(app, "opening")
        pressed = _every_key(app)
        assert {"ctrl+p", "f1", "escape", "f2"} <= set(pressed)
        for key in pressed:
            await pilot.press(key)
            await pilot.pause()
            _still_signed_out(app, f"pressing {key}")
        # what the palette would offer once signed in: Recoup's commands and every screen by name
        for command in RecoupApp.get_system_commands(app, app.screen):
            if command.callback != app.action_quit:
                command.callback()
                await pilot.pause()
                _still_signed_out(app, f"palette entry {command.title}")
        for entry in SCREENS:
            app.open_screen(entry.id)
            await pilot.pause()
            _still_signed_out(app, f"palette entry {entry.title}")
        assert [c.title for c in app.get_system_commands(app.screen)] == ["Quit"]
        for door in (app.action_command_palette, app.action_menu, app.action_find, app.action_help,
                     app.pop_screen, lambda: app.push_screen(HelpScreen("Keys", help_entries(app.screen))),
                     lambda: app.switch_screen(HomeScreen())):
            door()
            await pilot.pause()
            _still_signed_out(app, f"calling {door}")
        # and the right name and password do get in (so the keys above were really tried)
        for field in ("#signin-name", "#signin-password"):
            app.screen.query_one(field).value = ""
        app.screen.query_one("#signin-name").focus()
        await pilot.press(*services.actor.name, "enter", *PASSWORD, "enter")
        await settle(pilot)
        assert app.signed_in and isinstance(app.screen, HomeScreen)
        assert app.services is not None and app.services.actor == services.actor
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)


async def test_a_session_with_no_key_for_the_idle_limit_is_logged_off(services: Services) -> None:
    clock = Clock()
    app = _app(services, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*services.actor.name, "enter", *PASSWORD, "f2")
        await settle(pilot)
        assert app.signed_in
        clock.now += 14 * 60
        await pilot.press("down")            # a key: the idle time starts again
        clock.now += 14 * 60
        app.log_off_if_idle()
        await pilot.pause()
        assert app.is_running
        clock.now += 60
        app.log_off_if_idle()
        await pilot.pause()
    assert app.return_code == 0
    assert not app.is_running


async def test_idle_logoff_can_be_turned_off(services: Services) -> None:
    clock = Clock()
    app = _app(services, clock)
    app.idle_minutes = 0
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*services.actor.name, "enter", *PASSWORD, "f2")
        await settle(pilot)
        clock.now += 10**6
        app.log_off_if_idle()
        await pilot.pause()
        assert app.is_running and app.signed_in


