"""The main menu: the practice to work in, and every screen by the reference's menu paths.

Paints before the database is open (the menu is static data); the practice line fills in when
the app's connect worker finishes. Screens that are not built yet are listed, disabled, and
marked "(coming)" in text, so the menu is the whole map of the product.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from tui.keys import binding
from tui.screens.registry import SCREENS

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
    HomeScreen #practice-row { height: auto; padding: 0 1; }
    HomeScreen #practice-row Label { padding: 0 1 0 0; }
    HomeScreen #practice { width: 1fr; }
    HomeScreen #practice-name { padding: 0 1; }
    HomeScreen #menu { height: 1fr; border: round $primary; }
    HomeScreen #status { padding: 0 1; color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical():
            yield Static("Opening the database…", id="practice-name", markup=False)
            with Horizontal(id="practice-row"):
                yield Label("Practice")
                yield Select[int]([], prompt="Choose a practice", allow_blank=True, id="practice", compact=True)
            yield OptionList(*menu_options(), id="menu")
            yield Static("Enter opens · Ctrl+P opens any screen by name · F1 lists every key",
                         id="status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#practice-row").display = False
        self.query_one("#menu", OptionList).focus()
        self.refresh_practices()

    def refresh_practices(self) -> None:
        """Show the practice (or the drop-down when there are several) once the database is open."""
        services = getattr(self.app, "services", None)
        if services is None:
            return
        line = self.query_one("#practice-name", Static)
        practices = services.practices
        current = getattr(self.app, "practice", None)
        row = self.query_one("#practice-row")
        if not practices:
            line.update("No practices yet: run 'recoup demo' or 'recoup import DIR'.")
            return
        if len(practices) == 1:
            line.update(f"Practice: {practices[0].name} ({practices[0].source_id})   "
                        f"Operator: {services.actor.name} ({services.actor.role})   As of: {services.as_of}")
            return
        line.update(f"Operator: {services.actor.name} ({services.actor.role})   As of: {services.as_of}"
                    "   Ctrl+O: change practice")
        row.display = True
        select = self.query_one("#practice", Select)
        select.set_options([(f"{p.name} ({p.source_id})", p.id) for p in practices])
        if current is not None:
            select.value = current.id

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.value is Select.NULL:  # type: ignore[comparison-overlap]
            return
        self.app.set_practice(int(event.value))  # type: ignore[attr-defined, arg-type]

    def action_choose_practice(self) -> None:
        row = self.query_one("#practice-row")
        if row.display:
            select = self.query_one("#practice", Select)
            select.focus()
            select.expanded = True
        else:
            self.app.notify("There is only one practice.")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.app.open_screen(event.option.id)  # type: ignore[attr-defined]
