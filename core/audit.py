"""The audit trail: append-only, each entry chained to the one before by a SHA-256 hash.

Changing, deleting or re-ordering any entry breaks the chain from that entry on, and
`verify_chain` names the first entry where it breaks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from typing import Any

from sqlmodel import col, select

from core.models.audit import AuditEntry
from core.uow import UnitOfWork

GENESIS = "0" * 64


def _canonical(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def entry_hash(prev_hash: str, at: dt.datetime, business_date: dt.date | None, operator: str,
               action: str, entity: str, record_ids: str, before: str | None,
               after: str | None) -> str:
    """The hash of one entry's content together with the hash of the entry before it."""
    payload = json.dumps([prev_hash, at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
                          business_date.isoformat() if business_date else None,
                          operator, action, entity, record_ids, before, after],
                         separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def record(uow: UnitOfWork, operator: str, action: str, entity: str,
           record_ids: Iterable[Any], before: Any, after: Any,
           business_date: dt.date | None = None) -> AuditEntry:
    """Append one entry in the caller's transaction (so it commits or rolls back with the change)."""
    uow.lock("audit")
    last = uow.session.exec(select(AuditEntry.hash).order_by(col(AuditEntry.id).desc()).limit(1)).first()
    prev = last or GENESIS
    at = uow.now()
    ids = _canonical([str(i) for i in record_ids]) or "[]"
    b, a = _canonical(before), _canonical(after)
    entry = AuditEntry(at=at, business_date=business_date, operator=operator, action=action,
                       entity=entity, record_ids=ids, before=b, after=a, prev_hash=prev,
                       hash=entry_hash(prev, at, business_date, operator, action, entity, ids, b, a))
    uow.session.add(entry)
    uow.session.flush()
    return entry


def verify_chain(uow: UnitOfWork) -> Iterator[str]:
    """Every break in the chain, as a sentence naming the entry."""
    prev = GENESIS
    stmt = select(AuditEntry).order_by(col(AuditEntry.id))
    for e in uow.session.exec(stmt.execution_options(yield_per=2000)):
        if e.prev_hash != prev:
            yield f"audit entry {e.id}: does not follow the entry before it (deleted or re-ordered)"
        expected = entry_hash(e.prev_hash, e.at, e.business_date, e.operator, e.action, e.entity,
                              e.record_ids, e.before, e.after)
        if expected != e.hash:
            yield f"audit entry {e.id}: its content was changed after it was written"
        prev = e.hash


def entries(uow: UnitOfWork, operator: str | None = None, action: str | None = None,
            record: str | None = None, since: dt.date | None = None, limit: int = 100) -> list[AuditEntry]:
    """The newest entries first, optionally narrowed by operator, action prefix, record or date."""
    stmt = select(AuditEntry)
    if operator:
        stmt = stmt.where(AuditEntry.operator == operator)
    if action:
        stmt = stmt.where(col(AuditEntry.action).startswith(action))
    if record:
        stmt = stmt.where(col(AuditEntry.record_ids).contains(json.dumps(str(record))))
    if since:
        stmt = stmt.where(AuditEntry.at >= dt.datetime.combine(since, dt.time()))
    return list(uow.session.exec(stmt.order_by(col(AuditEntry.id).desc()).limit(limit)))
