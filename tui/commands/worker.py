"""recoup worker: the nightly worker — each practice's due batches at their configured time.

A long-running process (systemd, docs/recoup-worker.service) or, with --once, a cron job
(docs/cron.example). Every pass asks core.worker what is due from the runs recorded in the
database (so a restart or a missed night resumes where it left off: each missed business date
once, in order), claims each run with core.runs (so two workers, or a worker and an operator's
`recoup nightly`, never run one date twice), runs it in its own transaction and records the
outcome.

Several workers, on one host or several, share the nightly through the database: each claims a
practice's batch with a lease (--lease seconds), renews it from a heartbeat thread while it works,
and its batch's transaction re-checks the claim as the last thing before it commits (core.runs).
A worker finding a practice's batch running elsewhere leaves that practice to its holder for this
pass and goes on with the next practice, so N workers spread the practices among them; with
--slots N no more than N batches run at once in the database (the others wait for one to end). A worker
killed mid-practice (SIGKILL, a lost host) leaves its claim running; once its lease has passed the
next worker to look takes it over and runs the batch from the start (the dead worker's transaction
was rolled back with it). Log lines are structured key=value and carry practice ids, dates, counts and dollars
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
LEASE = Limit(2, 3_600, "seconds")  # how long a worker's claim lasts without a renewal
DEFAULT_LEASE = 60
STALL = Limit(0, 3_600, "seconds")
SLOTS = Limit(0, 999, "batches")    # at most this many batches at once in the database (0: no limit)
SLOT_WAIT = 0.5                     # seconds between looks for a free slot
HOST_CHARS = 60   # the claim's holder (120 characters) is host:pid

log = logging.getLogger("recoup.worker")


def register(sub: Any) -> None:
    p = add_command(sub, "worker", cmd_worker, "the nightly worker: run each practice's due batches on time")
    p.add_argument("--once", action="store_true",
                   help="run what is due now (with --as-of: the batches of that business date) and exit (for cron)")
    p.add_argument("--external-time", metavar="HH:MM", default=os.environ.get("RECOUP_EXTERNAL_TIME", "02:00"),
                   help="local time the external collections run is due (default 02:00 or RECOUP_EXTERNAL_TIME)")
    p.add_argument("--poll", type=whole(POLL), default=300, metavar="SECONDS", help="look again at least this often")
    p.add_argument("--lease", type=whole(LEASE), metavar="SECONDS",
                   default=os.environ.get("RECOUP_WORKER_LEASE", str(DEFAULT_LEASE)),  # a string: checked as typed
                   help=f"how long a claim lasts unrenewed: a killed worker's practice is taken over by another "
                        f"this long after its last renewal ({LEASE.low} to {LEASE.high}; default {DEFAULT_LEASE} "
                        "or RECOUP_WORKER_LEASE); renewed every third of it")
    p.add_argument("--slots", type=whole(SLOTS), metavar="N", default=os.environ.get("RECOUP_WORKER_SLOTS", "0"),
                   help="at most N batches at once in the database, whichever workers run them: give every worker "
                        "the same N, about the database server's cores; a worker waits for a free slot "
                        f"({SLOTS.low} to {SLOTS.high}; default 0, no limit, or RECOUP_WORKER_SLOTS)")
    add_out_option(p)
    p.add_argument("--now", metavar="YYYY-MM-DDTHH:MM", help=argparse_suppress())
    # --host: the host name recorded in claims (tests play workers of several hosts on one machine);
    # --stall: hold each batch's transaction open this many seconds before its work (tests kill a
    # worker mid-practice with it, and outlast the lease with it)
    p.add_argument("--host", help=argparse_suppress())
    p.add_argument("--stall", type=whole(STALL), default=0, help=argparse_suppress())


def argparse_suppress() -> str:
    import argparse
    return argparse.SUPPRESS  # --now: a fixed clock, for tests and for replaying a night by hand


def _fixed_now(text: str | None) -> dt.datetime | None:
    from core.errors import BadInput
    try:
        return dt.datetime.fromisoformat(text) if text else None
    except ValueError:
        raise BadInput("--now: not a date and time like 2026-11-23T02:30", field="now") from None


def _holder(host: str | None = None) -> str:
    from core.runs import process_holder
    return f"{host}:{os.getpid()}" if host else process_holder()


def _busy(exc: BaseException) -> bool:
    """SQLite's write lock stayed taken past the busy timeout (another worker's long batch): the
    claim was not taken, nothing was written; the batch is tried again on the next pass."""
    return "database is locked" in str(exc)


class Heartbeat:
    """Renews a claim's lease every third of the lease from a thread of its own, in its own
    transactions, until stopped. While the batch's transaction holds the claim (PostgreSQL: its row
    locked; SQLite: the write lock) no other worker can take it over anyway; the beats cover the
    moments between transactions. A renewal that cannot get through (SQLite: busy) is tried again
    on the next beat."""

    def __init__(self, ctx: Context, lease: dt.timedelta) -> None:
        self.ctx, self.lease = ctx, lease
        self.done = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self, claim: Any) -> None:
        self.done.clear()
        self.thread = threading.Thread(target=self._beat, args=(claim,), daemon=True, name="recoup-lease")
        self.thread.start()

    def stop(self) -> None:
        self.done.set()

    def _beat(self, claim: Any) -> None:
        from core import runs
        while not self.done.wait(self.lease.total_seconds() / 3):
            try:
                with self.ctx.uow(write=False) as uow:   # no audit chain lock (core.runs.renew)
                    if not runs.renew(uow, claim, self.lease):
                        return  # closed, or taken over: nothing left to renew
            except Exception as exc:  # busy or a dropped connection: the next beat tries again
                if _busy(exc):   # SQLite: the batch holds the write lock, so nobody can take over meanwhile
                    log.info("event=lease.renew_deferred practice_id=%s reason=Busy", claim.practice_id)
                else:
                    log.warning("event=lease.renew_failed practice_id=%s error=%s", claim.practice_id,
                                type(exc).__name__)


class Worker:
    def __init__(self, ctx: Context) -> None:
        from core.worker import parse_time
        self.ctx = ctx
        self.stop = threading.Event()
        self.external_at = parse_time(ctx.args.external_time, "external-time")
        self.fixed_now = _fixed_now(getattr(ctx.args, "now", None))
        self.results: list[dict[str, Any]] = []
        self.lease = dt.timedelta(seconds=getattr(ctx.args, "lease", DEFAULT_LEASE))
        host = getattr(ctx.args, "host", None)
        if host is not None and not 0 < len(host) <= HOST_CHARS:
            from core.errors import BadInput
            raise BadInput(f"host: 1 to {HOST_CHARS} characters", field="host")
        self.holder = _holder(host)
        self.stall = int(getattr(ctx.args, "stall", 0) or 0)
        self.slots = int(getattr(ctx.args, "slots", 0) or 0)

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
        """Run everything due now, in order; a failure stops that practice's batch until next pass,
        and a practice whose batch another worker is running is left to it for this pass (its
        later batches then follow on the worker that holds it, in order)."""
        items, schedules = self.due()
        blocked: set[tuple[int, str]] = set()
        elsewhere: set[int] = set()
        for item in items:
            if self.stop.is_set():
                break
            if (item.practice_id, item.kind) in blocked or item.practice_id in elsewhere:
                continue
            outcome = self.run_one(item)
            if outcome == "elsewhere":
                elsewhere.add(item.practice_id)
            elif outcome != "ok":
                blocked.add((item.practice_id, item.kind))
        return schedules

    def run_one(self, item: Any) -> str:
        """One due batch under its claim (core.runs.run_claimed): "ok" (done now or already),
        "elsewhere" (another worker holds it), or "failed"."""
        from core import runs
        from core.errors import Refused
        from tui.commands.runclaim import batch
        fields = f"practice={item.source_id} kind={item.kind} date={item.business_date.isoformat()}"
        beat = Heartbeat(self.ctx, self.lease)

        def started(c: Any) -> None:
            log.info("event=run.start %s", fields)
            beat.start(c)

        work = batch(self.ctx, item.kind, item.practice_id, item.business_date)
        if self.stall:
            import time

            def work_stalled(uow: Any, work: Any = work) -> Any:
                time.sleep(self.stall)   # in the batch's transaction (SQLite: holding the write lock)
                return work(uow)
            work = work_stalled
        try:
            result = self._when_a_slot_is_free(lambda: runs.run_claimed(
                self.ctx.uow, item.practice_id, item.kind, item.business_date, self.holder, work,
                lambda r: r.run_record(), started=started, lease=self.lease, slots=self.slots), fields)
        except runs.DateBehind as exc:  # a later date already ran for this practice: nothing to catch up
            log.info("event=run.skipped %s reason=DateBehind latest=%s", fields, exc.latest.isoformat())
            return "ok"
        except Refused as exc:
            if not isinstance(exc, (runs.AlreadyDone, runs.AlreadyRunning, runs.LeaseLost)):
                return self._failed(fields, item, exc)
            log.info("event=run.skipped %s reason=%s", fields, type(exc).__name__)
            return "ok" if isinstance(exc, runs.AlreadyDone) else "elsewhere"
        except Exception as exc:  # recorded as failed; retried on the next pass, in order
            if _busy(exc):
                log.info("event=run.skipped %s reason=Busy", fields)
                return "elsewhere"
            return self._failed(fields, item, exc)
        finally:
            beat.stop()
        summary = result.run_record()
        log.info("event=run.done %s %s", fields, " ".join(f"{k}={v}" for k, v in summary.items()))
        self.results.append({"practice": item.source_id, "kind": item.kind,
                             "date": item.business_date.isoformat(), "outcome": "done", **summary})
        return "ok"

    def _when_a_slot_is_free(self, run: Any, fields: str) -> Any:
        """`run` (claim and batch), again every SLOT_WAIT seconds while the database runs its limit
        of batches (--slots); a stop request ends the wait (the batch was never claimed)."""
        from core import runs
        said = False
        while True:
            try:
                return run()
            except runs.Full:
                if not said:
                    log.info("event=run.waiting %s reason=Full slots=%d", fields, self.slots)
                    said = True
                if self.stop.wait(SLOT_WAIT):
                    raise runs.AlreadyRunning("the worker was stopped while it waited for a slot") from None

    def _failed(self, fields: str, item: Any, exc: BaseException) -> str:
        log.error("event=run.failed %s error=%s", fields, type(exc).__name__)
        self.results.append({"practice": item.source_id, "kind": item.kind,
                             "date": item.business_date.isoformat(), "outcome": "failed"})
        return "failed"

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
    log.info("event=worker.start holder=%s once=%s lease=%ds", w.holder, bool(ctx.args.once),
             int(w.lease.total_seconds()))
    try:
        w.serve()
    except KeyboardInterrupt:
        w.stop.set()
    log.info("event=worker.stop runs=%d", len(w.results))
    if ctx.args.once:
        ctx.emit(w.results, ["practice", "kind", "date", "outcome", "run"])
    return 1 if any(r["outcome"] == "failed" for r in w.results) else 0
