"""F1: every key the current screen answers to, with what it does.

Built from the screen's live bindings (Screen.active_bindings: the focused widget, the screen and
the app, after the user's keys.toml overrides), so it cannot drift from what the keys really do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from tui.keys import KEYMAP, binding, key_display

SCREEN, EVERYWHERE = "This screen", "Everywhere"


@dataclass(frozen=True)
class HelpEntry:
    keys: tuple[str, ...]
    label: str
    description: str
    group: str = SCREEN


def is_ours(binding: Binding) -> bool:
    """A key of Recoup's keymap, or one a widget shows in its footer — not Textual's scrolling
    and editing keys (arrows, PgUp, Home in a list or a field), which every list has anyway."""
    return (binding.id or "") in KEYMAP or binding.show


def help_entries(screen: Screen[Any]) -> list[HelpEntry]:
    """One entry per action the screen answers to, with all of its keys: this screen's actions
    first, then the ones that work everywhere, each group sorted by its label."""
    grouped: dict[tuple[str, str], list[str]] = {}
    texts: dict[tuple[str, str], tuple[str, str, str]] = {}
    for key, active in screen.active_bindings.items():
        b = active.binding
        if not is_ours(b):
            continue
        ident = (b.id or b.action, b.action)
        grouped.setdefault(ident, []).append(key)
        action = KEYMAP.get(b.id or "")
        group = EVERYWHERE if active.node is screen.app else SCREEN
        texts[ident] = (b.description or b.action,
                        action.description if action else (b.tooltip or b.description or b.action), group)
    entries = [HelpEntry(tuple(keys), *texts[ident]) for ident, keys in grouped.items()]
    return sorted(entries, key=lambda e: (e.group != SCREEN, e.label.lower(), e.keys))


def help_key(key: str) -> str:
    """One key as the footer writes it ("f" stays "f", "ctrl+a" is "^a", "f3" is "F3"), with the
    Alt+Shift twins the footer leaves implied."""
    if key.startswith("alt+shift+"):
        return f"A-S-{key[len('alt+shift+'):]}"
    return {"question_mark": "?", "ctrl+right": "^Right", "ctrl+left": "^Left", "down": "Down",
            "up": "Up", "tab": "Tab"}.get(key) or key_display(key)


class HelpScreen(ModalScreen[None]):
    """The list, scrollable; Esc, F12 or F1 closes it."""

    BINDINGS = [binding("screen.cancel", "close"), binding("app.help", "close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical { width: 78; max-width: 100%; height: 100%; border: round $accent;
        background: $surface; }
    HelpScreen .title { text-style: bold; padding: 0 1; }
    HelpScreen VerticalScroll { height: 1fr; }
    HelpScreen .row { height: auto; }
    HelpScreen .group { text-style: bold underline; padding: 0 1; }
    HelpScreen .keys { width: 22; padding: 0 1; text-style: bold; }
    HelpScreen .entry { width: 1fr; padding-right: 1; }
    """

    def __init__(self, title: str, entries: list[HelpEntry]) -> None:
        super().__init__()
        self.title_text = title
        self.entries = entries

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Keys: {self.title_text}  (Esc closes)", classes="title", markup=False)
            with VerticalScroll(id="help-list"):
                group = ""
                for e in self.entries:
                    if e.group != group:
                        group = e.group
                        yield Static(group, classes="group", markup=False)
                    keys = " / ".join(help_key(k) for k in e.keys)
                    text = e.label if e.description.lower() == e.label.lower() else f"{e.label}: {e.description}"
                    with Horizontal(classes="row"):
                        yield Static(keys, classes="keys", markup=False)
                        yield Static(text, classes="entry", markup=False)

    def on_mount(self) -> None:
        self.query_one("#help-list").focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def text(self) -> str:
        """Everything the screen lists (for tests and screen readers)."""
        lines = []
        for static in self.query("#help-list Static"):
            if static.has_class("group"):
                lines.append(f"-- {static.render()}")
            elif static.has_class("keys"):
                lines.append(str(static.render()))
            elif static.has_class("entry"):
                lines[-1] += f" {static.render()}"
        return "\n".join(lines)
