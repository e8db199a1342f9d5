"""Browser sessions: the sign-in screen and idle logoff (SPEC 8: "a browser session signs in").

`recoup serve` runs each session with RECOUP_SIGN_IN=1. The application then opens the database
without an operator; nothing can be opened until this screen has checked a name and password
through core.auth (which counts failures and locks out after five). Once signed in, a timer logs
the session off when no key or click has come for the idle limit.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from typing import Any

from textual import events
from textual.actions import SkipAction
from textual.app import ComposeResult, SystemCommand
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Input, Label, Static

from tui.app import RecoupApp
from tui.services import Services


def sign_in_required() -> bool:
    return os.environ.get("RECOUP_SIGN_IN") == "1"


class SignInScreen(ModalScreen[None]):
    """Name and password; Enter or F2 signs in. It cannot be dismissed any other way.

    Enter in the name field is a priority binding so the focus moves to the password field while
    the app dispatches that key, before the next one: keys that arrive together (a browser paste,
    typing ahead over a slow link) would otherwise land in the name field, password in clear.
    """

    BINDINGS = [("f2", "sign_in", "Sign in"),
                Binding("enter", "next_field", "Next", show=False, priority=True)]
    DEFAULT_CSS = """
    SignInScreen { align: center middle; }
    SignInScreen > Vertical { width: 60; height: auto; border: round $primary; padding: 1 2; }
    SignInScreen Input { margin-bottom: 1; }
    SignInScreen #signin-message { color: $error; height: auto; }
    """
    TITLE_TEXT = "Sign in"

    def __init__(self, services: Services, done: Callable[[Services], None]) -> None:
        super().__init__()
        self._services = services
        self._done = done

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Recoup — sign in")
            yield Label("Name")
            yield Input(id="signin-name", placeholder="operator name")
            yield Label("Password")
            yield Input(id="signin-password", password=True, placeholder="password")
            yield Static("", id="signin-message", markup=False)
            yield Button("Sign in (F2)", id="signin-button", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#signin-name", Input).focus()

    def action_next_field(self) -> None:
        """Name → password at once; anywhere else Enter goes on to the focused widget as usual
        (the password field submits after the characters queued before it)."""
        if self.focused is None or self.focused.id != "signin-name":
            raise SkipAction()
        self.set_focus(self.query_one("#signin-password", Input))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "signin-name":
            self.query_one("#signin-password", Input).focus()
        else:
            self.action_sign_in()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_sign_in()

    def action_sign_in(self) -> None:
        from core import auth
        from core.errors import RecoupError
        name = self.query_one("#signin-name", Input).value.strip()
        password_input = self.query_one("#signin-password", Input)
        try:
            actor = auth.sign_in(self._services.uow, name, password_input.value,
                                 client=os.environ.get("RECOUP_CLIENT"))
        except RecoupError as exc:
            password_input.value = ""
            self.query_one("#signin-message", Static).update(exc.message)
            return
        self._services.actor = actor
        self._done(self._services)   # signed in first: until then the screen cannot be popped
        self.dismiss(None)


class SignInApp(RecoupApp):
    """The application as a browser session: sign in first, log off when idle.

    Until the sign-in screen has accepted a password nothing else runs: no app action but quit
    (check_action), no command palette, no screen pushed or popped but the sign-in screen
    (push_screen/pop_screen, the one door every key, palette entry and click goes through), and
    no Services for the screens (open_screen refuses without them). tests/tui/test_sign_in_screen.py
    presses every key and runs every palette entry to show it.
    """

    BEFORE_SIGN_IN = frozenset({"quit", "help_quit"})   # the app's actions allowed on the sign-in screen

    def __init__(self, *args: Any, idle_minutes: int = 15, clock: Callable[[], float] = time.monotonic,
                 services: Services | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._given = services   # Services given up front (tests) wait for sign-in like connected ones
        self.idle_minutes = idle_minutes
        self._clock = clock
        self.last_activity = clock()
        self.signed_in = False
        self.use_command_palette = False

    def on_mount(self) -> None:
        if self._given is not None:
            self._connected(self._given)

    def _connected(self, services: Services) -> None:
        if not self.signed_in:
            self.push_screen(SignInScreen(services, self._signed_in))
            return
        super()._connected(services)

    def _signed_in(self, services: Services) -> None:
        self.signed_in = True
        self.use_command_palette = True
        self.last_activity = self._clock()
        if self.idle_minutes > 0:
            self.set_interval(min(30.0, self.idle_minutes * 60 / 4), self.log_off_if_idle)
        super()._connected(services)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.signed_in and action not in self.BEFORE_SIGN_IN:
            return False
        return super().check_action(action, parameters)

    def push_screen(self, screen: Any, *args: Any, **kwargs: Any) -> Any:
        if not self.signed_in and not isinstance(screen, SignInScreen):
            return _nothing(self)
        return super().push_screen(screen, *args, **kwargs)

    def pop_screen(self) -> AwaitComplete:
        if not self.signed_in and isinstance(self.screen, SignInScreen):
            return _nothing(self)
        return super().pop_screen()

    def switch_screen(self, screen: Any) -> AwaitComplete:
        if not self.signed_in:
            return _nothing(self)
        return super().switch_screen(screen)

    def switch_mode(self, mode: str) -> Any:
        if not self.signed_in:
            return _nothing(self)
        return super().switch_mode(mode)

    def open_screen(self, screen_id: str, **kwargs: Any) -> None:
        if self.signed_in:
            super().open_screen(screen_id, **kwargs)

    def action_menu(self) -> None:
        if self.signed_in:
            super().action_menu()

    def action_help(self) -> None:
        if self.signed_in:
            super().action_help()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        commands = super().get_system_commands(screen)
        return commands if self.signed_in else [c for c in commands if c.callback == self.action_quit]

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown)):
            self.last_activity = self._clock()
        await super().on_event(event)

    def log_off_if_idle(self) -> None:
        """Log the session off once it has seen no key or click for the idle limit (the timer
        calls this; tests call it after moving the injected clock)."""
        from core.auth import idle_expired
        if idle_expired(int(self._clock() - self.last_activity), self.idle_minutes):
            self.exit(None, 0, f"recoup: logged off after {self.idle_minutes} minutes without activity")


def _nothing(app: RecoupApp) -> AwaitComplete:
    """What a refused push or pop returns: an awaitable that has nothing to wait for."""
    async def done() -> None:
        return None
    return AwaitComplete(done()).call_next(app)
