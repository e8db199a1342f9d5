"""Progress for background work, and a notification when it finishes.

`run_in_background(owner, title, work)` runs `work(report)` in a thread worker while a
`TaskProgress` bar (docked at the bottom of the owner's screen) shows how far it got; the operator
keeps working. When it ends, a notification says so (or says what went wrong), and `done` is
called on the UI thread with the result. `report(done, total)` may be called from the worker
as often as it likes; a work function that cannot count calls nothing and the bar pulses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Label, ProgressBar

Report = Callable[[int, int], None]


class TaskProgress(Horizontal):
    """A one-line bar: title, bar, percentage."""

    DEFAULT_CSS = """
    TaskProgress { height: 1; dock: bottom; background: $panel; display: none; }
    TaskProgress.-running { display: block; }
    TaskProgress Label { width: auto; padding: 0 1; }
    TaskProgress ProgressBar { width: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield Label("", id="progress-title")
        yield ProgressBar(total=None, show_eta=False, id="progress-bar")

    def start(self, title: str) -> None:
        self.query_one("#progress-title", Label).update(f"{title}:")
        self.query_one(ProgressBar).update(total=None, progress=0)
        self.add_class("-running")

    def advance(self, done: int, total: int) -> None:
        self.query_one(ProgressBar).update(total=total or None, progress=done)

    def stop(self) -> None:
        self.remove_class("-running")


def run_in_background(owner: Widget, title: str, work: Callable[[Report], Any],
                      done: Callable[[Any], None] | None = None, notify: bool = True) -> None:
    """Run `work` in a thread with a progress bar on the owner's screen; notify when it ends."""
    bars = owner.screen.query(TaskProgress)
    bar = bars.first() if bars else None
    app = owner.app
    if bar is not None:
        bar.start(title)

    def report(n: int, total: int) -> None:
        if bar is not None:
            app.call_from_thread(bar.advance, n, total)

    def finish(result: Any, error: BaseException | None) -> None:
        if bar is not None:
            bar.stop()
        if error is not None:
            app.notify(f"{title} failed: {error}", severity="error", timeout=10)
            return
        if notify:
            app.notify(f"{title}: done")
        if done is not None:
            done(result)

    def run() -> None:
        try:
            result = work(report)
        except Exception as exc:
            app.call_from_thread(finish, None, exc)
            return
        app.call_from_thread(finish, result, None)

    owner.run_worker(run, thread=True, group=f"background-{title}", exit_on_error=False)
