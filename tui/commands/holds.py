"""recoup holds add / release / list (SPEC 14): pause collecting a guarantor or one encounter.

Practice, guarantor and encounter ids are the practice system's (as imported); a hold is named by
the number `holds add` prints.
"""

from __future__ import annotations

from typing import Any

from core.limits import ENDING_WITHIN, NUMBER
from tui.commands.context import Context, add_command, add_group, add_practice_command, optional_date
from tui.commands.options import whole

COLUMNS = ["hold", "kind", "guarantor", "encounter", "start", "end", "state", "operator", "reason"]


def register(sub: Any) -> None:
    from core.models.holds import HOLD_KINDS as KINDS
    holds = add_group(sub, "holds", "pause collecting a guarantor or an encounter (disputes, appeals, promises...)")
    p = add_practice_command(holds, "add", cmd_add, "place a hold (collectors: dispute or promise, at most 30 days)")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--guarantor", metavar="ID", help="hold every line of this guarantor")
    target.add_argument("--encounter", metavar="ID", help="hold the lines of this encounter only")
    p.add_argument("--kind", required=True, choices=KINDS, help="why collecting pauses")
    p.add_argument("--start", metavar="DATE", help="first held day (default: the business date; at most 30 days "
                                                   "back unless you are a supervisor)")
    p.add_argument("--end", metavar="DATE", help="last held day (default: until released)")
    p.add_argument("--reason", required=True, help="a short reason, kept with the hold")
    p = add_command(holds, "release", cmd_release, "end a hold early")
    p.add_argument("hold", type=whole(NUMBER), metavar="HOLD", help="the hold's number")
    p.add_argument("--reason", required=True, help="why the hold ends")
    p.add_argument("--on", metavar="DATE", help="first day no longer held (default: the business date)")
    p = add_practice_command(holds, "list", cmd_list, "list holds")
    p.add_argument("--kind", choices=KINDS)
    p.add_argument("--state", choices=("scheduled", "active", "ended"))
    p.add_argument("--ending-within", type=whole(ENDING_WITHIN), metavar="DAYS",
                   help="active holds whose last day is within DAYS")
    p.add_argument("--guarantor", metavar="ID")


def _json_row(r: Any) -> dict[str, Any]:
    return {"hold": r.id, "kind": r.kind, "guarantor": r.guarantor, "encounter": r.encounter,
            "start": r.start.isoformat(), "end": r.end.isoformat() if r.end else None, "state": r.state,
            "operator": r.operator, "reason": r.reason}


def cmd_add(ctx: Context) -> int:
    from core import holds
    from core.practices import find_practice
    a = ctx.args
    with ctx.uow() as uow:
        actor = ctx.actor(uow)
        practice = find_practice(uow, a.practice)
        assert practice.id is not None
        row = holds.place_hold(uow, actor, practice.id, a.kind, a.reason, ctx.as_of, guarantor=a.guarantor,
                               encounter=a.encounter, start=optional_date(a.start, "start"),
                               end=optional_date(a.end, "end"))
    if ctx.json:
        ctx.emit_object(_json_row(row))
    else:
        until = f"to {row.end}" if row.end else "until released"
        print(f"hold {row.id} placed: {row.kind}, from {row.start} {until}")
    return 0


def cmd_release(ctx: Context) -> int:
    from core import holds
    a = ctx.args
    with ctx.uow() as uow:
        row = holds.release_hold(uow, ctx.actor(uow), a.hold, a.reason, ctx.as_of, optional_date(a.on, "on"))
    if ctx.json:
        ctx.emit_object(_json_row(row))
    else:
        print(f"hold {row.id} released: no longer held from {row.released_on}")
    return 0


def cmd_list(ctx: Context) -> int:
    from core import holds
    from core.practices import find_practice
    a = ctx.args
    with ctx.uow(write=False) as uow:
        practice = find_practice(uow, a.practice)
        assert practice.id is not None
        rows = holds.list_holds(uow, ctx.actor(uow), practice.id, ctx.as_of, kind=a.kind, state=a.state,
                                ending_within=a.ending_within, guarantor=a.guarantor)
    ctx.emit([_json_row(r) for r in rows], COLUMNS)
    return 0
