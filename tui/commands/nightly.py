"""recoup nightly: everything due for the business date, per practice, idempotently (SPEC 10, 12).

For cron or the worker. Each batch is its own use case with its own transaction and run record,
and each is idempotent for its business date, so running nightly twice (or after a failure part
way) changes nothing that was already done:
- the external collections run (every practice with external collections on);
- the roster population, for practices with the roster on whose settings say populate
  automatically (when the roster's core is installed).
Each batch takes the run claim of its practice and date (tui/commands/runclaim.py), like the
worker: one already done is reported as "already done" (exit 0), one running elsewhere is refused
(exit 4), so a manual nightly and the worker never double a date.
"""

from __future__ import annotations

import importlib
from typing import Any

from tui.commands.context import Context, add_command, add_out_option


def register(sub: Any) -> None:
    p = add_command(sub, "nightly", cmd_nightly, "run everything due for the business date (idempotent)")
    from tui.commands.runclaim import CLAIM_HELP
    p.epilog = CLAIM_HELP
    p.add_argument("--practice", metavar="ID", help="only this practice (default: every practice)")
    add_out_option(p)


def _roster() -> Any:
    """core.roster when it exists and offers populate, else None."""
    try:
        module = importlib.import_module("core.roster")
    except ImportError:
        return None
    return module if hasattr(module, "populate") else None


def _roster_due(uow: Any, roster: Any, practice: Any) -> bool:
    if not practice.roster_on:
        return False
    cfg = roster.settings(uow, practice.id) if hasattr(roster, "settings") else None
    return cfg is None or bool(getattr(cfg, "auto_populate", True))


def cmd_nightly(ctx: Context) -> int:
    from core.external import find_practice
    from core.models.ledger import Practice
    from sqlmodel import col, select
    from tui.commands.external import run_external
    rows: list[dict[str, Any]] = []
    with ctx.uow(write=False) as uow:
        ctx.actor(uow)
        practices = ([find_practice(uow, ctx.args.practice)] if ctx.args.practice
                     else list(uow.session.exec(select(Practice).order_by(col(Practice.source_id)))))
    roster = _roster()
    for practice in practices:
        if practice.external_on:
            for r in run_external(ctx, practice.source_id, ctx.agency_folder()):
                if "already" in r:
                    rows.append({"practice": r["practice"], "batch": "external", "run": None,
                                 "summary": r["already"]})
                    continue
                rows.append({"practice": r["practice"], "batch": "external", "run": r["run"],
                             "summary": f"selected {r['select']}, posted {r['post']}, filed {r['file']}, "
                                        f"reassigned {r['reassign']}, files {len(r['files'])}"})
        if roster is None:
            continue
        with ctx.uow(write=False) as uow:
            due = _roster_due(uow, roster, practice)
        if due:
            from tui.commands.roster import populate_claimed
            r, already = populate_claimed(ctx, practice.id)
            if already is not None:
                rows.append({"practice": practice.source_id, "batch": "roster", "run": None, "summary": already})
                continue
            rows.append({"practice": practice.source_id, "batch": "roster", "run": r.run_id,
                         "summary": f"entered {r.entered[0]}, left {r.left[0]}, moved {r.moved[0]}, "
                                    f"letters {r.letters}"})
    ctx.emit(rows, ["practice", "batch", "run", "summary"])
    return 0
