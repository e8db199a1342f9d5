"""recoup audit: the newest audit entries, narrowed by operator, action, record or date."""

from __future__ import annotations

import json
from typing import Any

from core.limits import LIMIT
from tui.commands.context import Context, add_command
from tui.commands.options import whole


def register(sub: Any) -> None:
    p = add_command(sub, "audit", cmd_audit, "list audit entries, newest first")
    p.add_argument("--by", metavar="OPERATOR", help="only this operator's entries")
    p.add_argument("--action", help="only actions starting with this (e.g. import, users)")
    p.add_argument("--record", help="only entries naming this record id")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="only entries on or after this date")
    p.add_argument("--limit", type=whole(LIMIT), default=50, help="how many entries (default 50)")


def cmd_audit(ctx: Context) -> int:
    from core import audit
    from core.clock import parse_date
    since = parse_date(ctx.args.since, "since") if ctx.args.since else None
    filt = audit.AuditFilter(operator=ctx.args.by, action=ctx.args.action, record=ctx.args.record, since=since)
    with ctx.uow(write=False) as uow:
        found = audit.read_entries(uow, ctx.actor(uow), filt, limit=ctx.args.limit)
    rows: list[dict[str, Any]] = [
        {"id": e.id, "at": e.at.isoformat(timespec="seconds"), "operator": e.operator, "action": e.action,
         "entity": e.entity, "records": _short(e.record_ids), "before": e.before, "after": e.after}
        for e in found]
    if ctx.json:
        for r, e in zip(rows, found, strict=True):
            r["records"] = e.record_ids
            r["before"] = json.loads(e.before) if e.before else None
            r["after"] = json.loads(e.after) if e.after else None
    ctx.emit(rows, ["id", "at", "operator", "action", "entity", "records", "after"])
    return 0


def _short(ids: list[str], shown: int = 5) -> str:
    more = f" (+{len(ids) - shown} more)" if len(ids) > shown else ""
    return ",".join(ids[:shown]) + more
