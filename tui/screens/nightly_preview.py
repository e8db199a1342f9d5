"""Admin -> Nightly Preview (SPEC 14): what tonight's run would do for the business date, writing nothing.

The very batches the nightly runs (core.preview), per practice and batch, rehearsed in a worker
thread on a unit of work that rolls back, with agency files going to a temporary folder that is
thrown away. The report: each batch's status, its totals, the change from the practice's previous
run by group and reason (now / previous), and the first 20 examples. F5 rehearses again (after a
change of settings, say). Also `p` on Batch Runs.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Header, Static

from core import preview
from core.errors import counted
from core.practices import BATCH_KINDS, due_practices
from tui.commands.nightly import preview_lines
from tui.keys import bindings
from tui.screens.base import RecoupScreen
from tui.services import Services
from tui.widgets.footer import FitFooter
from tui.widgets.progress import TaskProgress


def rehearse(s: Services) -> list[preview.BatchPreview]:
    """Every due batch of every practice, rehearsed and rolled back (runs in a worker thread)."""
    with s.uow() as u:
        due = [p for kind in BATCH_KINDS for p in due_practices(u, kind)]
    due.sort(key=lambda p: (p.source_id, BATCH_KINDS.index(p.kind)))
    with tempfile.TemporaryDirectory(prefix="recoup-preview-") as folder, \
            s.uow(write=True, rehearsal=True) as u:
        return preview.preview_nightly(u, s.actor, s.as_of, due, Path(folder))


def report(found: list[preview.BatchPreview], as_of: object) -> str:
    head = f"Nightly preview for {as_of}: nothing was written."
    if not found:
        return f"{head}\nNothing is due: no practice has external collections or automatic populate on."
    return "\n".join([head, *(line for b in found for line in preview_lines(b))])


class PreviewScreen(RecoupScreen):
    TITLE_TEXT = "Nightly Preview"
    BINDINGS = bindings(("preview.again", "again"))
    DEFAULT_CSS = """
    PreviewScreen #preview-status { height: 1; padding: 0 1; background: $panel; }
    PreviewScreen #preview-scroll { height: 1fr; }
    PreviewScreen #preview-text { padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="preview-status", markup=False)
        with VerticalScroll(id="preview-scroll"):
            yield Static("", id="preview-text", markup=False)
        yield TaskProgress()
        yield FitFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.sub_title = f"{self.TITLE_TEXT} · {self.services.as_of}"
        self.query_one("#preview-scroll").focus()
        self.action_again()

    def action_again(self) -> None:
        s = self.services
        self.query_one("#preview-status", Static).update(f"Rehearsing the nightly run for {s.as_of}…")
        self.query_one(TaskProgress).start("Rehearsing")

        def work() -> None:
            try:
                found = rehearse(s)
            except Exception as exc:  # a refusal (role) or a failure: a line, not a traceback
                self.app.call_from_thread(self._show, None, getattr(exc, "message", str(exc)))
                return
            self.app.call_from_thread(self._show, found, "")
        self.run_worker(work, thread=True, group="nightly-preview", exclusive=True, exit_on_error=False)

    def _show(self, found: list[preview.BatchPreview] | None, error: str) -> None:
        self.query_one(TaskProgress).stop()
        s = self.services
        if found is None:
            self.query_one("#preview-status", Static).update(f"Preview not made: {error}")
            return
        would = sum(1 for b in found if b.tally is not None)
        self.query_one("#preview-status", Static).update(
            f"{s.as_of}: {would} of {counted(len(found), 'due batch')} would run · nothing written · F5 again")
        self.query_one("#preview-text", Static).update(report(found, s.as_of))
        self.query_one("#preview-scroll", VerticalScroll).scroll_home(animate=False)
