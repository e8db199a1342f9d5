"""recoup runs list | show (SPEC 14): what each batch considered, took and left out, and why.

`runs show RUN --reason CODE` opens the accounts one reason kept out, a page at a time. The batch
commands print the same tally when they finish (`print_tally`).
"""

from __future__ import annotations

from typing import Any

from core.limits import NUMBER, PAGE_AFTER, Limit
from tui.commands.context import Context, add_command, add_group
from tui.commands.options import whole

ROWS = Limit(1, 10_000)  # runs or accounts on one page

LIST_COLUMNS = ["run", "kind", "practice", "business_date", "operator", "considered", "taken", "left_out"]


def register(sub: Any) -> None:
    from core.models.tallies import TALLY_KINDS
    runs = add_group(sub, "runs", "batch runs and their tallies: considered, taken, left out by reason")
    p = add_command(runs, "list", cmd_list, "the latest batch runs, newest first")
    p.add_argument("--practice", metavar="ID", help="only this practice")
    p.add_argument("--kind", choices=TALLY_KINDS, help="only this kind of batch")
    p.add_argument("--limit", type=whole(ROWS), default=50, metavar="N", help="at most N runs (default 50)")
    p = add_command(runs, "show", cmd_show, "one run's tally; with --reason, the accounts that reason left out")
    p.add_argument("run", type=whole(NUMBER), metavar="RUN",
                   help="the run's number (from `runs list` or the batch's output)")
    p.add_argument("--reason", metavar="CODE", help="list the accounts this reason left out (e.g. hold:dispute)")
    p.add_argument("--offset", type=whole(PAGE_AFTER), default=0, metavar="N", help="skip the first N accounts")
    p.add_argument("--limit", type=whole(ROWS), default=100, metavar="N", help="at most N accounts (default 100)")


def cmd_list(ctx: Context) -> int:
    from core import tallies
    from core.money import format_plain
    from core.practices import find_practice
    a = ctx.args
    with ctx.uow(write=False) as uow:
        actor = ctx.actor(uow)
        practice = find_practice(uow, a.practice).id if a.practice else None
        found = tallies.list_tallies(uow, actor, practice, a.kind, a.limit)
    if ctx.json:
        ctx.emit([tallies.as_dict(t) for t in found])
        return 0
    ctx.emit([{"run": t.id, "kind": t.kind, "practice": t.practice, "business_date": t.business_date,
               "operator": t.operator, "considered": f"{t.considered} ({format_plain(t.considered_cents)})",
               "taken": f"{t.taken} ({format_plain(t.taken_cents)})",
               "left_out": t.considered - t.taken} for t in found], LIST_COLUMNS)
    return 0


def cmd_show(ctx: Context) -> int:
    from core import tallies
    from core.money import format_plain
    a = ctx.args
    with ctx.uow(write=False) as uow:
        actor = ctx.actor(uow)
        tally = tallies.show(uow, actor, a.run)
        if a.reason is None:
            if ctx.json:
                ctx.emit_object(tallies.as_dict(tally))
            else:
                print_tally(tally)
            return 0
        reason = tally.reason(a.reason)
        page = tallies.left_out(uow, actor, tally.id, reason.code, a.offset, a.limit)
    rows = [{"guarantor": x.guarantor, "name": x.name, "encounter": x.encounter, "amount": format_plain(x.cents)}
            for x in page]
    if ctx.json:
        ctx.emit_object({"run": tally.id, "reason": reason.code, "words": reason.words, "count": reason.count,
                         "unit": tally.unit, "cents": reason.cents, "offset": a.offset, "accounts": rows})
    else:
        shown = f"{a.offset + 1}-{a.offset + len(rows)}" if rows else "none"
        ctx.emit(rows, ["guarantor", "name", "encounter", "amount"],
                 f"Run {tally.id}: {reason.words} — {tally.counted(reason.count)} left out, "
                 f"{format_plain(reason.cents)} (showing {shown})")
    return 0


def tally_lines(tally: Any) -> list[str]:
    """The tally as plain lines: totals (in the batch's unit: lines, accounts, encounters), what
    was taken by group, what was left out by reason."""
    from core.money import format_plain
    out = [f"Run {tally.id}: {tally.title}",
           f"  considered {tally.counted(tally.considered)} ({format_plain(tally.considered_cents)}), "
           f"taken {tally.taken:,} ({format_plain(tally.taken_cents)}), left out {tally.considered - tally.taken:,}"]
    out += [f"  taken: {g.code}: {g.count} ({format_plain(g.cents)})" for g in tally.groups]
    out += [f"  left out: {r.words} [{r.code}]: {r.count} ({format_plain(r.cents)})" for r in tally.excluded]
    if tally.excluded:
        out.append(f"  (recoup runs show {tally.id} --reason CODE lists the {tally.unit} and their accounts)")
    return out


def print_tally(tally: Any) -> None:
    print("\n".join(tally_lines(tally)))


def tally_field(ctx: Context, tally: Any) -> Any:
    """What a batch's output row carries of its tally: all of it in JSON, its number in a table."""
    from core import tallies
    if tally is None:
        return None
    return tallies.as_dict(tally) if ctx.json else tally.id


def emit_with_tally(ctx: Context, out: dict[str, Any], tally: Any) -> None:
    """A batch's result, then its tally (in JSON, under "tally")."""
    ctx.emit_object({**out, "tally": tally_field(ctx, tally)})
    print_tallies(ctx, [tally])


def print_tallies(ctx: Context, found: list[Any]) -> None:
    """After a batch command's table: each batch's tally (JSON output already carries them)."""
    if not ctx.json:
        for tally in found:
            if tally is not None:
                print_tally(tally)
