"""What the Collections Admin screens share: tabs for one practice, F8 / Shift+F8 to move between
them, and the focus put in the chosen tab's table or form so its keys work at once."""

from __future__ import annotations

from textual.widgets import TabbedContent

from tui.keys import bindings
from tui.screens.base import RecoupScreen
from tui.widgets.admin_table import AdminTable


class TabbedAdminScreen(RecoupScreen):
    """A subclass names its TABS ((id, title), ...), the tab it opens on, and where focus goes."""

    TITLE_TEXT = "Collections Admin"
    TABS: tuple[tuple[str, str], ...] = ()
    INITIAL = ""
    BINDINGS = bindings(("admin.next_tab", "next_tab(1)"), ("admin.prev_tab", "next_tab(-1)"))
    DEFAULT_CSS = """
    TabbedAdminScreen TabbedContent { height: 1fr; }
    TabbedAdminScreen ContentSwitcher { height: 1fr; }
    TabbedAdminScreen TabPane { padding: 0; height: 1fr; }
    """

    def on_mount(self) -> None:
        super().on_mount()
        self.sub_title = f"{self.TITLE_TEXT} · {self.practice.name}"
        self.call_after_refresh(self._focus_tab, self.INITIAL)

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        """Read the tab's tables again (a save on another tab may have added rows to them), then
        put the focus there."""
        for table in event.pane.query(AdminTable):
            if table.is_mounted:
                table.reload()
        self._focus_tab(event.pane.id or "")

    def action_next_tab(self, step: int) -> None:
        ids = [t for t, _ in self.TABS]
        tabs = self.query_one(TabbedContent)
        tabs.active = ids[(ids.index(tabs.active) + step) % len(ids)]

    def _focus_tab(self, tab: str) -> None:
        """Put the focus in the tab's table or form."""
        raise NotImplementedError
