"""recoup audit: the newest audit entries, narrowed by operator, action, record or date."""

from __future__ import annotations

import json
from typing import Any

from tui.commands.context import Context, add_command


def register(sub: Any) -> None:
    p = add_command(sub, "audit", cmd_audit, "list audit entries, newest first")
    p.add_argument("--by", metavar="OPERATOR", help="only this operator's entries")
    p.add_argument("--action", help="only actions starting with this (e.g. import, users)")
    p.add_argument("--record", help="only entries naming this record id")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="only entries on or after this date")
    p.add_argument("--limit", type=int, default=50, help="how many entries (default 50)")


def cmd_audit(ctx: Context) -> int:
    from core import audit, security
    from core.clock import parse_date
    since = parse_date(ctx.args.since, "since") if ctx.args.since else None
    with ctx.uow(write=False) as uow:
        security.require(ctx.actor(uow), "supervisor", "read the audit trail")
        found = audit.entries(uow, ctx.args.by, ctx.args.action, ctx.args.record, since, ctx.args.limit)
        rows = [{"id": e.id, "at": e.at.isoformat(timespec="seconds"), "operator": e.operator,
                 "action": e.action, "entity": e.entity, "records": _short(e.record_ids),
                 "before": e.before, "after": e.after} for e in found]
    if ctx.json:
        for r in rows:
            r["records"] = json.loads(next(e.record_ids for e in found if e.id == r["id"]))
            r["before"] = json.loads(r["before"]) if r["before"] else None
            r["after"] = json.loads(r["after"]) if r["after"] else None
    ctx.emit(rows, ["id", "at", "operator", "action", "entity", "records", "after"])
    return 0


def _short(record_ids: str, shown: int = 5) -> str:
    ids = json.loads(record_ids)
    more = f" (+{len(ids) - shown} more)" if len(ids) > shown else ""
    return ",".join(ids[:shown]) + more
