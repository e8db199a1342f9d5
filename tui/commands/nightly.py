"""recoup nightly: everything due for the business date, per practice, idempotently (SPEC 10, 12).

For cron or the worker. Each batch is its own use case with its own transaction and run record,
and each is idempotent for its business date, so running nightly twice (or after a failure part
way) changes nothing that was already done. Which practices each batch is due for is
core.practices.due_practices (the worker's definition too):
- the external collections run (every practice with external collections on);
- the roster population, for practices with the roster on whose settings say populate
  automatically.
Each batch takes the run claim of its practice and date (core.runs.run_claimed), like the worker:
one already done is reported as "already done" (exit 0), one running elsewhere is refused
(exit 4), so a manual nightly and the worker never double a date.
"""

from __future__ import annotations

from typing import Any

from tui.commands.context import Context, add_command, add_out_option


def register(sub: Any) -> None:
    p = add_command(sub, "nightly", cmd_nightly, "run everything due for the business date (idempotent)")
    from tui.commands.runclaim import CLAIM_HELP
    p.epilog = CLAIM_HELP
    p.add_argument("--practice", metavar="ID", help="only this practice (default: every practice)")
    add_out_option(p)


def _summary(kind: str, r: Any) -> str:
    if kind == "external":
        st = r.steps
        return (f"selected {st['select'][0]}, posted {st['post'][0]}, filed {st['file'][0]}, "
                f"reassigned {st['reassign'][0]}, files {len(r.files)}"
                + (f"; no file for {', '.join(r.no_agreement)}: no business associate agreement on record"
                   if r.no_agreement else ""))
    return f"entered {r.entered[0]}, left {r.left[0]}, moved {r.moved[0]}, letters {r.letters}"


def cmd_nightly(ctx: Context) -> int:
    from core.practices import BATCH_KINDS, due_practices
    from tui.commands.runclaim import claimed, exit_status
    with ctx.uow(write=False) as uow:
        ctx.actor(uow)
        due = [p for kind in BATCH_KINDS for p in due_practices(uow, kind, ctx.args.practice)]
    due.sort(key=lambda p: (p.source_id, BATCH_KINDS.index(p.kind)))
    rows: list[dict[str, Any]] = []
    refused: list[str] = []
    for p in due:
        r, already = claimed(ctx, p.id, p.kind, refused)
        rows.append({"practice": p.source_id, "batch": p.kind, "run": None if already else r.run_id,
                     "summary": already if already else _summary(p.kind, r)})
    ctx.emit(rows, ["practice", "batch", "run", "summary"])
    return exit_status(refused)
