"""What screens, widgets and the palette need from the application, as a type.

Textual types `self.app` as a plain `App`, so `self.app.services` or `self.app.open_screen(...)`
would need a `# type: ignore` at every call. `recoup_app(node)` returns the same object typed as
`RecoupAppProtocol`: what tui/app.py's RecoupApp offers them. A Protocol, not an import of
RecoupApp, so no screen imports tui.app (which imports every screen).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from textual.command import Provider
    from textual.message_pump import MessagePump

    from tui.services import Services


class RecoupAppProtocol(Protocol):
    """The part of RecoupApp that screens call beyond Textual's App."""

    services: Services | None
    practice: Any
    key_overrides: dict[str, str]

    def open_screen(self, screen_id: str, **kwargs: Any) -> None: ...

    def set_practice(self, practice_id: int) -> None: ...


def recoup_app(node: MessagePump | Provider) -> RecoupAppProtocol:
    """The running application (`node.app`), typed as what Recoup's screens may call."""
    return cast("RecoupAppProtocol", node.app)


def services_of(node: MessagePump | Provider) -> Services:
    """The services of the running application (screens open only once the database is)."""
    services = recoup_app(node).services
    if services is None:
        raise RuntimeError("the database is not open yet")
    return services
