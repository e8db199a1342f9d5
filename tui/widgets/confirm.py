"""Calling a use case from a screen: in a thread, through the validation warning, errors shown.

`run_use_case(owner, title, call, done)` runs `call(False)` in a thread worker (a big apply must
not freeze the keys). If the use case raises NeedsConfirmation, the ValidationWarning modal shows
its summary; Save & Continue runs `call(True)` — the very same call, confirmed — and Cancel
changes nothing. Refused, BadInput and Conflict are shown in a message dialog that names the
problem (never a traceback); a screen may take BadInput itself (a form points at the field).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Button, Static

from core.errors import BadInput, Conflict, NeedsConfirmation, RecoupError, Refused
from tui.keys import binding
from tui.typeahead import hold_keys, release_keys
from tui.widgets.form import CriteriaForm
from tui.widgets.warning import ValidationWarning

ErrorHandler = Callable[[RecoupError], bool]   # True: handled (e.g. shown on a form field)


class MessageDialog(ModalScreen[None]):
    """A refusal or an error in words; Enter, Esc or F12 closes it."""

    BINDINGS = [binding("pc.choose", "close"), binding("screen.cancel", "close"), binding("app.help", "app.help")]
    TITLE_TEXT = "Message"
    DEFAULT_CSS = """
    MessageDialog { align: center middle; }
    MessageDialog > Vertical { width: 74; max-width: 100%; height: auto; max-height: 100%;
        border: thick $error; background: $surface; padding: 0 1; }
    MessageDialog .title { text-style: bold; }
    MessageDialog VerticalScroll { height: auto; max-height: 16; }
    MessageDialog Horizontal { height: auto; align-horizontal: right; }
    """

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title_text, self.message = title, message

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, classes="title", markup=False)
            with VerticalScroll():
                for part in self.message.split("; "):
                    yield Static(part, markup=False, classes="message")
            with Horizontal():
                yield Button("OK (Enter/Esc)", id="ok")

    def on_mount(self) -> None:
        self.query_one("#ok", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)

    def text(self) -> str:
        return "\n".join(str(s.render()) for s in self.query(".message"))


TITLES = {Refused: "Refused", BadInput: "Cannot do that", Conflict: "Changed meanwhile"}


def show_error(owner: Widget, exc: BaseException) -> None:
    """A use case's refusal in a dialog; anything unexpected as a one-line error notification."""
    if isinstance(exc, RecoupError):
        title = next((t for cls, t in TITLES.items() if isinstance(exc, cls)), "Error")
        owner.app.push_screen(MessageDialog(title, exc.message))
    else:
        owner.app.notify(f"{type(exc).__name__}: {exc}", severity="error", timeout=10)


def run_use_case(owner: Widget, title: str, call: Callable[[bool], Any], done: Callable[[Any], object],
                 on_error: ErrorHandler | None = None) -> None:
    """See the module docstring. `call(confirmed)` opens its own unit of work."""
    app = owner.app

    def failed(exc: BaseException) -> None:
        if isinstance(exc, RecoupError) and on_error is not None and on_error(exc):
            return
        show_error(owner, exc)

    def answered(confirmed: bool | None) -> None:
        if confirmed:
            start(True)
        else:
            app.notify(f"{title}: cancelled, nothing was changed")

    token = ("use-case", object())

    def outcome(result: Any, exc: BaseException | None) -> None:
        try:
            if isinstance(exc, NeedsConfirmation):
                app.push_screen(ValidationWarning(exc.summary), answered)
            elif exc is not None:
                failed(exc)
            else:
                done(result)
        finally:  # keys typed meanwhile go to the warning, the message or the list, as if typed later
            release_keys(owner, token)

    def start(confirmed: bool) -> None:
        hold_keys(owner, token)
        def work() -> None:
            try:
                result = call(confirmed)
            except Exception as exc:  # shown to the operator, never a traceback
                app.call_from_thread(outcome, None, exc)
                return
            except BaseException:  # the thread is going away: outcome will not run, free the keys
                app.call_from_thread(release_keys, owner, token)
                raise
            app.call_from_thread(outcome, result, None)
        try:
            owner.run_worker(work, thread=True, group=f"use-case-{title}", exit_on_error=False)
        except BaseException:  # no worker, no outcome: the keys must not stay held
            release_keys(owner, token)
            raise

    start(False)


class DiscardChanges(ModalScreen[bool]):
    """Esc on a form the operator has edited: True leaves (the edits are lost), False goes back.
    The focus starts on "Back to the form", so Enter — like Esc — keeps the edits; F2 discards."""

    BINDINGS = [binding("warning.continue", "leave"), binding("screen.cancel", "stay"),
                binding("app.help", "app.help")]
    TITLE_TEXT = "Discard changes?"
    DEFAULT_CSS = """
    DiscardChanges { align: center middle; }
    DiscardChanges > Vertical { width: 60; max-width: 100%; height: auto; border: thick $warning;
        background: $surface; padding: 0 1; }
    DiscardChanges .title { text-style: bold; }
    DiscardChanges Horizontal { height: auto; margin-top: 1; align-horizontal: right; }
    DiscardChanges Button { margin-left: 1; }
    """

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Discard your changes?", classes="title", markup=False)
            yield Static("You have edited this form. Leaving now throws the edits away.", markup=False)
            with Horizontal():
                yield Button("Discard (F2)", variant="warning", id="leave")
                yield Button("Back to the form (Esc)", id="stay")

    def on_mount(self) -> None:
        self.query_one("#stay", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "leave")

    def action_leave(self) -> None:
        self.dismiss(True)

    def action_stay(self) -> None:
        self.dismiss(False)


def leave_form(screen: Screen[Any], leave: Callable[[], object]) -> None:
    """Esc on a screen or dialog with forms: leave at once when nothing was edited, else ask."""
    if any(form.changed for form in screen.query(CriteriaForm)):
        def answered(ok: bool | None) -> None:
            if ok:
                leave()
        screen.app.push_screen(DiscardChanges(), answered)
    else:
        leave()
