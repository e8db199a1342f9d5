"""The start-up floor: the smallest Textual app that paints a line of text."""

from textual.app import App, ComposeResult
from textual.widgets import Static


class Minimal(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("PATIENTS floor")


if __name__ == "__main__":
    Minimal().run()
