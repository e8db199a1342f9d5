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
    p.add_argument("--preview", action="store_true",
                   help="show what the run would do (counts, dollars, examples, the change since the previous "
                        "run) and write nothing")
    add_out_option(p)


def _summary(kind: str, r: Any) -> str:
    if kind == "external":
        st = r.steps
        return (f"selected {st['select'][0]}, posted {st['post'][0]}, filed {st['file'][0]}, "
                f"reassigned {st['reassign'][0]}, files {len(r.files)}")
    return f"entered {r.entered[0]}, left {r.left[0]}, moved {r.moved[0]}, letters {r.letters}"


def cmd_nightly(ctx: Context) -> int:
    from core.practices import BATCH_KINDS, due_practices
    from tui.commands.runclaim import claimed, exit_status
    with ctx.uow(write=False) as uow:
        ctx.actor(uow)
        due = [p for kind in BATCH_KINDS for p in due_practices(uow, kind, ctx.args.practice)]
    due.sort(key=lambda p: (p.source_id, BATCH_KINDS.index(p.kind)))
    if ctx.args.preview:
        return _preview(ctx, due)
    from tui.commands.runs import print_tallies, tally_field
    rows: list[dict[str, Any]] = []
    refused: list[str] = []
    found = []
    for p in due:
        r, already = claimed(ctx, p.id, p.kind, refused)
        found.append(None if already else r.tally)
        rows.append({"practice": p.source_id, "batch": p.kind, "run": None if already else r.run_id,
                     "summary": already if already else _summary(p.kind, r), "tally": tally_field(ctx, found[-1])})
    ctx.emit(rows, ["practice", "batch", "run", "summary", "tally"])
    print_tallies(ctx, found)
    return exit_status(refused)


def _preview(ctx: Context, due: list[Any]) -> int:
    """Rehearse every due batch on a unit of work that rolls back; files go to a folder thrown away."""
    import tempfile
    from pathlib import Path

    from core import preview
    with tempfile.TemporaryDirectory(prefix="recoup-preview-") as folder, ctx.uow(rehearsal=True) as uow:
        found = preview.preview_nightly(uow, ctx.actor(uow), ctx.as_of, due, Path(folder))
    if ctx.json:
        ctx.emit_object({"business_date": ctx.as_of.isoformat(), "preview": True,
                         "batches": [preview.as_dict(b) for b in found]})
        return 0
    print(f"Nightly preview for {ctx.as_of.isoformat()}: nothing was written.")
    if not found:
        print("Nothing is due: no practice has external collections or automatic populate on.")
    for b in found:
        print("\n".join(preview_lines(b)))
    return 0


def preview_lines(b: Any) -> list[str]:
    """One batch of the preview as plain lines: status, tally, changes since the previous run, examples."""
    from core.money import format_plain
    from tui.commands.runs import tally_lines
    out = [f"\n{b.practice} {b.kind}: {b.status}"]
    if b.tally is None:
        return out
    out += tally_lines(b.tally)[1:2]
    since = f"run {b.previous.id} of {b.previous.business_date}" if b.previous else "no previous run"
    out.append(f"  by rule, state and reason (now / {since}):")
    for c in b.changes():
        kind = "left out" if c.side == "excluded" else "taken"
        out.append(f"    {kind}: {c.words}: {c.count} ({format_plain(c.cents)}) / "
                   f"{c.previous_count} ({format_plain(c.previous_cents)})")
    if b.examples:
        out.append(f"  first {len(b.examples)} of what it would do:")
        out += ["    " + " ".join(str(v) for v in (f"{e['step']}:", e["guarantor"], e.get("line"),
                                                   e.get("agency") or e.get("to"), format_plain(e["cents"])) if v)
                for e in b.examples]
    return out
