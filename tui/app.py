"""The Recoup application: the main menu, global keys, the command palette, the database wiring.

This module is an entry point, so it may touch db/ — but only inside `run_app`'s connect function,
which runs in a worker after the first paint: importing SQLAlchemy/SQLModel costs about three
times a bare Textual start, and the operator should see the menu at once. Screens get a
`Services` (unit-of-work factory, operator, business date) and never import db/.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import Provider
from textual.screen import ModalScreen, Screen

from tui.keys import binding, key_display, keys_of, load_overrides
from tui.screens.home import HomeScreen
from tui.screens.registry import BY_ID
from tui.typeahead import KeyGate

if TYPE_CHECKING:
    from core.security import Actor
    from tui.services import Services


def _screens_provider() -> type[Provider]:
    """Ctrl+P's screens, imported when the palette first opens (not before the first paint)."""
    from tui.palette import ScreensProvider
    return ScreensProvider


WARM_SCREENS = ("tui.screens.guarantors",)


def _warm_screens() -> None:
    """Import the screens most opened first (and the widgets every list shares) in a thread while
    the operator reads the menu, not in the key that opens one: 10-20 ms of the guarantor list's
    first open, several times that on a loaded machine."""
    import importlib
    for module in WARM_SCREENS:
        importlib.import_module(module)


class RecoupApp(KeyGate):
    CSS_PATH = "app.tcss"
    TITLE = "Recoup"
    COMMANDS = App.COMMANDS | {_screens_provider}  # Textual's system provider: get_system_commands
    BINDINGS = [binding("app.help", "help"), binding("app.menu", "menu"), binding("app.find", "find"),
                binding("app.quit", "quit"), binding("menu.practice", "choose_practice"),
                # shown at the footer's right end by Textual's Footer (show_command_palette)
                binding("app.palette", "command_palette", show=False)]

    def __init__(self, connect: Callable[[], Services] | None = None, services: Services | None = None,
                 key_overrides: dict[str, str] | None = None) -> None:
        super().__init__()
        self._connect = connect
        self.services: Services | None = services
        self.practice: Any = None
        self.key_overrides: dict[str, str] = key_overrides or {}
        if self.key_overrides:  # before the first screen, so its footer is built once, remapped
            self.set_keymap(self.key_overrides)
        # the Footer finds the palette's key by this name; follow the user's remapping
        self.COMMAND_PALETTE_BINDING = keys_of("app.palette", self.key_overrides).split(",")[0]  # type: ignore[misc]

    def get_key_display(self, binding: Binding) -> str:
        """A remapped key is shown as the keymap shows its own ("F4", "A-n/Ins"), not Textual's "f4"."""
        override = self.key_overrides.get(binding.id or "")
        return key_display(override) if override else super().get_key_display(binding)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Ctrl+P lists Recoup's screens (ScreensProvider) and these, not Textual's own
        (theme, screenshot, maximize, Textual's key panel), which are not part of the product."""
        yield SystemCommand("Keys", "List every key of this screen (the F1 help)", self.action_help)
        yield SystemCommand("Main menu", "Back to the main menu", self.action_menu)
        yield SystemCommand("Quit", "Leave Recoup", self.action_quit)

    # ---- start-up -----------------------------------------------------------------------------

    def get_default_screen(self) -> HomeScreen:
        """The menu is the first screen itself (no blank default screen painted before it)."""
        return HomeScreen()

    def on_mount(self) -> None:
        self._watch_screens()
        self.screen_change_signal.subscribe(self, self._clear_toasts_under_dialogs)
        if self.services is not None:
            self._connected(self.services)

    def on_ready(self) -> None:
        """After the first paint: open the database in a thread (imports the ORM there)."""
        if self.services is None and self._connect is not None:
            self.run_worker(self._open_database, thread=True, group="connect", exit_on_error=False)

    def _open_database(self) -> None:
        assert self._connect is not None
        try:
            services = self._connect()
        except Exception as exc:  # unknown operator, database not set up: one clear message
            message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
            code = getattr(exc, "exit_code", 1)
            self.call_from_thread(self.exit, None, code, f"recoup: {message}")
            return
        self.call_from_thread(self._connected, services)

    def _connected(self, services: Services) -> None:
        self.services = services
        if services.practices and self.practice is None:
            self.practice = services.practices[0]
            self.sub_title = self.practice.name
        for screen in self.screen_stack:
            if isinstance(screen, HomeScreen) and screen.is_mounted:
                screen.refresh_practices()
        self.run_worker(_warm_screens, thread=True, group="warm", exit_on_error=False)

    def _clear_toasts_under_dialogs(self, screen: Screen[Any]) -> None:
        """A dialog opening takes away the toasts of the step before, which would cover it for
        seconds; what the dialog itself reports still shows."""
        if isinstance(screen, ModalScreen):
            self.clear_notifications()

    def set_practice(self, practice_id: int) -> None:
        if self.services is None:
            return
        for p in self.services.practices:
            if p.id == practice_id and (self.practice is None or self.practice.id != p.id):
                self.practice = p
                self.sub_title = p.name
                self.notify(f"Working in {p.name}")
                for screen in self.screen_stack:
                    if isinstance(screen, HomeScreen) and screen.is_mounted:
                        screen.refresh_practices()

    # ---- navigation ---------------------------------------------------------------------------

    def open_screen(self, screen_id: str, **kwargs: Any) -> None:
        """Open a screen by its registry id (menu, palette) or a dashboard by record id."""
        entry = BY_ID.get(screen_id)
        if entry is not None and not entry.built:
            self.notify(f"{entry.title} is coming: it is not built yet.", severity="warning")
            return
        if self.services is None:
            self.notify("Still opening the database; try again in a moment.")
            return
        if self.practice is None and screen_id != "find":
            self.notify("There is no practice yet: run 'recoup demo' or 'recoup import DIR'.",
                        severity="warning")
            return
        if entry is not None:
            self.push_screen(entry.make(**kwargs))
        elif screen_id == "guarantor":
            from tui.screens.guarantor import GuarantorScreen
            self.push_screen(GuarantorScreen(**kwargs))
        elif screen_id == "encounter":
            from tui.screens.encounter import EncounterScreen
            self.push_screen(EncounterScreen(**kwargs))
        else:
            raise LookupError(screen_id)

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen, help_entries
        if isinstance(self.screen, HelpScreen):
            return
        title = getattr(self.screen, "TITLE_TEXT", "") or "Main menu"
        self.push_screen(HelpScreen(title, help_entries(self.screen)))

    def action_choose_practice(self) -> None:
        """Ctrl+O from any screen (the main menu answers it itself with its drop-down): a short
        list of the practices; choosing another one goes back to the main menu, since every open
        screen shows the old practice's figures."""
        from tui.screens.precollections_dialogs import ChooseDialog
        practices = self.services.practices if self.services is not None else []
        if len(practices) < 2:
            self.notify("There is only one practice." if practices else "There is no practice yet.")
            return
        current = self.practice.id if self.practice is not None else None
        options = [(str(p.id), f"{p.name} ({p.source_id}){'  (current)' if p.id == current else ''}")
                   for p in practices]

        def chosen(value: str | None) -> None:
            if value is None or int(value) == current:
                return
            self.action_menu()
            self.set_practice(int(value))

        self.push_screen(ChooseDialog("Choose the practice", options, "Open screens show one practice: "
                                      "choosing another goes back to the main menu."), chosen)

    def action_menu(self) -> None:
        while len(self.screen_stack) > 1 and not isinstance(self.screen, HomeScreen):
            self.pop_screen()

    def action_find(self) -> None:
        self.open_screen("find")


def run_app(ctx: Any) -> int:
    """Open the application for the command line's Context; returns the exit status."""
    return _run(lambda: ctx, no_mouse=getattr(ctx.args, "no_mouse", False))


def run_app_for_args(args: argparse.Namespace) -> int:
    """`recoup` with global options only: the Context is made by the connect worker, after the
    first paint, so the command-line layer is not imported before the menu shows."""
    return _run(partial(_context_for, args), no_mouse=bool(getattr(args, "no_mouse", False)))


def _context_for(args: argparse.Namespace) -> Any:
    """What `run_command` makes for a subcommand, for the application (in the connect worker)."""
    import datetime as dt

    from core.clock import parse_business_date
    from tui.commands.context import Context, os_login
    return Context(args=args, url=getattr(args, "db", None), json=False, login=os_login(),
                   as_of=parse_business_date(getattr(args, "as_of", None), dt.date.today()))


def _run(context: Callable[[], Any], no_mouse: bool) -> int:
    try:
        overrides = load_overrides()
    except (ValueError, OSError) as exc:
        print(f"recoup: {exc}")
        return 2
    if os.environ.get("RECOUP_SIGN_IN") == "1":  # tui.signin.sign_in_required, without importing it
        # a browser session (recoup serve): sign in, idle logoff
        from core.auth import idle_minutes
        from tui.signin import SignInApp
        app: RecoupApp = SignInApp(connect=partial(_connect, context, False), key_overrides=overrides,
                                   idle_minutes=idle_minutes(os.environ.get("RECOUP_IDLE_MINUTES")))
    else:
        app = RecoupApp(connect=partial(_connect, context), key_overrides=overrides)
    app.run(mouse=not no_mouse)
    return app.return_code or 0


def _connect(context: Callable[[], Any], as_login: bool = True) -> Services:
    """Runs in a worker thread after the first paint: schema, operator, practices.
    With as_login False (browser sessions) the operator is left for the sign-in screen."""
    from core.accounts import list_practices
    from db.uow import SqlUnitOfWork
    from tui.services import Services

    ctx = context()
    ctx.ensure_schema()
    engine = ctx.engine

    def uow(write: bool = False, rehearsal: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(engine, write=write, rehearsal=rehearsal)

    with uow() as u:
        actor = ctx.actor(u) if as_login else None
        practices = list_practices(u)
    # without a login (browser sessions) the actor stays None until the sign-in screen sets it
    return Services(uow, cast("Actor", actor), ctx.as_of, practices,
                    where=engine.url.render_as_string(hide_password=True))

