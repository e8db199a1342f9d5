"""What every screen after the main menu shares: Esc/F12 go back, the services, a status line."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.screen import Screen

from tui.keys import binding
from tui.widgets.confirm import leave_form

if TYPE_CHECKING:
    from tui.services import Services


class RecoupScreen(Screen[Any]):
    """Base of the work screens. `TITLE_TEXT` names the screen in the header and the help."""

    BINDINGS = [binding("screen.cancel", "cancel")]
    TITLE_TEXT = ""

    @property
    def services(self) -> Services:
        services = getattr(self.app, "services", None)
        if services is None:
            raise RuntimeError("the database is not open yet")
        return services

    @property
    def practice(self) -> Any:
        return getattr(self.app, "practice", None)

    def on_mount(self) -> None:
        self.sub_title = self.TITLE_TEXT

    def action_cancel(self) -> None:
        """Back; a settings form the operator has edited asks first."""
        leave_form(self, self.app.pop_screen)
