"""The audit trail: append-only, each entry chained to the one before by a SHA-256 hash.

Changing, deleting or re-ordering any entry breaks the chain from that entry on, and
`verify_chain` names the first entry where it breaks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlmodel import col, func, select

from core.models.audit import AuditEntry
from core.uow import UnitOfWork

if TYPE_CHECKING:   # core.security records its changes here, so the check is imported when called
    from core.security import Actor

GENESIS = "0" * 64
_QUEUE = "recoup.audit.pending"


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
    """Append one entry in the caller's transaction (so it commits or rolls back with the change).

    The entry is only queued here and chained in `_append_pending`, which the unit of work runs
    as the last step before its commit: the chain's lock is then held for one INSERT and the
    commit, not for the rest of the use case (issue 8: operators queued behind one another's
    Apply, and a writer holding the chain lock could deadlock with one holding a guarantor row).
    """
    ids = _canonical([str(i) for i in record_ids]) or "[]"
    entry = AuditEntry(at=uow.now(), business_date=business_date, operator=operator, action=action,
                       entity=entity, record_ids=ids, before=_canonical(before), after=_canonical(after),
                       prev_hash="", hash="")
    _pending(uow).append(entry)
    return entry


def _pending(uow: UnitOfWork) -> list[AuditEntry]:
    """This transaction's queued entries; the first call registers the step that writes them."""
    queue: list[AuditEntry] | None = uow.session.info.get(_QUEUE)
    if queue is None:
        queue = uow.session.info[_QUEUE] = []
        uow.before_commit(lambda: _append_pending(uow, queue))
    return queue


def _append_pending(uow: UnitOfWork, queue: list[AuditEntry]) -> None:
    """Chain and insert the queued entries, in the order they were recorded, under the lock that
    keeps the chain gap-free; the commit that follows releases it."""
    if not queue:
        return
    uow.lock("audit")
    prev = uow.session.exec(select(AuditEntry.hash).order_by(col(AuditEntry.id).desc()).limit(1)).first()
    prev = prev or GENESIS
    for e in queue:
        e.prev_hash = prev
        e.hash = prev = entry_hash(prev, e.at, e.business_date, e.operator, e.action, e.entity,
                                   e.record_ids, e.before, e.after)
        uow.session.add(e)
        uow.session.flush()  # one at a time: the id order is the chain order
    queue.clear()


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


# ----------------------------------------------------------------------------- reading the trail

@dataclass(frozen=True)
class AuditFilter:
    """What a reader narrows by (all optional, combined with AND)."""
    operator: str | None = None
    action: str | None = None        # a prefix: "precollections." or "account.open"
    record: str | None = None        # a record id named by the entry (a task, an encounter, a name)
    since: dt.date | None = None
    until: dt.date | None = None


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: dt.datetime
    business_date: dt.date | None
    operator: str
    action: str
    entity: str
    record_ids: list[str]
    before: str | None
    after: str | None


def _where(f: AuditFilter) -> list[Any]:
    conds: list[Any] = []
    if f.operator:
        conds.append(col(AuditEntry.operator) == f.operator)
    if f.action:
        conds.append(col(AuditEntry.action).startswith(f.action))
    if f.record:
        conds.append(col(AuditEntry.record_ids).contains(json.dumps(str(f.record))))
    if f.since:
        conds.append(col(AuditEntry.at) >= dt.datetime.combine(f.since, dt.time(), dt.UTC))
    if f.until:
        conds.append(col(AuditEntry.at) < dt.datetime.combine(f.until + dt.timedelta(days=1), dt.time(), dt.UTC))
    return conds


def _row(e: AuditEntry) -> AuditRow:
    try:
        ids = [str(i) for i in json.loads(e.record_ids or "[]")]
    except ValueError:
        ids = [e.record_ids]
    return AuditRow(int(e.id or 0), e.at, e.business_date, e.operator, e.action, e.entity, ids, e.before, e.after)


def _page(uow: UnitOfWork, f: AuditFilter, after: int | None, before: int | None, offset: int | None,
          limit: int) -> list[AuditRow]:
    stmt = select(AuditEntry).where(*_where(f))
    if after is not None:
        stmt = stmt.where(col(AuditEntry.id) < after).order_by(col(AuditEntry.id).desc())
    elif before is not None:
        stmt = stmt.where(col(AuditEntry.id) > before).order_by(col(AuditEntry.id).asc())
    else:
        stmt = stmt.order_by(col(AuditEntry.id).desc()).offset(offset or 0)
    found = [_row(e) for e in uow.session.exec(stmt.limit(limit))]
    return found[::-1] if before is not None and after is None else found


def read_entries(uow: UnitOfWork, actor: Actor, f: AuditFilter | None = None, *, after: int | None = None,
                 before: int | None = None, offset: int | None = None, limit: int = 100) -> list[AuditRow]:
    """The audit trail as operators read it (the viewer and `recoup audit`), newest first.
    Supervisors and above: it shows who opened which account. One page: keyset on the entry id
    (after = older than, before = newer than), or an offset for a jump."""
    from core.security import require
    require(actor, "supervisor", "read the audit trail")
    return _page(uow, f or AuditFilter(), after, before, offset, limit)


def count_entries(uow: UnitOfWork, actor: Actor, f: AuditFilter | None = None) -> int:
    """How many entries pass the filter (the viewer's length). Supervisors and above."""
    from core.security import require
    require(actor, "supervisor", "read the audit trail")
    return int(uow.session.exec(select(func.count()).select_from(AuditEntry).where(*_where(f or AuditFilter())))
               .one())


def entries(uow: UnitOfWork, operator: str | None = None, action: str | None = None,
            record: str | None = None, since: dt.date | None = None, limit: int = 100) -> list[AuditRow]:
    """The same read without an operator's permission check, for the core's own checks and tests."""
    return _page(uow, AuditFilter(operator, action, record, since), None, None, None, limit)
