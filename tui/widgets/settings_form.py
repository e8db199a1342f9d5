"""A practice's settings on one criteria form: read in a worker, F2 saves them all.

Both settings tabs (External Collections' payment exclusions and rules, Patient Collections
Integration) work the same way: the core checks every value and names the bad field, which the
form then points at; a save through the validation warning shows what the core stored. A subclass
says only how to read and how to save, and what its status line and notices say.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from core.errors import BadInput
from tui.keys import binding
from tui.protocols import services_of
from tui.typeahead import hold_keys, release_keys
from tui.widgets.confirm import run_use_case
from tui.widgets.form import CriteriaForm, Field


class SettingsForm(Vertical):
    """See the module docstring. `state` is what a read hands to the next save (a version)."""

    BINDINGS = [binding("screen.save", "save")]
    DEFAULT_CSS = """
    SettingsForm { height: 1fr; }
    SettingsForm .settings-status { height: 1; padding: 0 1; background: $panel; }
    SettingsForm CriteriaForm { height: 1fr; max-height: 100%; }
    SettingsForm CriteriaForm .field { margin-bottom: 0; }
    """
    FIELDS: Sequence[Field] = ()
    NAME = "settings"          # ids: NAME-status, NAME-form; the worker group
    READING = "Reading the settings…"
    STATUS = ""                # the status line once read
    SAVED = ""                 # the notice after a save
    SAVE_TITLE = "Save settings"

    def __init__(self, practice_id: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.practice_id = practice_id
        self.state: Any = None

    def compose(self) -> ComposeResult:
        yield Static(self.READING, id=f"{self.NAME}-status", classes="settings-status", markup=False)
        yield CriteriaForm(self.FIELDS, id=f"{self.NAME}-form")

    @property
    def form(self) -> CriteriaForm:
        return self.query_one(CriteriaForm)

    def read(self, services: Any) -> tuple[dict[str, Any], Any]:
        """The form's values and the state for the next save (runs in a worker thread)."""
        raise NotImplementedError

    def write(self, services: Any, values: dict[str, Any], state: Any) -> tuple[dict[str, Any], Any]:
        """Save the values through the core; what it stored, as `read` returns it."""
        raise NotImplementedError

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        services = services_of(self)
        token = ("settings", self.NAME, self.practice_id)
        hold_keys(self, token)  # what is typed now must land in the fields as read, not be overwritten

        def read() -> None:
            try:
                values, state = self.read(services)
                self.app.call_from_thread(self._show, values, state)
            finally:  # a failed read or show must not leave the keys held
                self.app.call_from_thread(release_keys, self, token)

        self.run_worker(read, thread=True, group=self.NAME, exclusive=True, exit_on_error=False)

    def _show(self, values: dict[str, Any], state: Any) -> None:
        self.state = state
        self.form.set_values(values)
        self.form.clear_errors()
        self.query_one(f"#{self.NAME}-status", Static).update(self.STATUS)

    def action_save(self) -> None:
        try:
            values = self.form.values()
        except BadInput:
            return
        services, state = services_of(self), self.state
        names = {f.name for f in self.FIELDS}

        def saved(result: tuple[dict[str, Any], Any]) -> None:
            self.app.notify(self.SAVED)
            self._show(*result)

        def at_field(exc: Any) -> bool:
            if isinstance(exc, BadInput) and exc.field in names:
                self.form.show_error(exc)
                return True
            return False

        run_use_case(self, self.SAVE_TITLE, lambda _confirmed: self.write(services, values, state), saved,
                     on_error=at_field)
