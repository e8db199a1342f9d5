"""Patient Collections -> Populate Roster: run Populate Collection Roster in the background.

F2 starts it for the practice and business date; it runs in a thread worker that belongs to the
application, not to this screen, so the operator may leave at once and keep working elsewhere
(reference 004: "the job will perform independently"). The bar here follows its steps while the
screen is open, and when it ends a notification says what it did, in counts and past-due dollars.
It takes the same run claim as the nightly worker and `recoup roster populate` (core.runs), so a
run already done for the date, or running in any process (this one included), is refused with
who and since when; "running" on this screen is read from that claim too.
Edits made meanwhile are safe: populate is one transaction, and a manual change made against a
version that populate has since moved is refused by the core with who and when.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import DataTable, Header, Static

from core import roster, runs
from core.errors import RecoupError
from core.money import format_display
from core.roster import read as roster_read
from core.roster.population import PopulateResult
from tui.keys import bindings
from tui.screens.base import RecoupScreen
from tui.screens.tally import LAST_TALLY, LastTally
from tui.widgets.confirm import show_error
from tui.widgets.footer import FitFooter
from tui.widgets.marked import MarkedDataTable
from tui.widgets.progress import TaskProgress

RUN_COLUMNS = ("Date", "Entered", "Left", "Plan fail", "Partial", "Moved", "Letters", "By")


def summary(r: PopulateResult) -> str:
    def part(name: str, pair: tuple[int, int]) -> str:
        return f"{name} {pair[0]} ({format_display(pair[1])})"
    return ", ".join([part("entered", r.entered), part("left", r.left), part("plan failed", r.plan_failed),
                      part("partial payment", r.partial_payment), part("moved on", r.moved),
                      f"letters queued {r.letters}"])


class PopulateScreen(LastTally, RecoupScreen):
    TITLE_TEXT = "Populate Roster"
    BINDINGS = [*bindings(("roster.run", "populate"), ("roster.refresh", "refresh")), LAST_TALLY]
    DEFAULT_CSS = """
    PopulateScreen #populate-text { height: auto; padding: 0 1; }
    PopulateScreen #runs { height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="populate-text", markup=False)
        yield MarkedDataTable(cursor_type="row", id="runs")
        yield TaskProgress()
        yield FitFooter()

    run_claim: runs.RunRecord | None = None   # the populate running now for this date, in any process
    run_step = ""                              # its step, while this screen's own run reports it

    def on_mount(self) -> None:
        super().on_mount()
        self.sub_title = f"{self.TITLE_TEXT} · {self.practice.name}"
        self.query_one(DataTable).add_columns(*RUN_COLUMNS)
        self.query_one(DataTable).focus()
        self.action_refresh()

    def _text(self, extra: str = "") -> str:
        s, c = self.services, self.run_claim
        since = f", since {str(c.started_at)[:19]}" if c and c.started_at else ""
        now = (f"RUNNING in the background{': ' + self.run_step if self.run_step else ''} "
               f"(by {c.holder}{since})" if c else "Not running.")
        return (f"Populate Collection Roster for {self.practice.name}, business date {s.as_of}.\n"
                f"F2 starts it in the background; you may leave this screen and keep working — a "
                f"message tells you when it is done. {now}{extra}\nRecent runs:")

    def action_refresh(self) -> None:
        s, pid = self.services, self.practice.id

        def read() -> None:
            with s.uow() as u:
                found = roster_read.recent_runs(u, s.actor, pid)
                cfg = roster.settings(u, pid)
                claim = runs.running(u, pid, "roster", s.as_of)
            self.app.call_from_thread(self._show, found, cfg, claim)
        self.run_worker(read, thread=True, group="populate-read", exclusive=True, exit_on_error=False)

    def _show(self, found: list[Any], cfg: Any, claim: runs.RunRecord | None) -> None:
        self.run_claim = claim
        bar = self.query_one(TaskProgress)
        if claim is not None and "-running" not in bar.classes:
            bar.start("Populating")
        elif claim is None:
            bar.stop()
        auto = ""
        if cfg is not None:
            auto = (f"\nNightly: automatic population {'ON at ' + cfg.auto_time if cfg.auto_populate else 'OFF'}"
                    f" (Admin > Collections Admin > Patient Collections Integration).")
        self.query_one("#populate-text", Static).update(self._text(auto))
        table = self.query_one(DataTable)
        table.clear()
        for r in found:
            table.add_row(str(r.business_date), str(r.entered_count), str(r.left_count), str(r.plan_failed_count),
                          str(r.partial_count), str(r.moved_count), str(r.letters_count), r.operator)
        if not found:
            table.add_row("(none yet)", *[""] * (len(RUN_COLUMNS) - 1))

    def show_claimed(self, claim: runs.Claim) -> None:
        """This screen's run holds its claim: say RUNNING at once, before the batch reads anything."""
        self.run_claim = runs.RunRecord(claim.practice_id, claim.kind, claim.business_date, "running",
                                        claim.holder, None, None, None)
        self.query_one("#populate-text", Static).update(self._text())

    def action_populate(self) -> None:
        start(self.app, self, self.practice.id, self.practice.name)


def start(app: Any, screen: PopulateScreen | None, practice_id: int, name: str) -> None:
    """Run populate under its run claim in an app-owned thread; report steps to the screen while
    it is open. A claim refused (already done, or running anywhere) is shown as a message."""
    s = app.services
    bar = screen.query_one(TaskProgress) if screen is not None else None

    def attached() -> PopulateScreen | None:
        return screen if screen is not None and screen.is_attached else None

    def claimed(claim: runs.Claim) -> None:
        if bar is not None and bar.is_attached:
            bar.start("Populating")
        app.notify(f"Populating the collection roster of {name} in the background.")
        if attached():
            screen.show_claimed(claim)  # type: ignore[union-attr]

    def show_step(step: str, done: int, total: int) -> None:
        if attached():
            screen.run_step = step  # type: ignore[union-attr]
        if bar is not None and bar.is_attached:
            bar.query_one("#progress-title").update(f"Populating ({step}):")  # type: ignore[attr-defined]
            bar.advance(done, total)

    def finish(result: PopulateResult | None, error: BaseException | None) -> None:
        if bar is not None and bar.is_attached:
            bar.stop()
        if attached():
            screen.run_step = ""  # type: ignore[union-attr]
        if isinstance(error, (runs.AlreadyDone, runs.AlreadyRunning, runs.DateBehind)):
            show_error(app.screen, error)                 # refused before anything ran
        elif error is not None:
            if isinstance(error, RecoupError):
                show_error(app.screen, error)
            app.notify(f"Populate Collection Roster of {name} failed: {error}", severity="error", timeout=15)
        elif result is not None:
            shown = attached()
            more = shown.remember_tally(result.tally) if shown is not None else ""
            app.notify(f"Populate Collection Roster of {name} ({result.business_date}) is done: {summary(result)}."
                       f"{more}", title="Roster populated", timeout=20)
        for shown in (attached(), app.screen):
            if isinstance(shown, PopulateScreen) and shown.is_attached and shown.practice is not None \
                    and shown.practice.id == practice_id:
                shown.action_refresh()

    def batch(u: Any) -> PopulateResult:
        return roster.populate(u, s.actor, practice_id, s.as_of,
                               progress=lambda st, d, t: app.call_from_thread(show_step, st, d, t))

    def work() -> None:
        try:
            result = runs.run_claimed(s.uow, practice_id, "roster", s.as_of, runs.process_holder(s.actor.name),
                                      batch, PopulateResult.run_record,
                                      started=lambda c: app.call_from_thread(claimed, c))
        except Exception as exc:  # shown to the operator; never a traceback
            app.call_from_thread(finish, None, exc)
            return
        app.call_from_thread(finish, result, None)

    app.run_worker(work, thread=True, group=f"populate-{practice_id}", exit_on_error=False)
