"""What the Collections Admin screens share: tabs for one practice, F8 / Shift+F8 to move between
them, the focus put in the chosen tab's table or form so its keys work at once, and the practice
drop-down above the tabs (SPEC 5: "per practice (drop-down)"; Ctrl+O opens it): choosing another
practice opens the same screen and tab again for it (after asking, when a form was edited)."""

from __future__ import annotations

from typing import Any

from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Label, Select, TabbedContent

from tui.keys import binding, bindings
from tui.protocols import recoup_app
from tui.screens.base import RecoupScreen
from tui.widgets.admin_table import AdminTable
from tui.widgets.confirm import DiscardChanges
from tui.widgets.form import CriteriaForm


class TabbedAdminScreen(RecoupScreen):
    """A subclass names its TABS ((id, title), ...), the tab it opens on, and where focus goes."""

    TITLE_TEXT = "Collections Admin"
    TABS: tuple[tuple[str, str], ...] = ()
    INITIAL = ""
    BINDINGS = [*bindings(("admin.next_tab", "next_tab(1)"), ("admin.prev_tab", "next_tab(-1)")),
                binding("menu.practice", "choose_practice")]
    DEFAULT_CSS = """
    TabbedAdminScreen #admin-practice-row { height: 1; padding: 0 1; }
    TabbedAdminScreen #admin-practice-row Label { padding: 0 1 0 0; }
    TabbedAdminScreen #admin-practice { width: 50; }
    TabbedAdminScreen TabbedContent { height: 1fr; }
    TabbedAdminScreen ContentSwitcher { height: 1fr; }
    TabbedAdminScreen TabPane { padding: 0; height: 1fr; }
    """

    def __init__(self, *args: Any, initial: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if initial:
            self.INITIAL = initial

    def practice_row(self) -> Widget:
        """The practice drop-down (only the practice's name when there is just one)."""
        practices = self.services.practices
        if len(practices) < 2:
            return Horizontal(Label(f"Practice: {self.practice.name} ({self.practice.source_id})"),
                              id="admin-practice-row")
        options = [(f"{p.name} ({p.source_id})", p.id) for p in practices]
        return Horizontal(Label("Practice"), Select[int](options, value=self.practice.id, allow_blank=False,
                                                         compact=True, id="admin-practice"), id="admin-practice-row")

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id != "admin-practice":
            return
        event.stop()
        chosen = event.value
        if not isinstance(chosen, int) or chosen == self.practice.id:
            return

        def reopen() -> None:
            tab = self.query_one(TabbedContent).active
            recoup_app(self).set_practice(chosen)
            self.app.switch_screen(type(self)(initial=tab))

        def answered(ok: bool | None) -> None:
            if ok:
                reopen()
            else:   # stay: the drop-down shows this screen's practice again
                event.select.value = self.practice.id
        if any(form.changed for form in self.query(CriteriaForm)):
            self.app.push_screen(DiscardChanges(), answered)
        else:
            reopen()

    def action_choose_practice(self) -> None:
        """Ctrl+O: open the practice drop-down (a screen without one: the app's practice list)."""
        selects = list(self.query("#admin-practice").results(Select))
        if selects:
            selects[0].focus()
            selects[0].expanded = True
        else:
            self.app.action_choose_practice()  # type: ignore[attr-defined]

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
