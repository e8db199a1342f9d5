"""The audit trail: append-only, each entry chained to the one before it and signed with a key
kept outside the database (HMAC-SHA256, SPEC 17).

Changing, deleting or re-ordering any entry breaks the chain from that entry on, and nobody
without the key file (core.audit_keys) can recompute it. The last entry of each commit also
vouches for the rows the commit added to the append-only tables (core.audit_cover), so rows
written, edited or deleted behind Recoup's back are caught too. Entries written before the chain
was keyed keep their plain SHA-256 hashes; the first keyed entry (a seal) closes them off, and
from it on an unkeyed entry is a forgery. A new key continues the chain through a hand-over entry
signed by both keys.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, text
from sqlmodel import col, func, select

from core import audit_cover, audit_keys
from core.models.audit import AuditEntry
from core.uow import UnitOfWork

if TYPE_CHECKING:   # core.security records its changes here, so the check is imported when called
    from core.security import Actor

GENESIS = "0" * 64
_QUEUE = "recoup.audit.pending"
SEAL = "audit.seal"
ROTATE = "audit.rotate_key"
COVER = "audit.cover"
UPGRADE = "audit.upgrade"
RESTARTS = (SEAL, ROTATE, UPGRADE)  # entries after which the chain vouches for every row afresh
COMMITTED_HEAD = "recoup.audit.committed_head"  # (id, hash) of the last entry this transaction wrote


def _canonical(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _payload(prev_hash: str, at: dt.datetime, business_date: dt.date | None, operator: str, action: str,
             entity: str, record_ids: str, before: str | None, after: str | None) -> list[Any]:
    return [prev_hash, at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            business_date.isoformat() if business_date else None, operator, action, entity, record_ids,
            before, after]


def entry_hash(prev_hash: str, at: dt.datetime, business_date: dt.date | None, operator: str,
               action: str, entity: str, record_ids: str, before: str | None,
               after: str | None) -> str:
    """The plain hash of an entry written before the chain was keyed (and checked as such)."""
    payload = json.dumps(_payload(prev_hash, at, business_date, operator, action, entity, record_ids,
                                  before, after), separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def entry_mac(key: bytes, e: AuditEntry) -> str:
    """The keyed hash of an entry: its content, the hash before it, its key id and what it covers."""
    payload = [*_payload(e.prev_hash, e.at, e.business_date, e.operator, e.action, e.entity, e.record_ids,
                         e.before, e.after), e.key_id, e.covers]
    return audit_keys.sign(key, json.dumps(payload, separators=(",", ":")))


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


def chain_step(uow: UnitOfWork) -> None:
    """Make sure the step that writes this transaction's entries is registered (a step registered
    after this call runs after the chain is written, and sees COMMITTED_HEAD)."""
    _pending(uow)


def begin_writing(uow: UnitOfWork) -> None:
    """Called by a writing unit of work at BEGIN: note where the covered tables stood, and make
    sure its commit vouches for whatever it adds or changes, with or without entries of its own.
    Which settings tables were changed since the last commit is judged before this transaction's
    own first write to one (`_note_foreign_settings`), or at its commit when it writes none."""
    audit_cover.remember_floors(uow)
    _pending(uow)
    audit_cover.watch_settings(uow, lambda conn: _note_foreign_settings(uow, conn))


def _head_row(conn: Connection) -> tuple[int, str | None, str | None] | None:
    """(id, key id, covers) of the newest entry that carries coverage, read on `conn` (inside
    another statement of the unit of work, so no ORM query)."""
    row = conn.execute(text("SELECT id, key_id, covers FROM audit_entry ORDER BY id DESC LIMIT 1")).first()
    if row is not None and row[2] is None:
        row = conn.execute(text("SELECT id, key_id, covers FROM audit_entry WHERE covers IS NOT NULL "
                                "ORDER BY id DESC LIMIT 1")).first()
    return None if row is None else (int(row[0]), row[1], row[2])


def _note_foreign_settings(uow: UnitOfWork, conn: Connection) -> None:
    """Just before this transaction first writes a settings table: which of them differ from what
    the chain's head committed (changed outside Recoup since)."""
    head = _head_row(conn)
    if head is None or head[1] is None:
        return
    try:
        key = audit_keys.load().get(str(head[1]))
    except audit_keys.KeyProblem:
        return  # a commit will refuse (core.audit_keys says why)
    audit_cover.note_foreign_settings(uow, key, audit_cover.parse_settings(head[2]), conn)
    if uow.dialect == "postgresql":  # a commit may have landed meanwhile: then no verdict
        again = _head_row(conn)
        if again is None or again[0] != head[0]:
            uow.session.info.pop(audit_cover.FOREIGN_SETTINGS, None)


def _head(uow: UnitOfWork) -> AuditEntry | None:
    return uow.session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(1)).first()


def _last_covering(uow: UnitOfWork) -> AuditEntry | None:
    """The newest entry that carries coverage: the head, but for a chain not keyed yet."""
    head = _head(uow)
    if head is None or head.covers is not None:
        return head
    return uow.session.exec(select(AuditEntry).where(col(AuditEntry.covers).is_not(None))
                            .order_by(col(AuditEntry.id).desc()).limit(1)).first()


def _covering(uow: UnitOfWork, below: int | None = None) -> Iterator[tuple[int, str]]:
    """(id, covers) of the entries that carry coverage, newest first, read a page at a time."""
    while True:
        stmt = select(AuditEntry.id, AuditEntry.covers).where(col(AuditEntry.covers).is_not(None))
        if below is not None:
            stmt = stmt.where(col(AuditEntry.id) < below)
        page = list(uow.session.exec(stmt.order_by(col(AuditEntry.id).desc()).limit(20)))
        if not page:
            return
        for eid, covers in page:
            yield int(eid or 0), str(covers)
        below = int(page[-1][0] or 0)


def _added_rows(uow: UnitOfWork, heads: dict[str, audit_cover.Range] | None) -> bool:
    tops = uow.session.execute(text("SELECT " + ", ".join(
        f"COALESCE((SELECT MAX(id) FROM {t}), 0)" for t in audit_cover.TABLES))).one()
    return any(int(top) > (heads[t].hi if heads and t in heads else 0)
               for t, top in zip(audit_cover.TABLES, tops, strict=True))


def _settings_moved(settings: dict[str, list[int]], covers: str | None) -> bool:
    was = audit_cover.parse_settings(covers) or {}
    return any(v[:2] != was.get(t, [0, 0])[:2] for t, v in settings.items())


def _append_pending(uow: UnitOfWork, queue: list[AuditEntry]) -> None:
    """Chain, sign and insert the queued entries, in the order they were recorded, under the lock
    that keeps the chain gap-free; the commit that follows releases it. The last one carries what
    this commit vouches for; a commit that added covered rows without an entry gets one."""
    uow.lock("audit")
    head = _head(uow)
    last = _last_covering(uow) if head is not None and head.covers is None else head
    covering = _covering(uow, below=last.id) if last is not None else iter(())
    heads = audit_cover.parse(last.covers, int(last.id or 0)) if last is not None else None
    keyed = head is not None and head.key_id is not None
    if not queue and head is None and not _added_rows(uow, heads) and not audit_cover.any_settings(uow):
        return  # nothing written yet, and no key file made for nothing
    ring = audit_keys.load(create=not keyed)
    kid = head.key_id if keyed and head is not None else ring.newest
    assert kid is not None
    settings = audit_cover.settings_digests(uow, ring.get(kid))
    audit_cover.note_foreign_at_commit(uow, settings, audit_cover.parse_settings(last.covers) if keyed and last
                                       else None)
    if not queue and keyed and not _added_rows(uow, heads) \
            and not _settings_moved(settings, last.covers if last is not None else None):
        return
    if head is not None and not keyed:
        queue.insert(0, _system_entry(uow, SEAL, {"plain_entries_before": head.id}))
    if not queue:
        queue.append(_system_entry(uow, COVER, {}))
    restart = any(e.action in RESTARTS for e in queue)
    prev = head.hash if head is not None else GENESIS
    for i, e in enumerate(queue):
        if e.action == ROTATE:
            kid = _hand_over(ring, e, prev, kid)
        e.prev_hash, e.key_id = prev, kid
        if i == len(queue) - 1:
            earlier = itertools.chain([heads] if heads else [], (audit_cover.parse(c, eid) for eid, c in covering))
            ranges = audit_cover.new_ranges(uow, ring.get(kid), heads, earlier, restart)
            if restart:  # a rotation signs them with the new key
                settings = audit_cover.settings_digests(uow, ring.get(kid))
            e.covers = audit_cover.dump(ranges, audit_cover.new_settings(uow, settings, restart))
        e.hash = prev = entry_mac(ring.get(kid), e)
        uow.session.add(e)
        uow.session.flush()  # one at a time: the id order is the chain order
        uow.session.info[COMMITTED_HEAD] = (int(e.id or 0), e.hash)
    queue.clear()


def _system_entry(uow: UnitOfWork, action: str, after: dict[str, Any]) -> AuditEntry:
    return AuditEntry(at=uow.now(), operator="recoup", action=action, entity="audit", record_ids="[]",
                      before=None, after=_canonical(after), prev_hash="", hash="")


def _hand_over(ring: audit_keys.KeyRing, e: AuditEntry, prev: str, old: str) -> str:
    """Fill a rotation entry: the new key's id, signed by the old key; returns the new key id."""
    new = json.loads(e.after or "{}")["to_key"]
    ring.get(new)
    e.after = _canonical({"from_key": old, "to_key": new,
                          "from_signature": audit_keys.sign(ring.get(old), f"hand-over:{prev}:{new}")})
    return str(new)


def rotate_key(uow: UnitOfWork, actor: Actor) -> str:
    """Continue the chain under a new key: added to the key file, then a hand-over entry signed
    by the old key and the new. Admins only. Returns the new key's id."""
    from core.security import require
    require(actor, "admin", "rotate the audit key")
    head = _head(uow)
    if head is None or head.key_id is None:
        audit_keys.load(create=True)
    new = audit_keys.add_key()
    record(uow, actor.name, ROTATE, "audit", [new], None, {"to_key": new})
    uow.commit()
    return new


def seal(uow: UnitOfWork, upgraded: bool = False) -> bool:
    """After `recoup init`: key the chain of a database written before it was keyed (the first
    keyed entry vouches for every entry and row before it); after a schema upgrade of a keyed
    one, vouch afresh for what the migrations changed (they write outside any unit of work).
    False when nothing was needed."""
    head = _head(uow)
    if head is None or (head.key_id is not None and not upgraded):
        return False
    if head.key_id is not None:
        queue = _pending(uow)
        queue.append(_system_entry(uow, UPGRADE, {}))
    else:
        _pending(uow)
    uow.commit()
    return True


# ----------------------------------------------------------------------------- checking the chain

@dataclass
class ChainReport:
    """What reading the whole chain found: its breaks, its head and the ranges it vouches for."""
    entries: int = 0
    problems: list[str] = field(default_factory=list)
    head_id: int | None = None
    head_hash: str | None = None
    keyed: bool = False
    key: bytes | None = None
    partition: audit_cover.Partition = field(default_factory=audit_cover.Partition)
    settings: list[tuple[int, dict[str, list[int]]]] = field(default_factory=list)  # (entry, snapshot)


def read_chain(uow: UnitOfWork) -> ChainReport:
    """Check every entry in id order (streamed): chained, signed by the chain's key, hand-overs
    signed by both keys, nothing unkeyed after the seal. Without the key file it says so."""
    report = ChainReport()
    try:
        ring: audit_keys.KeyRing | None = audit_keys.load()
    except audit_keys.KeyProblem as exc:
        ring = None
        report.problems.append(f"the chain cannot be checked: {exc.message}")
    prev, current = GENESIS, None
    stmt = select(AuditEntry).order_by(col(AuditEntry.id))
    for e in uow.session.exec(stmt.execution_options(yield_per=2000)):
        report.entries += 1
        if e.prev_hash != prev:
            report.problems.append(f"audit entry {e.id}: does not follow the entry before it (deleted or re-ordered)")
        if e.key_id is None:
            if current is not None:
                report.problems.append(f"audit entry {e.id}: not signed with the audit key after the chain was "
                                       "keyed (written or rewritten by someone without the key)")
            elif entry_hash(e.prev_hash, e.at, e.business_date, e.operator, e.action, e.entity,
                            e.record_ids, e.before, e.after) != e.hash:
                report.problems.append(f"audit entry {e.id}: its content was changed after it was written")
        elif ring is not None:
            current = _check_signed(ring, e, prev, current, report.problems)
            snapshot = audit_cover.parse_settings(e.covers)
            if snapshot is not None:
                report.settings.append((int(e.id or 0), snapshot))
            for table, r in audit_cover.parse(e.covers, int(e.id or 0)).items():
                overlap = report.partition.add(table, r)
                if overlap:
                    report.problems.append(overlap)
        prev = e.hash
        report.head_id, report.head_hash = e.id, e.hash
    if report.entries and current is None and ring is not None:
        report.problems.append("the audit chain is not keyed yet, so it cannot be proved intact: run "
                               "'recoup init' to seal it with the audit key")
    report.keyed = current is not None
    if ring is not None and current is not None and current in ring.keys:
        report.key = ring.keys[current]
    return report


def _check_signed(ring: audit_keys.KeyRing, e: AuditEntry, prev: str, current: str | None,
                  problems: list[str]) -> str | None:
    key = ring.keys.get(str(e.key_id))
    if key is None:
        problems.append(f"audit entry {e.id}: signed by key {e.key_id}, which is not in the key file "
                        f"{ring.path}")
        return current
    if entry_mac(key, e) != e.hash:
        problems.append(f"audit entry {e.id}: its content was changed after it was written (its signature "
                        "does not match: changed, or written by someone without the audit key)")
    if e.action == ROTATE:
        _check_hand_over(ring, e, prev, current, problems)
    elif current is not None and e.key_id != current:
        problems.append(f"audit entry {e.id}: signed by another key than the entry before it, with no hand-over")
    return str(e.key_id)


def _check_hand_over(ring: audit_keys.KeyRing, e: AuditEntry, prev: str, current: str | None,
                     problems: list[str]) -> None:
    after = json.loads(e.after or "{}")
    old = ring.keys.get(str(after.get("from_key")))
    signed = old is not None and audit_keys.sign(old, f"hand-over:{prev}:{e.key_id}") == after.get("from_signature")
    if not signed or after.get("to_key") != e.key_id or (current is not None and after.get("from_key") != current):
        problems.append(f"audit entry {e.id}: a key hand-over not signed by the key it hands over from")


# ------------------------------------------------------------------------- anchors outside the database

ANCHOR_TAG = "recoup-audit-anchor"


@dataclass(frozen=True)
class Anchor:
    """The chain's head at a moment, kept where the database's administrators cannot write: a
    chain cut back below it, or rewritten, no longer reaches it."""
    entry_id: int
    hash: str
    at: dt.datetime

    def line(self) -> str:
        return f"{ANCHOR_TAG} entry={self.entry_id} hash={self.hash} at={self.at.isoformat(timespec='seconds')}"


def anchor(uow: UnitOfWork) -> Anchor:
    """The current head of the chain (the chain is sealed first if it is not keyed yet)."""
    head = _head(uow)
    if head is None or head.key_id is None:
        _pending(uow)
        uow.commit()
        head = _head(uow)
    if head is None:
        from core.errors import Refused
        raise Refused("the audit trail is empty: there is nothing to anchor yet")
    return Anchor(int(head.id or 0), head.hash, uow.now())


def parse_anchors(lines: Iterable[str], source: str) -> list[Anchor]:
    """The anchors of an anchor file, one a line; anything else is one clear error naming the line."""
    from core.errors import BadInput
    found: list[Anchor] = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        parts = dict(p.split("=", 1) for p in line.split()[1:] if "=" in p)
        try:
            if not line.startswith(ANCHOR_TAG):
                raise ValueError
            found.append(Anchor(int(parts["entry"]), parts["hash"], dt.datetime.fromisoformat(parts["at"])))
        except (KeyError, ValueError):
            raise BadInput(f"{source}:{n}: not an audit anchor line (as written by 'recoup audit anchor')",
                           field="anchor") from None
    if not found:
        raise BadInput(f"{source}: holds no audit anchor", field="anchor")
    return found


def check_anchors(uow: UnitOfWork, anchors: list[Anchor]) -> Iterator[str]:
    """Each anchor's entry is still in the chain with the same hash."""
    for a in anchors:
        e = uow.session.get(AuditEntry, a.entry_id)
        if e is None:
            yield (f"anchor of {a.at:%Y-%m-%d %H:%M}: audit entry {a.entry_id} is gone (the chain was cut back "
                   "or deleted)")
        elif e.hash != a.hash:
            yield (f"anchor of {a.at:%Y-%m-%d %H:%M}: audit entry {a.entry_id} has another hash (the chain was "
                   "rewritten)")


def verify_chain(uow: UnitOfWork) -> Iterator[str]:
    """Every break in the chain, as a sentence naming the entry."""
    yield from read_chain(uow).problems


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
