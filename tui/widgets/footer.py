"""The footer line: as many keys as fit the terminal's width, F1 first, never a cut-off tail.

Textual's Footer lays every shown binding side by side in the binding chain's order (the focused
widget's, then the screen's, then the app's) and scrolls the rest out of sight, so at 80 columns
the app's keys at the end — F1 Help, F10 Menu — were cut mid-word (`… F1 H`). This footer puts
F1 first (it lists everything, so whatever does not fit is one key away), then this screen's own
keys in their declared order, then the navigation keys (F10, Ctrl+F, …), and stops at the last
key that fits whole. The bindings and their labels are unchanged (still `tui/keys.py`'s data).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.events import Resize
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

HELP_ACTIONS = ("help", "app.help")
GAP = 1  # compact FooterKey: "key label" and one column of margin


def key_width(key_display: str, label: str) -> int:
    """Columns one compact footer key takes, margin included."""
    return len(key_display) + (1 + len(label) if label else 0) + GAP


class FitFooter(Footer):
    """See the module docstring. Always compact; the command palette key is on F1, not here."""

    def __init__(self, **kwargs: Any) -> None:
        """`show_command_palette=True` (the main menu) adds the palette key after the others."""
        kwargs.setdefault("compact", True)
        kwargs.setdefault("show_command_palette", False)
        super().__init__(**kwargs)
        self._width = 0
        self._composed: tuple[Any, ...] | None = None  # what the keys on show were made from

    def shown(self) -> list[tuple[Binding, bool, str]]:
        """The keys to show, in order, that fit the width (one per action)."""
        width = self.size.width or self.app.size.width
        own: list[tuple[Binding, bool, str]] = []
        navigation: list[tuple[Binding, bool, str]] = []
        first: list[tuple[Binding, bool, str]] = []
        seen: set[str] = set()
        active = self.screen.active_bindings
        palette = active.get(self.app.COMMAND_PALETTE_BINDING) if self.show_command_palette else None
        for node, binding, enabled, tooltip in active.values():
            if palette is not None and binding is palette.binding:
                continue
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            entry = (binding, enabled, tooltip)
            if binding.action in HELP_ACTIONS:
                first.append(entry)
            else:
                (navigation if node is self.app else own).append(entry)
        out: list[tuple[Binding, bool, str]] = []
        used = 0
        if palette is not None:
            navigation.append((palette.binding, palette.enabled, palette.tooltip))
        for entry in [*first[:1], *own, *navigation]:
            needed = key_width(self.app.get_key_display(entry[0]), entry[0].description)
            if used + needed - GAP > width:
                continue  # a shorter one further on may still fit
            out.append(entry)
            used += needed
        return out

    def _signature(self, shown: list[tuple[Binding, bool, str]]) -> tuple[Any, ...]:
        return (self.compact, *((b.key, self.app.get_key_display(b), b.description, b.action, enabled, tooltip)
                                for b, enabled, tooltip in shown))

    async def recompose(self) -> None:
        """Only when the keys to show changed: Textual's Footer recomposes on every change of the
        bindings, and opening a screen makes three to five (the old screen suspends, the focus
        moves, the new screen resumes, …) that leave the same keys, each rebuilding every key
        and laying the screen out again while the screen's first rows are being read."""
        if not self.is_attached or self._pruning:
            return  # as Textual's: a footer leaving the screen has no keys to show
        if self._bindings_ready and self._composed == self._signature(self.shown()):
            return
        await super().recompose()

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            self._composed = None
            return
        yield from self._keys()

    def _keys(self) -> Iterator[FooterKey]:
        shown = self.shown()
        self._composed = self._signature(shown)
        self.styles.grid_size_columns = len(shown)
        for binding, enabled, tooltip in shown:
            yield FooterKey(binding.key, self.app.get_key_display(binding), binding.description, binding.action,
                            disabled=not enabled, tooltip=tooltip or binding.description,
                            ).data_bind(compact=Footer.compact)

    def on_resize(self, event: Resize) -> None:
        if event.size.width != self._width:
            self._width = event.size.width
            self.call_after_refresh(self.recompose)
