"""recoup audit: the newest audit entries, narrowed by operator, action, record or date; and the
chain's upkeep: `audit anchor` (the head, to keep outside the database), `audit rotate-key`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tui.commands.context import Context, add_command


def register(sub: Any) -> None:
    p = add_command(sub, "audit", cmd_audit, "list audit entries, newest first")
    p.add_argument("--by", metavar="OPERATOR", help="only this operator's entries")
    p.add_argument("--action", help="only actions starting with this (e.g. import, users)")
    p.add_argument("--record", help="only entries naming this record id")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="only entries on or after this date")
    p.add_argument("--limit", type=int, default=50, help="how many entries (default 50)")
    chain = p.add_subparsers(dest="audit_command", metavar="COMMAND", required=False)
    a = add_command(chain, "anchor", cmd_anchor, "print the audit chain's head (and add it to --out) to keep "
                    "outside the database; 'recoup verify --anchor FILE' checks the chain still reaches it")
    a.add_argument("--out", type=Path, metavar="FILE",
                   help="append the anchor to this file (created owner-only); keep it where the database's "
                        "administrators cannot write")
    add_command(chain, "rotate-key", cmd_rotate_key, "continue the audit chain under a new key (admins); the "
                "key file keeps the old key, which checks the entries it signed")


def cmd_anchor(ctx: Context) -> int:
    import os

    from core import audit
    with ctx.uow() as uow:
        ctx.actor(uow)
        line = audit.anchor(uow).line()
    out: Path | None = ctx.args.out
    if out is not None:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a") as fh:
            fh.write(line + "\n")
    print(line)
    return 0


def cmd_rotate_key(ctx: Context) -> int:
    from core import audit
    with ctx.uow() as uow:
        new = audit.rotate_key(uow, ctx.actor(uow))
    print(f"The audit chain continues under key {new}; copy the key file to every Recoup host.")
    return 0


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
