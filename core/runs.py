"""Batch-run claims: one run per practice, kind and business date, on SQLite and PostgreSQL.

A run first claims its date by inserting a `run_lock` row in a short transaction of its own and
committing it, so every other process sees "running" at once. The unique key (practice, kind,
date) makes a second claim fail whatever the database: INSERT ... ON CONFLICT DO NOTHING inserts
nothing and the caller is told why (already running, by whom, since when; or already done). On
PostgreSQL the claim also holds the advisory lock for its transaction, so two claimers queue
instead of racing. When the run ends the row is closed with its outcome and counts; a failed run
may be claimed again (the batches themselves are idempotent per business date), and a claim left
"running" by a process that died can be taken over when the caller says its holder is gone.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.errors import Refused
from core.sql import as_date, q
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


def claim(uow: UnitOfWork, practice_id: int, kind: str, as_of: dt.date, holder: str,
          holder_gone: Callable[[str], bool] = lambda h: False) -> Claim:
    """Claim the run and commit the claim. Raises AlreadyDone / AlreadyRunning (both Refused)."""
    key = {"p": practice_id, "k": kind, "d": as_of}
    uow.lock(f"run:{kind}:{practice_id}:{as_of.isoformat()}")
    now = uow.now()
    inserted = uow.session.execute(q(
        "INSERT INTO run_lock (practice_id, kind, business_date, holder, started_at, outcome) "
        "VALUES (:p, :k, :d, :h, :now, 'running') ON CONFLICT DO NOTHING",
        {**key, "h": holder, "now": now})).rowcount
    if not inserted:
        _take_over(uow, key, holder, now, holder_gone)
    row_id = uow.session.execute(q("SELECT id FROM run_lock WHERE practice_id = :p AND kind = :k "
                                   "AND business_date = :d", key)).scalar_one()
    uow.commit()
    return Claim(int(row_id), practice_id, kind, as_of, holder)


def _take_over(uow: UnitOfWork, key: dict[str, Any], holder: str, now: dt.datetime,
               holder_gone: Callable[[str], bool]) -> None:
    row = uow.session.execute(q("SELECT holder, started_at, outcome FROM run_lock WHERE practice_id = :p "
                                "AND kind = :k AND business_date = :d", key)).one()
    old, started, outcome = row[0], row[1], row[2]
    what = f"the {key['k']} run of {as_date(key['d'])}"
    if outcome == "done":
        raise AlreadyDone(f"{what} is already done (by {old})")
    if outcome == "running" and not holder_gone(old):
        raise AlreadyRunning(f"{what} is already running (by {old}, since {str(started)[:19]})")
    taken = uow.session.execute(q(
        "UPDATE run_lock SET holder = :h, started_at = :now, ended_at = NULL, outcome = 'running', "
        "summary = NULL WHERE practice_id = :p AND kind = :k AND business_date = :d AND holder = :old "
        "AND outcome = :outcome", {**key, "h": holder, "now": now, "old": old, "outcome": outcome})).rowcount
    if not taken:
        raise AlreadyRunning(f"{what} was just claimed by another process")


def finish(uow: UnitOfWork, c: Claim, outcome: str, summary: dict[str, Any]) -> None:
    """Close the claim with its outcome ("done" or "failed") and counts (never patient data)."""
    uow.session.execute(q("UPDATE run_lock SET ended_at = :now, outcome = :o, summary = :s "
                          "WHERE id = :id AND holder = :h",
                          {"now": uow.now(), "o": outcome, "s": json.dumps(summary, sort_keys=True, default=str),
                           "id": c.id, "h": c.holder}))
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
    where, params = ["1 = 1"], {}
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


def schedules(uow: UnitOfWork, external_at: Any) -> list[Any]:
    """Each practice's nightly batches and their local times: the external run (practices with
    external collections on, at `external_at`) and the roster population (roster on and
    automatic population on, at the settings' time; the pre-loaded default is 02:00)."""
    from core.worker import Schedule, parse_time
    rows = uow.session.execute(q(
        "SELECT p.id, p.source_id, p.external_on, p.roster_on, s.auto_populate, s.auto_time "
        "FROM practice p LEFT JOIN roster_settings s ON s.practice_id = p.id ORDER BY p.source_id"))
    out: list[Schedule] = []
    for pid, source, external_on, roster_on, auto, at in rows:
        if external_on:
            out.append(Schedule(int(pid), source, "external", external_at))
        if roster_on and (auto is None or auto):
            out.append(Schedule(int(pid), source, "roster", parse_time(at or "02:00", "auto_time")))
    return out


def done_dates(uow: UnitOfWork, since: dt.date) -> dict[tuple[int, str], set[dt.date]]:
    """Business dates recorded as done, per (practice, kind), from `since` on."""
    found: dict[tuple[int, str], set[dt.date]] = {}
    for r in recorded(uow, since=since):
        if r.outcome == "done":
            found.setdefault((r.practice_id, r.kind), set()).add(r.business_date)
    return found
