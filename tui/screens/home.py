"""The main menu: the practice to work in, and every screen by the reference's menu paths.

Paints before the database is open (the menu is static data); the practice line fills in when
the app's connect worker finishes. Screens that are not built yet are listed, disabled, and
marked "(coming)" in text, so the menu is the whole map of the product.

This is the first frame the operator waits for, so it holds only what that frame needs: a
one-line title instead of Textual's Header (with its icon and clock it cost about a tenth of a
bare Textual start), the footer of keys is mounted just after that frame (one frame later; the
keys work from the start), and the practice drop-down only once the database says there are
several.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.keys import binding, first_key
from tui.protocols import recoup_app
from tui.screens.registry import SCREENS
from tui.widgets.marked import MarkedOptionList

HEADINGS = ("Patients", "Statements", "Patient Collections", "Admin")


def menu_options() -> list[Option]:
    """The menu as OptionList options: headings (disabled), then their screens, indented."""
    options: list[Option] = []
    for heading in HEADINGS:
        options.append(Option(heading.upper(), id=f"heading:{heading}", disabled=True))
        sub_heading = None
        for entry in (s for s in SCREENS if s.path[0] == heading):
            if len(entry.path) > 1 and entry.path[1] != sub_heading:
                sub_heading = entry.path[1]
                options.append(Option(f"  {sub_heading}", id=f"heading:{sub_heading}", disabled=True))
            indent = "  " * (len(entry.path) + entry.depth)
            text = entry.title if entry.built else f"{entry.title}  (coming)"
            options.append(Option(f"{indent}{text}", id=entry.id, disabled=not entry.built))
    return options


class HomeScreen(Screen[Any]):
    """The first screen; Esc does nothing here (there is nothing to go back to)."""

    BINDINGS = [binding("menu.practice", "choose_practice")]
    DEFAULT_CSS = """
    HomeScreen #title { height: 1; background: $panel; text-align: center; }
    HomeScreen #practice-row { height: auto; padding: 0 1; }
    HomeScreen #practice-row Label { padding: 0 1 0 0; }
    HomeScreen #practice { width: 1fr; }
    HomeScreen #practice-name { padding: 0 1; }
    HomeScreen #menu { height: 1fr; border: round $primary; }
    HomeScreen #status { padding: 0 1; color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="title", markup=False)
        yield Static("Opening the database…", id="practice-name", markup=False)
        yield MarkedOptionList(*menu_options(), id="menu", markup=False)  # titles are text, not markup
        yield Static(self._hint(), id="status", markup=False)

    def on_mount(self) -> None:
        self.query_one("#menu", OptionList).focus()
        self.watch(self.app, "sub_title", self._show_title, init=False)
        self.refresh_practices()
        self.call_after_refresh(self._mount_footer)

    async def _mount_footer(self) -> None:
        """After the first paint: the footer's widgets and styles are a tenth of a bare start."""
        from tui.widgets.footer import FitFooter
        await self.mount(FitFooter(show_command_palette=True))
        self.refresh_bindings()  # a footer fills in when the bindings are announced

    def _title(self) -> str:
        return " — ".join(t for t in (self.app.title, self.app.sub_title) if t)

    def _show_title(self) -> None:
        self.query_one("#title", Static).update(self._title())

    def _key(self, action_id: str) -> str:
        """The key of an action as the operator has it (keys.toml may remap it)."""
        return first_key(action_id, getattr(self.app, "key_overrides", None))

    def _hint(self) -> str:
        return (f"{self._key('menu.open')} opens · {self._key('app.palette')} opens any screen by name"
                f" · {self._key('app.help')} lists every key")

    def refresh_practices(self) -> None:
        """Show the practice (or the drop-down when there are several) once the database is open."""
        services = getattr(self.app, "services", None)
        if services is None:
            return
        line = self.query_one("#practice-name", Static)
        practices = services.practices
        if not practices:
            line.update("No practices yet: run 'recoup demo' or 'recoup import DIR'.")
            return
        who = f"Operator: {services.actor.name} ({services.actor.role})   As of: {services.as_of}"
        if len(practices) == 1:
            line.update(f"Practice: {practices[0].name} ({practices[0].source_id})   {who}")
            return
        line.update(f"{who}   {self._key('menu.practice')}: change practice")
        self._show_practice_choice(practices, getattr(self.app, "practice", None))

    def _show_practice_choice(self, practices: list[Any], current: Any) -> None:
        """The drop-down of practices, mounted above the menu the first time it is needed."""
        from textual.containers import Horizontal
        from textual.widgets import Label, Select

        options = [(f"{p.name} ({p.source_id})", p.id) for p in practices]
        value = current.id if current is not None else Select.NULL
        shown = list(self.query("#practice").results(Select))
        if shown:  # set from here, not chosen: no Changed (set_options moves the value, and each
            # Changed would choose a practice again, back and forth for ever)
            with shown[0].prevent(Select.Changed):
                shown[0].set_options(options)
                shown[0].value = value
            return
        # no blank entry once a practice is chosen: "Choose a practice" is not a practice
        select = Select[int](options, prompt="Choose a practice", allow_blank=current is None, value=value,
                             id="practice", compact=True)
        self.mount(Horizontal(Label("Practice"), select, id="practice-row"), before="#menu")

    def on_select_changed(self, event: Any) -> None:
        from textual.widgets import Select
        if event.value is Select.NULL:
            return
        recoup_app(self).set_practice(int(event.value))

    def action_choose_practice(self) -> None:
        from textual.widgets import Select
        selects = list(self.query("#practice").results(Select))
        if selects:
            selects[0].focus()
            selects[0].expanded = True
        else:
            self.app.notify("There is only one practice.")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            recoup_app(self).open_screen(event.option.id)
