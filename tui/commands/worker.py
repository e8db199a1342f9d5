"""recoup worker: the nightly worker — each practice's due batches at their configured time.

A long-running process (systemd, docs/recoup-worker.service) or, with --once, a cron job
(docs/cron.example). Every pass asks core.worker what is due from the runs recorded in the
database (so a restart or a missed night resumes where it left off: each missed business date
once, in order), claims each run with core.runs (so two workers, or a worker and an operator's
`recoup nightly`, never run one date twice), runs it in its own transaction and records the
outcome. Log lines are structured key=value and carry practice ids, dates, counts and dollars
only — never a name, an address or an account's details. SIGTERM finishes the run in progress
(its transaction is never cut in half) and exits.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import threading
from typing import Any

from core.limits import Limit
from tui.commands.context import Context, add_command, add_out_option
from tui.commands.options import whole

POLL = Limit(1, 86_400, "seconds")  # at least once a day

log = logging.getLogger("recoup.worker")


def register(sub: Any) -> None:
    p = add_command(sub, "worker", cmd_worker, "the nightly worker: run each practice's due batches on time")
    p.add_argument("--once", action="store_true",
                   help="run what is due now (with --as-of: the batches of that business date) and exit (for cron)")
    p.add_argument("--external-time", metavar="HH:MM", default=os.environ.get("RECOUP_EXTERNAL_TIME", "02:00"),
                   help="local time the external collections run is due (default 02:00 or RECOUP_EXTERNAL_TIME)")
    p.add_argument("--poll", type=whole(POLL), default=300, metavar="SECONDS", help="look again at least this often")
    add_out_option(p)
    p.add_argument("--now", metavar="YYYY-MM-DDTHH:MM", help=argparse_suppress())


def argparse_suppress() -> str:
    import argparse
    return argparse.SUPPRESS  # --now: a fixed clock, for tests and for replaying a night by hand


def _fixed_now(text: str | None) -> dt.datetime | None:
    from core.errors import BadInput
    try:
        return dt.datetime.fromisoformat(text) if text else None
    except ValueError:
        raise BadInput("--now: not a date and time like 2026-11-23T02:30", field="now") from None


def _holder() -> str:
    from core.runs import process_holder
    return process_holder()


class Worker:
    def __init__(self, ctx: Context) -> None:
        from core.worker import parse_time
        self.ctx = ctx
        self.stop = threading.Event()
        self.external_at = parse_time(ctx.args.external_time, "external-time")
        self.fixed_now = _fixed_now(getattr(ctx.args, "now", None))
        self.results: list[dict[str, Any]] = []

    def now(self) -> dt.datetime:
        return self.fixed_now or dt.datetime.now()

    def due(self) -> tuple[list[Any], list[Any]]:
        from core import runs, worker
        with self.ctx.uow(write=False) as uow:
            self.ctx.actor(uow)
            schedules = runs.schedules(uow, self.external_at)
            done = runs.done_dates(uow, dt.date.min)
        if getattr(self.ctx.args, "as_of", None):  # a business date given: that date, not the clock's
            return worker.due_on(schedules, done, self.ctx.as_of), schedules
        return worker.due(schedules, done, self.now()), schedules

    def pass_once(self) -> list[Any]:
        """Run everything due now, in order; a failure stops that practice's batch until next pass."""
        items, schedules = self.due()
        blocked: set[tuple[int, str]] = set()
        for item in items:
            if self.stop.is_set():
                break
            if (item.practice_id, item.kind) in blocked:
                continue
            if not self.run_one(item):
                blocked.add((item.practice_id, item.kind))
        return schedules

    def run_one(self, item: Any) -> bool:
        """One due batch under its claim (core.runs.run_claimed); False when it failed."""
        from core import runs
        from core.errors import Refused
        from tui.commands.runclaim import batch
        fields = f"practice={item.source_id} kind={item.kind} date={item.business_date.isoformat()}"
        try:
            result = runs.run_claimed(self.ctx.uow, item.practice_id, item.kind, item.business_date, _holder(),
                                      batch(self.ctx, item.kind, item.practice_id, item.business_date),
                                      lambda r: r.run_record(),
                                      started=lambda c: log.info("event=run.start %s", fields))
        except runs.DateBehind as exc:  # a later date already ran for this practice: nothing to catch up
            log.info("event=run.skipped %s reason=DateBehind latest=%s", fields, exc.latest.isoformat())
            return True
        except Refused as exc:
            if not isinstance(exc, (runs.AlreadyDone, runs.AlreadyRunning)):
                return self._failed(fields, item, exc)
            log.info("event=run.skipped %s reason=%s", fields, type(exc).__name__)
            return isinstance(exc, runs.AlreadyDone)
        except Exception as exc:  # recorded as failed; retried on the next pass, in order
            return self._failed(fields, item, exc)
        summary = result.run_record()
        log.info("event=run.done %s %s", fields, " ".join(f"{k}={v}" for k, v in summary.items()))
        self.results.append({"practice": item.source_id, "kind": item.kind,
                             "date": item.business_date.isoformat(), "outcome": "done", **summary})
        return True

    def _failed(self, fields: str, item: Any, exc: BaseException) -> bool:
        log.error("event=run.failed %s error=%s", fields, type(exc).__name__)
        self.results.append({"practice": item.source_id, "kind": item.kind,
                             "date": item.business_date.isoformat(), "outcome": "failed"})
        return False

    def serve(self) -> None:
        from core.worker import next_wake
        while not self.stop.is_set():
            schedules = self.pass_once()
            if self.ctx.args.once or self.stop.is_set():
                return
            now = dt.datetime.now()
            wake = next_wake(schedules, now, dt.timedelta(seconds=self.ctx.args.poll))
            log.info("event=sleep until=%s", wake.isoformat(timespec="seconds"))
            self.stop.wait(max(1.0, (wake - now).total_seconds()))


def cmd_worker(ctx: Context) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        w = Worker(ctx)
    except ValueError as exc:
        from core.errors import BadInput
        raise BadInput(str(exc), field="external-time") from None
    if threading.current_thread() is threading.main_thread():
        def _on_sigterm(*_: Any) -> None:
            log.info("event=stopping signal=SIGTERM")
            w.stop.set()

        signal.signal(signal.SIGTERM, _on_sigterm)
    log.info("event=worker.start holder=%s once=%s", _holder(), bool(ctx.args.once))
    try:
        w.serve()
    except KeyboardInterrupt:
        w.stop.set()
    log.info("event=worker.stop runs=%d", len(w.results))
    if ctx.args.once:
        ctx.emit(w.results, ["practice", "kind", "date", "outcome", "run"])
    return 1 if any(r["outcome"] == "failed" for r in w.results) else 0
