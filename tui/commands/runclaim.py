"""Manual batch runs take the same run claim as the worker (core.runs), so an operator's
`recoup nightly`, `recoup external run` or `recoup roster populate` and the nightly worker never
run one practice's batch twice for a business date.

The batches were already idempotent per business date (a second run changed nothing), so a run
that is recorded as done stays what it was: the command says it was already done and exits 0.
A run that another process is running right now is refused (exit 4): its outcome is not known
yet, and waiting on it silently could hold a cron job for hours. A failed run may be run again.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Callable
from typing import Any

from tui.commands.context import Context

CLAIM_HELP = ("Takes the run claim for each practice and business date (as the worker does): "
              "a run already done for that date prints 'already done' and exits 0; a run another "
              "process is running now is refused with exit 4.")


def holder(ctx: Context) -> str:
    """Who holds a claim: operator@host:pid (the worker's holder_gone reads host:pid)."""
    return f"{ctx.login}@{socket.gethostname()}:{os.getpid()}"


def claimed(ctx: Context, practice_id: int, kind: str, batch: Callable[[], Any],
            summary: Callable[[Any], dict[str, Any]]) -> tuple[Any, str | None]:
    """(result, None) after running `batch` under the claim, or (None, "already done ...") when the
    date is recorded as done. AlreadyRunning propagates (Refused, exit 4). A failure is recorded."""
    from core import runs
    from tui.commands.worker import _holder_gone
    try:
        with ctx.uow() as uow:
            claim = runs.claim(uow, practice_id, kind, ctx.as_of, holder(ctx), _holder_gone)
    except runs.AlreadyDone as exc:
        print(f"{exc.message}; nothing to do", file=sys.stderr)
        return None, exc.message
    try:
        result = batch()
    except BaseException as exc:
        with ctx.uow() as uow:
            runs.finish(uow, claim, "failed", {"error": type(exc).__name__,
                                               "message": str(getattr(exc, "message", exc))[:500]})
        raise
    with ctx.uow() as uow:
        runs.finish(uow, claim, "done", summary(result))
    return result, None
