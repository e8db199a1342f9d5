"""Ctrl+P, the command palette: every screen of the registry by name.

Kept out of tui/app.py and imported only when the palette first opens (RecoupApp.COMMANDS holds
a function that returns the provider), so the first paint does not pay for it. The app adds its
own few commands (keys, main menu, quit) through `RecoupApp.get_system_commands`; Textual's
(theme, screenshot, maximize, its key panel) are left out.
"""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.protocols import recoup_app
from tui.screens.registry import SCREENS, ScreenEntry


class ScreensProvider(Provider):
    """Every screen by name; screens not built yet are listed as coming."""

    def _hit_text(self, entry: ScreenEntry) -> tuple[str, str]:
        where = " > ".join(entry.path)
        title = entry.title if entry.built else f"{entry.title} (coming)"
        return title, f"{where}: {entry.help}"

    async def discover(self) -> Hits:
        for entry in SCREENS:
            title, help_text = self._hit_text(entry)
            yield DiscoveryHit(title, partial(recoup_app(self).open_screen, entry.id), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for entry in SCREENS:
            title, help_text = self._hit_text(entry)
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(recoup_app(self).open_screen, entry.id),
                          text=title, help=help_text)

