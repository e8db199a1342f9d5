"""F1: every key the current screen answers to, with what it does.

Built from the screen's live bindings (Screen.active_bindings: the focused widget, the screen and
the app, after the user's keys.toml overrides), so it cannot drift from what the keys really do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from tui.keys import KEYMAP, binding, describe


@dataclass(frozen=True)
class HelpEntry:
    keys: tuple[str, ...]
    label: str
    description: str


def help_entries(screen: Screen[Any]) -> list[HelpEntry]:
    """One entry per action the screen answers to, with all of its keys."""
    grouped: dict[tuple[str, str], list[str]] = {}
    texts: dict[tuple[str, str], tuple[str, str]] = {}
    for key, active in screen.active_bindings.items():
        b = active.binding
        ident = (b.id or b.action, b.action)
        grouped.setdefault(ident, []).append(key)
        action = KEYMAP.get(b.id or "")
        texts[ident] = (b.description or b.action,
                        action.description if action else (b.tooltip or b.description or b.action))
    entries = [HelpEntry(tuple(keys), *texts[ident]) for ident, keys in grouped.items()]
    return sorted(entries, key=lambda e: (not e.keys[0].startswith("f"), e.label.lower()))


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
                for e in self.entries:
                    keys = " / ".join(describe(k) for k in e.keys)
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
        pairs = zip(self.query(".keys"), self.query(".entry"), strict=False)
        return "\n".join(f"{k.render()} {e.render()}" for k, e in pairs)
