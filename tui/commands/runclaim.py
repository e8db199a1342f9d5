"""Manual batch runs take the same run claim as the worker (core.runs.run_claimed), so an
operator's `recoup nightly`, `recoup external run` or `recoup roster populate`, the nightly worker
and the screens never run one practice's batch twice for a business date.

This module is only the command line's adapter: which batch a kind runs, and how the outcome
reads. The batches were already idempotent per business date (a second run changed nothing), so a
run that is recorded as done stays what it was: the command says it was already done and exits 0.
A run that another process is running right now is refused (exit 4): its outcome is not known
yet, and waiting on it silently could hold a cron job for hours. A failed run may be run again.
A run whose practice is still being run for an earlier date by another process waits for it
(up to EARLIER_WAIT, saying so): business dates go forward, so refusing it would leave this date
unrun for good once the next night's run lands.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable
from typing import Any

from tui.commands.context import Context

EARLIER_WAIT = 15 * 60.0   # seconds a run waits for another process's run of an earlier date
POLL = 0.5

CLAIM_HELP = ("Takes the run claim for each practice and business date (as the worker does): "
              "a run already done for that date prints 'already done' and exits 0; a run another "
              "process is running now is refused with exit 4; a run whose practice another process "
              "is still running for an earlier date waits for it (up to 15 minutes, then exit 4).")


def holder(ctx: Context) -> str:
    """Who holds a claim: operator@host:pid (the worker's holder_gone reads host:pid)."""
    from core.runs import process_holder
    return process_holder(ctx.login)


def batch(ctx: Context, kind: str, practice_id: int, as_of: dt.date) -> Callable[[Any], Any]:
    """The use case a nightly batch runs, given its unit of work (external run or roster populate)."""
    if kind == "external":
        from core import external
        folder = ctx.agency_folder()
        return lambda uow: external.run(uow, ctx.actor(uow), practice_id, as_of, folder)
    from core import roster
    return lambda uow: roster.populate(uow, ctx.actor(uow), practice_id, as_of)


def claimed(ctx: Context, practice_id: int, kind: str, refused: list[str] | None = None) -> tuple[Any, str | None]:
    """(result, None) after running the batch under the claim for ctx.as_of, or (None, "already
    done ...") when the date is recorded as done. AlreadyRunning propagates (Refused, exit 4).

    A date behind the practice's latest batch (DateBehind) propagates too, unless the caller runs
    several practices and passes `refused`: then the refusal is printed, added to it, and
    (None, message) returned, so the other practices still run; the caller exits 4 (REFUSED)."""
    from core import runs
    try:
        return _in_turn(lambda: runs.run_claimed(ctx.uow, practice_id, kind, ctx.as_of, holder(ctx),
                                                 batch(ctx, kind, practice_id, ctx.as_of),
                                                 lambda r: r.run_record())), None
    except runs.AlreadyDone as exc:
        print(f"{exc.message}; nothing to do", file=sys.stderr)
        return None, exc.message
    except runs.DateBehind as exc:
        if refused is None:
            raise
        print(f"recoup: {exc.message}", file=sys.stderr)
        refused.append(exc.message)
        return None, exc.message


def _in_turn(run: Callable[[], Any], limit: float = EARLIER_WAIT) -> Any:
    """`run()`, again every POLL seconds while another process still runs an earlier date of the
    practice (EarlierRunning, said once on stderr), up to `limit` seconds; then the refusal stands."""
    from core import runs
    deadline = time.monotonic() + limit
    told = False
    while True:
        try:
            return run()
        except runs.EarlierRunning as exc:
            if time.monotonic() >= deadline:
                raise
            if not told:
                print(f"recoup: {exc.message}", file=sys.stderr)
                told = True
            time.sleep(POLL)


def exit_status(refused: list[str]) -> int:
    """0, or 4 (Refused) when a practice's batch was refused for a date behind its latest."""
    from core.errors import Refused
    return Refused.exit_code if refused else 0
