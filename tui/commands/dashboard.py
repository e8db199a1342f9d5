"""recoup dashboard [--practice ID] [--type pre|not-sent|sent] [--json]: the Collections Management
figures (SPEC 4) for scripts and cron.

JSON keeps SPEC 10's fixed fields — {"pre": {"count": N, "dollars": "X"}, "not_sent": {...},
"sent": {...}} — and adds "as_of", "computed_at" and "breakdowns": for each type asked for (all
three unless --type), each breakdown's buckets with count and dollars. Without --json: the totals
and the breakdown tables as text.
"""

from __future__ import annotations

from typing import Any

from tui.commands.context import Context, add_practice_command, print_table

TYPES = {"pre": "pre", "not-sent": "not_sent", "sent": "sent"}


def register(sub: Any) -> None:
    p = add_practice_command(sub, "dashboard", cmd_dashboard,
                             "Collections Management: totals and breakdowns of Pre-Collections, Not Sent and Sent")
    p.add_argument("--type", choices=tuple(TYPES), help="breakdowns of this type only (default: all three)")


def _figure(count: int, cents: int) -> dict[str, Any]:
    from core.money import format_plain
    return {"count": count, "dollars": format_plain(cents)}


def cmd_dashboard(ctx: Context) -> int:
    from core.models.base import saved_id
    from core.practices import find_practice
    from core.precollections import dashboard
    states = [TYPES[ctx.args.type]] if ctx.args.type else list(TYPES.values())
    with ctx.uow(write=False) as uow:
        actor = ctx.actor(uow)
        practice = find_practice(uow, ctx.args.practice)
        boards = [dashboard.dashboard(uow, actor, saved_id(practice), s, ctx.as_of) for s in states]
    first = boards[0]
    out: dict[str, Any] = {s: _figure(f.count, f.cents) for s, f in first.totals.items()}
    out.update({"practice": practice.source_id, "as_of": first.as_of.isoformat(),
                "computed_at": first.computed_at.isoformat(),
                "breakdowns": {d.state: {b.name: [{"bucket": x.key, **_figure(x.count, x.cents)} for x in b.buckets]
                                         for b in d.breakdowns} for d in boards}})
    if ctx.json:
        ctx.emit_object(out)
    else:
        _print(out)
    return 0


def _print(out: dict[str, Any]) -> None:
    from core.precollections.states import STATE_LABELS
    print(f"Collections Management, practice {out['practice']}, as of {out['as_of']} "
          f"(computed {out['computed_at']})")
    print_table([{"type": STATE_LABELS[s], "count": out[s]["count"], "dollars": out[s]["dollars"]}
                 for s in TYPES.values()], ["type", "count", "dollars"])
    for state, parts in out["breakdowns"].items():
        for name, buckets in parts.items():
            print(f"\n{STATE_LABELS[state]} by {name}")
            print_table([{name: b["bucket"], "count": b["count"], "dollars": b["dollars"]} for b in buckets],
                        [name, "count", "dollars"])
