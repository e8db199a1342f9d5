"""Batch-run claims: one run per practice, kind and business date, on SQLite and PostgreSQL.

A run first claims its date in a short transaction of its own and commits it, so every other
process sees "running" at once. The unique key (practice, kind, date) makes a second claim fail
whatever the database: one atomic INSERT ... ON CONFLICT DO UPDATE ... WHERE ... RETURNING either
inserts the claim, takes over one that may be taken over (failed, or running with its lease
passed), or returns nothing, and the caller is told why (already running, by whom, since when; or
already done). On PostgreSQL the claim also holds the advisory lock for its transaction, so two
claimers of one practice queue instead of racing (the row lock of the upsert alone would do; the
advisory lock also orders the "earlier date still running" check); on SQLite the write lock
serialises claims. When the run ends the row is closed with its outcome and counts; a failed run
may be claimed again (the batches themselves are idempotent per business date).

Leases (the nightly across worker processes, on one host or several): a worker claims with a lease
(`lease_until` = now + lease) and renews it while it works (`renew`, from a heartbeat of its own).
Its batch's transaction first holds the claim (`hold`: on PostgreSQL SELECT ... FOR UPDATE of the
claim's row, on SQLite the write lock it already has) and, as it commits, closes it "done" in the
same transaction (`fence`). A claimer on PostgreSQL looks at the row with FOR UPDATE SKIP LOCKED, so
a batch that is alive (its transaction holds the row) is refused at once, whatever its lease says,
and nobody waits on it. A claim left "running" with nobody holding it is taken over when its lease
has passed (a worker killed, a host lost), or, for claims without a lease (an operator's run), when
its holder's process on this machine is gone. A worker that finds its claim taken over (it stalled
past its lease between transactions) gets LeaseLost and its transaction is rolled back, so a
practice's business date is never written by two workers, and no moment exists in which a batch is
committed but its claim still open. Every time comes from the unit of work's clock (`uow.now()`,
injected), never from the database's or the process's own clock.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, TypeVar

from core import anchors
from core.errors import Refused
from core.sql import as_date, q, rowcount
from core.uow import UnitOfWork


@dataclass(frozen=True)
class Claim:
    id: int
    practice_id: int
    kind: str
    business_date: dt.date
    holder: str


class AlreadyDone(Refused):
    """The run for this practice, kind and date is already recorded as done."""


class AlreadyRunning(Refused):
    """Another process holds the claim and is (as far as we know) still running it."""


class EarlierRunning(AlreadyRunning):
    """An earlier business date of the same practice and kind is still being run by another
    process. Business dates go forward, so this date must wait for it: the worker leaves the
    practice to that process for this pass, the command line waits for it (`claimed`)."""


class Full(Refused):
    """The workers' limit of batches running at once in the database is reached (`claim`'s
    `slots`): nothing was claimed; the worker waits for a batch to end and claims again."""


class LeaseLost(Refused):
    """The claim was taken over by another worker (its lease had passed) while this one worked:
    this worker's transaction is rolled back and the other finishes the run."""


class DateBehind(Refused):
    """A batch for a business date earlier than the latest committed batch of its kind and
    practice (SPEC 14, "business dates go forward"): refused before anything is written."""

    def __init__(self, message: str, as_of: dt.date, latest: dt.date) -> None:
        super().__init__(message)
        self.as_of = as_of
        self.latest = latest


def latest_business_date(uow: UnitOfWork, table: str, where: str, params: dict[str, Any],
                         column: str = "business_date") -> dt.date | None:
    """The latest business date of a workflow's committed batches: MAX(column) of `table` over
    `where` (each workflow names its own table and condition, served by its practice index)."""
    found = uow.session.execute(q(f"SELECT MAX({column}) FROM {table} WHERE {where}", params)).scalar_one()
    return as_date(found)


def refuse_earlier(batch: str, as_of: dt.date, latest: dt.date | None, of: str = "this practice") -> None:
    """Business dates go forward: a batch (named as the operator knows it, e.g. "Populate Collection
    Roster") for a date before `latest`, the business date of the latest committed batch of the
    same kind and practice (`of`: "practice P1"), is refused (DateBehind, exit 4) naming that date.
    The same date again is allowed: every batch is idempotent per business date."""
    if latest is not None and as_of < latest:
        raise DateBehind(f"{batch} for {as_of.isoformat()} refused: the latest one of {of} is dated "
                         f"{latest.isoformat()} and business dates go forward (run it for that date or later)",
                         as_of, latest)


T = TypeVar("T")
UowFactory = Callable[..., AbstractContextManager[UnitOfWork]]   # uow(write=True) -> a unit of work


def process_holder(login: str | None = None) -> str:
    """Who holds a claim: host:pid for the worker, operator@host:pid for an operator's run (the
    command line or a screen), so `holder_gone` can tell whether its process still exists."""
    me = f"{socket.gethostname()}:{os.getpid()}"
    return f"{login}@{me}" if login else me


def holder_gone(holder: str) -> bool:
    """A claim left running by a process of this machine that no longer exists may be taken over;
    a holder on another machine is never presumed gone."""
    host, _, pid = holder.rpartition(":")
    host = host.rpartition("@")[2]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def run_claimed(uow: UowFactory, practice_id: int, kind: str, as_of: dt.date, holder: str,
                batch: Callable[[UnitOfWork], T], record: Callable[[T], dict[str, Any]],
                started: Callable[[Claim], None] | None = None,
                gone: Callable[[str], bool] = holder_gone, lease: dt.timedelta | None = None,
                slots: int = 0) -> T:
    """Run one practice's batch for a business date under its claim: the one use case the worker,
    the command line and the screens share, so no two processes run the same date twice.

    The claim commits first (raises AlreadyDone / AlreadyRunning, both Refused, saying by whom and
    since when, before anything runs); `started` is told once it is held; `batch` runs in a write
    unit of work of its own; the claim is closed "done" with `record(result)` (counts, never
    patient data), or "failed" with the error's name when the batch raises (then re-raised; a
    failed date may be claimed again). A batch refused because its date is behind the latest
    committed one (DateBehind) ran nothing: its claim is withdrawn, and the refusal re-raised.

    With a `lease` (the worker) the claim is a lease: the batch's transaction holds it (`hold`:
    locks its row, so on PostgreSQL a live batch is never taken over, and refuses at once one that
    was taken over already) and fences it (`fence`: closes it "done" as it commits; LeaseLost and a
    rollback if it was taken over meanwhile)."""
    with uow(write=True) as u:
        held = claim(u, practice_id, kind, as_of, holder, gone, lease, slots)
    try:
        if started is not None:
            started(held)
        with uow(write=True) as u:
            anchors.after_batch(u)  # the chain's head, to a file outside the database, once it commits
            if lease is not None:
                hold(u, held)
                u.before_commit(lambda: fence(u, held))
            result = batch(u)
    except DateBehind:
        with uow(write=True) as u:
            withdraw(u, held)
        raise
    except BaseException as exc:
        with uow(write=True) as u:
            finish(u, held, "failed", {"error": type(exc).__name__,
                                       "message": str(getattr(exc, "message", exc))[:500]})
        raise
    with uow(write=True) as u:
        finish(u, held, "done", record(result))
    return result


def running(uow: UnitOfWork, practice_id: int, kind: str, as_of: dt.date) -> RunRecord | None:
    """The claim running now for this practice, batch and business date, if any (whoever holds it)."""
    found = [r for r in recorded(uow, practice_id, kind, as_of)
             if r.business_date == as_of and r.outcome == "running"]
    return found[0] if found else None


def claim(uow: UnitOfWork, practice_id: int, kind: str, as_of: dt.date, holder: str,
          holder_gone: Callable[[str], bool] = lambda h: False, lease: dt.timedelta | None = None,
          slots: int = 0) -> Claim:
    """Claim the run and commit the claim. Raises AlreadyDone / AlreadyRunning (both Refused), or
    Full when `slots` (0: no limit) batches already run in the database.

    One atomic statement inserts the claim, or takes over a failed one or a running one whose
    lease has passed (at `uow.now()`); when it changes nothing the row says why, and a running
    claim whose holder's process is gone (`holder_gone`) is taken over there."""
    now = uow.now()
    key = {"p": practice_id, "k": kind, "d": as_of, "now": now}
    uow.lock(f"run:{kind}:{practice_id}")  # one claimer at a time per practice and kind: dates go in order
    _refuse_while_earlier_runs(uow, key, holder_gone)
    _refuse_while_held(uow, key)
    if slots:
        _refuse_when_full(uow, key, slots)
    until = now + lease if lease is not None else None
    got = uow.session.execute(q(
        "INSERT INTO run_lock (practice_id, kind, business_date, holder, started_at, outcome, lease_until) "
        "VALUES (:p, :k, :d, :h, :now, 'running', :until) "
        "ON CONFLICT (practice_id, kind, business_date) DO UPDATE SET holder = excluded.holder, "
        "started_at = excluded.started_at, ended_at = NULL, outcome = 'running', summary = NULL, "
        "lease_until = excluded.lease_until "
        "WHERE run_lock.outcome = 'failed' OR (run_lock.outcome = 'running' AND run_lock.lease_until IS NOT NULL "
        "AND run_lock.lease_until < :now) "
        "RETURNING id", {**key, "h": holder, "until": until})).first()
    row_id = int(got[0]) if got is not None else _take_over(uow, key, holder, until, holder_gone)
    uow.commit()
    return Claim(row_id, practice_id, kind, as_of, holder)


def _refuse_while_held(uow: UnitOfWork, key: dict[str, Any]) -> None:
    """PostgreSQL: a worker's batch holds its claim's row locked for as long as its transaction
    lives (`hold`), which proves it alive whatever its lease says. SELECT ... FOR UPDATE SKIP
    LOCKED takes the row (so the statement below never waits on it) or, when a live batch holds
    it, finds it locked: refused at once, without waiting for that batch. (SQLite: a live batch
    holds the database's write lock, so no claim gets this far while it runs.)"""
    if uow.dialect != "postgresql":
        return
    where = "practice_id = :p AND kind = :k AND business_date = :d"
    if uow.session.execute(q(f"SELECT id FROM run_lock WHERE {where} FOR UPDATE SKIP LOCKED", key)).first():
        return
    row = uow.session.execute(q(f"SELECT holder, started_at FROM run_lock WHERE {where}", key)).first()
    if row is not None:
        raise AlreadyRunning(f"the {key['k']} run of {as_date(key['d'])} is being run right now (by {row[0]}, "
                             f"since {str(row[1])[:19]})")


def _refuse_when_full(uow: UnitOfWork, key: dict[str, Any], slots: int) -> None:
    """At most `slots` batches at once in the database, whichever workers run them: past the
    database server's cores, more batches at once only share them and contend for its WAL and
    buffers, and the nightly takes longer than with fewer (bench/workers.py measures it). Claimers
    with a limit count and claim one at a time (a lock taken after the practice's, so in one
    order); a running claim whose lease has passed holds no slot (it is free to be taken over)."""
    uow.lock("run:slots")
    live = int(uow.session.execute(q(f"SELECT COUNT(*) FROM run_lock WHERE outcome = 'running' AND NOT ({EXPIRED})",
                                     key)).scalar_one())
    if live >= slots:
        raise Full(f"{live} batches are running and the workers' limit is {slots} at once; "
                   f"the {key['k']} run of {as_date(key['d'])} waits for one to end")


def hold(uow: UnitOfWork, c: Claim) -> None:
    """At the start of the batch's transaction: lock the claim's row until the transaction ends
    (PostgreSQL; on SQLite the write lock does it), after making sure it is still ours — a worker
    that stalled between its claim and its batch for longer than its lease finds it taken over
    (LeaseLost) before doing any work."""
    lock = " FOR UPDATE" if uow.dialect == "postgresql" else ""
    if uow.session.execute(q(f"SELECT id FROM run_lock WHERE id = :id AND holder = :h AND outcome = 'running'{lock}",
                             {"id": c.id, "h": c.holder})).first() is None:
        raise _lost(c)


def _lost(c: Claim) -> LeaseLost:
    return LeaseLost(f"the {c.kind} run of {c.business_date.isoformat()} was taken over by another worker "
                     "after this one's lease passed; this worker's work on it is rolled back")


# A running claim whose lease has passed (claims without a lease never expire: see holder_gone).
EXPIRED = "outcome = 'running' AND lease_until IS NOT NULL AND lease_until < :now"


def renew(uow: UnitOfWork, c: Claim, lease: dt.timedelta) -> bool:
    """Extend the claim's lease to now + `lease` and commit; False when it is no longer this
    holder's running claim (taken over after its lease passed, or already closed). On PostgreSQL a
    row its own batch holds locked is left as it is (the lock proves the worker alive) rather than
    waited for. Writes nothing audited: a unit of work that does not write the audit chain will do
    (so a renewal never waits on the chain's lock while the batch it renews for holds it)."""
    skip = " FOR UPDATE SKIP LOCKED" if uow.dialect == "postgresql" else ""
    params = {"until": uow.now() + lease, "id": c.id, "h": c.holder}
    mine = "id = :id AND holder = :h AND outcome = 'running'"
    held = rowcount(uow.session.execute(q(
        f"UPDATE run_lock SET lease_until = :until WHERE id IN (SELECT id FROM run_lock WHERE {mine}{skip})",
        params))) == 1
    if not held and skip:
        held = uow.session.execute(q(f"SELECT id FROM run_lock WHERE {mine}", params)).first() is not None
    uow.commit()
    return held


def fence(uow: UnitOfWork, c: Claim) -> None:
    """In the batch's own transaction, as it commits: close the claim "done" there and then, or
    raise LeaseLost when it is no longer ours (another worker took it over after our lease passed;
    the batch is rolled back). The batch's writes and the end of its claim commit together, so no
    moment exists in which the work is committed and the claim still open for a take-over; the
    counts are added just after (`finish`)."""
    closed = rowcount(uow.session.execute(q(
        "UPDATE run_lock SET outcome = 'done', ended_at = :now WHERE id = :id AND holder = :h "
        "AND outcome = 'running'", {"now": uow.now(), "id": c.id, "h": c.holder})))
    if closed != 1:
        raise _lost(c)


def _refuse_while_earlier_runs(uow: UnitOfWork, key: dict[str, Any], holder_gone: Callable[[str], bool]) -> None:
    """No run for date D while another process still runs an earlier date of the same practice and
    kind: business dates go forward (SPEC 14), so D finishing first would leave the earlier date
    refused for ever. Two catching-up processes (the worker and a manual nightly) then take turns
    instead of skipping a night (EarlierRunning: the command line waits for it, the worker leaves
    the practice to that process)."""
    row = uow.session.execute(q("SELECT business_date, holder, started_at FROM run_lock WHERE practice_id = :p "
                                "AND kind = :k AND outcome = 'running' AND business_date < :d "
                                f"AND NOT ({EXPIRED}) ORDER BY business_date LIMIT 1", key)).first()
    if row is not None and not holder_gone(str(row[1])):
        raise EarlierRunning(f"the {key['k']} run of {as_date(row[0])} is still running (by {row[1]}, since "
                             f"{str(row[2])[:19]}); the run of {as_date(key['d'])} waits for it")


def _take_over(uow: UnitOfWork, key: dict[str, Any], holder: str, until: dt.datetime | None,
               holder_gone: Callable[[str], bool]) -> int:
    """The claim the atomic statement did not take: done, or running and still held (refused),
    or running by a process of this machine that is gone (taken over here). Returns its id."""
    row = uow.session.execute(q("SELECT id, holder, started_at, outcome, lease_until FROM run_lock "
                                "WHERE practice_id = :p AND kind = :k AND business_date = :d", key)).one()
    row_id, old, started, outcome, lease_until = int(row[0]), row[1], row[2], row[3], row[4]
    what = f"the {key['k']} run of {as_date(key['d'])}"
    if outcome == "done":
        raise AlreadyDone(f"{what} is already done (by {old})")
    if not holder_gone(old):
        lease = f"; its lease runs to {str(lease_until)[:19]}" if lease_until is not None else ""
        raise AlreadyRunning(f"{what} is already running (by {old}, since {str(started)[:19]}{lease})")
    taken = rowcount(uow.session.execute(q(
        "UPDATE run_lock SET holder = :h, started_at = :now, ended_at = NULL, outcome = 'running', "
        "summary = NULL, lease_until = :until WHERE id = :id AND holder = :old AND outcome = 'running'",
        {**key, "id": row_id, "h": holder, "until": until, "old": old})))
    if not taken:
        raise AlreadyRunning(f"{what} was just claimed by another process")
    return row_id


def finish(uow: UnitOfWork, c: Claim, outcome: str, summary: dict[str, Any]) -> None:
    """Close the claim with its outcome ("done" or "failed") and counts (never patient data)."""
    uow.session.execute(q("UPDATE run_lock SET ended_at = :now, outcome = :o, summary = :s "
                          "WHERE id = :id AND holder = :h",
                          {"now": uow.now(), "o": outcome, "s": json.dumps(summary, sort_keys=True, default=str),
                           "id": c.id, "h": c.holder}))
    uow.commit()


def withdraw(uow: UnitOfWork, c: Claim) -> None:
    """Remove a claim whose batch was refused before it wrote anything (a date behind the latest)."""
    uow.session.execute(q("DELETE FROM run_lock WHERE id = :id AND holder = :h AND outcome = 'running'",
                          {"id": c.id, "h": c.holder}))
    uow.commit()


@dataclass(frozen=True)
class RunRecord:
    practice_id: int
    kind: str
    business_date: dt.date
    outcome: str
    holder: str
    started_at: Any
    ended_at: Any
    summary: str | None


def recorded(uow: UnitOfWork, practice_id: int | None = None, kind: str | None = None,
             since: dt.date | None = None) -> list[RunRecord]:
    """The recorded runs, oldest business date first (what the worker derives "due" from)."""
    where: list[str] = ["1 = 1"]
    params: dict[str, Any] = {}
    if practice_id is not None:
        where.append("practice_id = :p")
        params["p"] = practice_id
    if kind is not None:
        where.append("kind = :k")
        params["k"] = kind
    if since is not None:
        where.append("business_date >= :since")
        params["since"] = since
    rows = uow.session.execute(q("SELECT practice_id, kind, business_date, outcome, holder, started_at, ended_at, "
                                 f"summary FROM run_lock WHERE {' AND '.join(where)} ORDER BY business_date, id",
                                 params))
    return [RunRecord(int(r[0]), r[1], as_date(r[2]) or dt.date.min, r[3], r[4], r[5], r[6], r[7]) for r in rows]


def schedules(uow: UnitOfWork, external_at: dt.time) -> list[Any]:
    """Each practice's nightly batches and their local times, built on practices.due_practices:
    the external run at `external_at`, the roster population at its settings' time."""
    from core.practices import BATCH_KINDS, due_practices
    from core.worker import Schedule, parse_time
    found = [p for kind in BATCH_KINDS for p in due_practices(uow, kind)]
    found.sort(key=lambda p: (p.source_id, BATCH_KINDS.index(p.kind)))
    return [Schedule(p.id, p.source_id, p.kind,
                     external_at if p.kind == "external" else parse_time(p.auto_time or "02:00", "auto_time"))
            for p in found]


def done_dates(uow: UnitOfWork, since: dt.date) -> dict[tuple[int, str], set[dt.date]]:
    """Business dates recorded as done, per (practice, kind), from `since` on."""
    found: dict[tuple[int, str], set[dt.date]] = {}
    for r in recorded(uow, since=since):
        if r.outcome == "done":
            found.setdefault((r.practice_id, r.kind), set()).add(r.business_date)
    return found
