"""Removing a billing group, an adjustment code or a letter template from Collections Admin.

Why refuse rather than cascade: each of these is named elsewhere (settings, accounts, postings,
statuses, queued letters). Removing one that is still named would leave a setting pointing at
nothing or a posting whose code no longer explains it, so removal is allowed only when nothing
names it, and the refusal lists every place that still does.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from core import audit
from core.errors import BadInput, Refused, agree, counted
from core.models.roster import AdjustmentCode, BillingGroup, LetterTemplate
from core.roster.admin import ADJ_FIELDS, _practice_source, ensure_defaults, statuses
from core.security import Actor, require
from core.sql import execute
from core.uow import UnitOfWork


def _count(uow: UnitOfWork, sql: str, **params: Any) -> int:
    return int(execute(uow, sql, **params).scalar_one())


def _remove(uow: UnitOfWork, actor: Actor, practice_id: int, row: Any, what: str, key: str,
            uses: list[str], before: dict[str, Any]) -> None:
    if uses:
        raise Refused(f"{what} {key} is in use and cannot be removed: " + "; ".join(uses))
    uow.session.delete(row)
    audit.record(uow, actor.name, f"roster.{type(row).__tablename__}.remove", type(row).__tablename__,
                 [_practice_source(uow, practice_id), key], before, None)
    uow.commit()


def remove_billing_group(uow: UnitOfWork, actor: Actor, practice_id: int, code: str) -> None:
    require(actor, "admin", "edit billing groups")
    cfg = ensure_defaults(uow, practice_id)
    code = (code or "").strip()
    row = uow.session.exec(select(BillingGroup).where(BillingGroup.practice_id == practice_id,
                                                      BillingGroup.code == code)).first()
    if row is None:
        raise BadInput(f"code: no billing group {code!r}", field="code")
    uses = []
    if cfg.transfer_billing_group == code:
        uses.append("the integration setting transfer billing group names it")
    n = _count(uow, "SELECT COUNT(*) FROM guarantor WHERE practice_id = :p AND billing_group = :c",
               p=practice_id, c=code)
    if n:
        uses.append(f"{counted(n, 'account')} {agree(n, 'is', 'are')} in it")
    n = _count(uow, "SELECT COUNT(*) FROM service_line WHERE practice_id = :p AND billing_group = :c",
               p=practice_id, c=code)
    if n:
        uses.append(f"{counted(n, 'service line')} {agree(n, 'carries', 'carry')} it")
    _remove(uow, actor, practice_id, row, "billing group", code, uses,
            {"description": row.description, "suppress": row.suppress_collections})


def remove_adjustment_code(uow: UnitOfWork, actor: Actor, practice_id: int, code: str) -> None:
    require(actor, "admin", "edit adjustment codes")
    cfg = ensure_defaults(uow, practice_id)
    code = (code or "").strip().upper()
    row = uow.session.exec(select(AdjustmentCode).where(AdjustmentCode.practice_id == practice_id,
                                                        AdjustmentCode.code == code)).first()
    if row is None:
        raise BadInput(f"code: no adjustment code {code!r}", field="code")
    uses = [f"the integration setting {f.replace('_', ' ')} names it" for f in ADJ_FIELDS if getattr(cfg, f) == code]
    n = _count(uow, "SELECT COUNT(*) FROM ledger_txn WHERE practice_id = :p AND adjustment_code = :c",
               p=practice_id, c=code)
    if n:
        uses.append(f"{counted(n, 'posted transaction')} {agree(n, 'carries', 'carry')} it")
    _remove(uow, actor, practice_id, row, "adjustment code", code, uses,
            {"description": row.description, "kind": row.kind})


def remove_letter_template(uow: UnitOfWork, actor: Actor, practice_id: int, name: str) -> None:
    require(actor, "admin", "edit letter templates")
    ensure_defaults(uow, practice_id)
    name = (name or "").strip()
    row = uow.session.exec(select(LetterTemplate).where(LetterTemplate.practice_id == practice_id,
                                                        LetterTemplate.name == name)).first()
    if row is None:
        raise BadInput(f"name: no letter template {name!r}", field="name")
    uses = [f"status {s.code} sends it" for s in statuses(uow, practice_id) if s.letter == name]
    n = _count(uow, """SELECT COUNT(*) FROM letter_queue WHERE practice_id = :p AND template = :n
                       AND printed_date IS NULL""", p=practice_id, n=name)
    if n:
        uses.append(f"{counted(n, 'queued letter')} {agree(n, 'is', 'are')} not printed yet")
    _remove(uow, actor, practice_id, row, "letter template", name, uses, {"body": row.body})
