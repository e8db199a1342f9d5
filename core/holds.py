"""Holds (SPEC 14): place, release and list pauses on collecting a guarantor or one encounter.

A hold is a kernel rule, not a workflow's: every workflow, explain and verify ask the eligibility
module whether a line is held, and that module reads the tables written here. Holds are
append-only: placing writes a hold, ending early writes a release; nothing is edited or deleted.

Dates are inclusive: a hold from 1 March to 10 March holds ten days. A release on day R makes R
the first day that is no longer held, so a hold's last held day is the earlier of its end date
and R - 1 (`effective_end`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, or_, select

from core import audit
from core.errors import BadInput, Refused
from core.limits import ENDING_WITHIN
from core.models.base import saved_id
from core.models.holds import HOLD_KINDS, Hold, HoldRelease
from core.models.ledger import Encounter, Guarantor, Practice
from core.practices import find_account
from core.security import Actor, require
from core.uow import UnitOfWork

COLLECTOR_KINDS = ("dispute", "promise")  # what a collector may place and release
COLLECTOR_MAX_DAYS = 30                   # and for at most this many days
BACKDATE_DAYS = 30                        # further back than this needs a supervisor
REASON_MAX = 500


@dataclass(frozen=True)
class HoldRow:
    """One hold as lists and explain show it."""
    id: int
    kind: str
    guarantor_id: int
    guarantor: str
    encounter: str | None
    start: dt.date
    end: dt.date | None           # the last held day, after any release
    released_on: dt.date | None
    reason: str
    operator: str
    state: str                    # scheduled, active or ended on the business date


def effective_end(end: dt.date | None, released_on: dt.date | None) -> dt.date | None:
    """The last held day: the end date, cut short by a release."""
    if released_on is None:
        return end
    cut = released_on - dt.timedelta(days=1)
    return cut if end is None or cut < end else end


def state_on(start: dt.date, last: dt.date | None, as_of: dt.date) -> str:
    if as_of < start:
        return "scheduled"
    return "ended" if last is not None and last < as_of else "active"


def held_days(spans: list[tuple[dt.date, dt.date | None]], after: dt.date, through: dt.date) -> int:
    """Days in (after, through] covered by any of the spans (start, last held day or None).

    An age is days from its anchor to the business date, so the anchor day itself never counts;
    overlapping spans (a guarantor hold and an encounter hold) count each day once.
    """
    days: set[dt.date] = set()
    for start, last in spans:
        lo = max(start, after + dt.timedelta(days=1))
        hi = through if last is None else min(last, through)
        days.update(lo + dt.timedelta(days=i) for i in range((hi - lo).days + 1))
    return len(days)


# ------------------------------------------------------------------------------------ placing

def _check_role(actor: Actor, kind: str, start: dt.date, end: dt.date | None, as_of: dt.date) -> None:
    """Collectors: dispute and promise holds of at most 30 days, back-dated at most 30 days."""
    if actor.can("supervisor"):
        return
    require(actor, "collector", "place holds")
    if kind not in COLLECTOR_KINDS:
        raise Refused(f"{actor.name} ({actor.role}) may not place a {kind} hold: it needs the supervisor role")
    if end is None or (end - start).days + 1 > COLLECTOR_MAX_DAYS:
        raise Refused(f"{actor.name} ({actor.role}) may place holds of at most {COLLECTOR_MAX_DAYS} days "
                      "with an end date: a longer hold needs the supervisor role")
    if start < as_of - dt.timedelta(days=BACKDATE_DAYS):
        raise Refused(f"{actor.name} ({actor.role}) may back-date a hold at most {BACKDATE_DAYS} days "
                      f"(to {as_of - dt.timedelta(days=BACKDATE_DAYS)}): an earlier start needs the supervisor role")


def _check_fields(kind: str, start: dt.date, end: dt.date | None, reason: str) -> str:
    problems = []
    if kind not in HOLD_KINDS:
        problems.append(f"kind: {kind!r} is not a hold kind (one of: {', '.join(HOLD_KINDS)})")
    if end is not None and end < start:
        problems.append(f"end: {end} is before the start {start}")
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX:
        problems.append(f"reason: a hold needs a reason of 1-{REASON_MAX} characters")
    if problems:
        raise BadInput("; ".join(problems), field=problems[0].split(":")[0], problems=problems)
    return reason


def _overlapping(g: Guarantor, e: Encounter | None) -> list[Any]:
    """The holds a new one may not overlap: a guarantor hold covers every encounter of the
    guarantor, so it may overlap none of the guarantor's holds, and an encounter hold none of its
    guarantor's holds nor another hold of the encounter. Held days then never count twice."""
    cond = [col(Hold.guarantor_id) == g.id]
    if e is not None:
        cond.append(or_(col(Hold.encounter_id).is_(None), col(Hold.encounter_id) == e.id))
    return cond


def _check_overlap(uow: UnitOfWork, g: Guarantor, e: Encounter | None, start: dt.date, end: dt.date | None) -> None:
    rows = uow.session.exec(select(Hold, col(HoldRelease.released_on))
                            .join(HoldRelease, col(HoldRelease.hold_id) == col(Hold.id), isouter=True)
                            .where(*_overlapping(g, e)).order_by(col(Hold.start_date))).all()
    for h, released in rows:
        last = effective_end(h.end_date, released)
        if last is not None and last < h.start_date:
            continue  # released before it began: it holds no day
        if (last is None or start <= last) and (end is None or h.start_date <= end):
            until = "until released" if last is None else f"to {last}"
            on = "the guarantor" if h.encounter_id is None else "an encounter of the guarantor"
            raise BadInput(f"start: overlaps hold {h.id} ({h.kind}, {h.start_date} {until}) on {on}", field="start")


def place_hold(uow: UnitOfWork, actor: Actor, practice_id: int, kind: str, reason: str, as_of: dt.date, *,
               guarantor: str | None = None, encounter: str | None = None, start: dt.date | None = None,
               end: dt.date | None = None) -> HoldRow:
    """Place a hold on a guarantor (every line) or one encounter, starting `start` (default: as_of)."""
    require(actor, "collector", "place holds")
    start = start or as_of
    reason = _check_fields(kind, start, end, reason)
    practice = uow.session.get(Practice, practice_id)
    if practice is None:
        raise BadInput(f"practice: no practice with id {practice_id}", field="practice")
    g, e = find_account(uow, practice, guarantor, encounter)
    assert practice.id is not None and g.id is not None  # rows read from the database have ids
    _check_role(actor, kind, start, end, as_of)
    hold = add_hold(uow, actor.name, g, e, kind, reason, start, end, as_of)
    uow.commit()
    return _row(hold, g.source_id, e.source_id if e else None, None, as_of)


def add_hold(uow: UnitOfWork, operator: str, g: Guarantor, e: Encounter | None, kind: str, reason: str,
             start: dt.date, end: dt.date | None, as_of: dt.date) -> Hold:
    """Write a hold and its audit entry in the caller's transaction, without committing: for
    `place_hold`, and for holds a rule places itself (a financial-assistance application's)."""
    assert g.id is not None
    uow.lock(f"holds:{g.id}")
    _check_overlap(uow, g, e, start, end)
    hold = Hold(practice_id=g.practice_id, guarantor_id=g.id, encounter_id=e.id if e else None, kind=kind,
                start_date=start, end_date=end, reason=reason, operator=operator, business_date=as_of,
                created_at=uow.now())
    uow.session.add(hold)
    uow.session.flush()
    audit.record(uow, operator, "hold.place", "hold", [hold.id, g.source_id], None,
                 {"kind": kind, "encounter": e.source_id if e else None, "start": start, "end": end,
                  "reason": reason}, business_date=as_of)
    return hold


# ------------------------------------------------------------------------------------ releasing

def release_hold(uow: UnitOfWork, actor: Actor, hold_id: int, reason: str, as_of: dt.date,
                 released_on: dt.date | None = None) -> HoldRow:
    """End a hold early; `released_on` (default: as_of) is the first day no longer held."""
    require(actor, "collector", "release holds")
    released_on = released_on or as_of
    hold = uow.session.get(Hold, hold_id)
    if hold is None:
        raise BadInput(f"hold: no hold {hold_id}", field="hold")
    if not actor.can("supervisor") and hold.kind not in COLLECTOR_KINDS:
        raise Refused(f"{actor.name} ({actor.role}) may not release a {hold.kind} hold: it needs the supervisor role")
    uow.lock(f"holds:{hold.guarantor_id}")
    done = uow.session.exec(select(HoldRelease).where(HoldRelease.hold_id == hold_id)).first()
    if done is not None:
        raise Refused(f"hold {hold_id} was already released on {done.released_on}; nothing to release")
    if hold.end_date is not None and hold.end_date < as_of:
        raise Refused(f"hold {hold_id} ended on {hold.end_date}; nothing to release")
    reason = (reason or "").strip()
    problems = []
    if not reason or len(reason) > REASON_MAX:
        problems.append(f"reason: a release needs a reason of 1-{REASON_MAX} characters")
    if released_on > as_of:
        problems.append(f"released-on: {released_on} is after the business date {as_of}; give the hold an end date")
    if released_on < min(hold.start_date, as_of):
        problems.append(f"released-on: {released_on} is before the hold's start {hold.start_date}")
    if problems:
        raise BadInput("; ".join(problems), field=problems[0].split(":")[0].replace("-", "_"), problems=problems)
    g = end_hold(uow, actor.name, hold, reason, released_on, as_of)
    e = uow.session.get(Encounter, hold.encounter_id) if hold.encounter_id else None
    uow.commit()
    return _row(hold, g.source_id, e.source_id if e else None, released_on, as_of)


def end_hold(uow: UnitOfWork, operator: str, hold: Hold, reason: str, released_on: dt.date,
             as_of: dt.date) -> Guarantor:
    """Write a hold's release and its audit entry in the caller's transaction, without committing
    (`release_hold`, and a financial-assistance decision ending its application's hold)."""
    release = HoldRelease(hold_id=saved_id(hold), released_on=released_on, reason=reason, operator=operator,
                          business_date=as_of, created_at=uow.now())
    uow.session.add(release)
    g = uow.session.get(Guarantor, hold.guarantor_id)
    assert g is not None
    audit.record(uow, operator, "hold.release", "hold", [hold.id, g.source_id], {"end": hold.end_date},
                 {"released_on": released_on, "reason": reason}, business_date=as_of)
    return g


# ------------------------------------------------------------------------------------ reading

def _row(h: Hold, guarantor: str, encounter: str | None, released_on: dt.date | None, as_of: dt.date) -> HoldRow:
    last = effective_end(h.end_date, released_on)
    assert h.id is not None
    return HoldRow(id=h.id, kind=h.kind, guarantor_id=h.guarantor_id, guarantor=guarantor, encounter=encounter,
                   start=h.start_date, end=last, released_on=released_on, reason=h.reason, operator=h.operator,
                   state=state_on(h.start_date, last, as_of))


def list_holds(uow: UnitOfWork, actor: Actor, practice_id: int, as_of: dt.date, *, kind: str | None = None,
               state: str | None = None, ending_within: int | None = None, guarantor: str | None = None,
               limit: int = 1000) -> list[HoldRow]:
    """Holds of a practice, newest start first, filtered by kind, state on as_of, and "ending
    within N days" (active holds whose last held day is as_of .. as_of + N)."""
    require(actor, "viewer", "see holds")
    if kind is not None and kind not in HOLD_KINDS:
        raise BadInput(f"kind: {kind!r} is not a hold kind (one of: {', '.join(HOLD_KINDS)})", field="kind")
    if state not in (None, "scheduled", "active", "ended"):
        raise BadInput(f"state: {state!r} is not scheduled, active or ended", field="state")
    ENDING_WITHIN.check(ending_within, "ending_within")
    stmt = (select(Hold, col(HoldRelease.released_on), col(Guarantor.source_id), col(Encounter.source_id))
            .join(Guarantor, col(Guarantor.id) == col(Hold.guarantor_id))
            .join(Encounter, col(Encounter.id) == col(Hold.encounter_id), isouter=True)
            .join(HoldRelease, col(HoldRelease.hold_id) == col(Hold.id), isouter=True)
            .where(col(Hold.practice_id) == practice_id)
            .order_by(col(Hold.start_date).desc(), col(Hold.id).desc()))
    if kind is not None:
        stmt = stmt.where(col(Hold.kind) == kind)
    if guarantor is not None:  # by the practice's guarantor key: not every hold of the practice probed by id
        stmt = stmt.where(col(Guarantor.practice_id) == practice_id, col(Guarantor.source_id) == guarantor)
    rows = [_row(h, g, e, rel, as_of) for h, rel, g, e in uow.session.exec(stmt)]
    if state is not None:
        rows = [r for r in rows if r.state == state]
    if ending_within is not None:
        horizon = as_of + dt.timedelta(days=ending_within)
        rows = [r for r in rows if r.state == "active" and r.end is not None and r.end <= horizon]
    return rows[:limit]


# ------------------------------------------------------------------------------------ as SQL
# What the eligibility module asks of holds inside its set-based statements: is a line held on
# the business date, and how many days between its aging anchor and that date were held. Holds
# never overlap for one line (see _overlapping), so held days are a plain sum.

HOLDS_OF_LINE = ("FROM hold h LEFT JOIN hold_release hr ON hr.hold_id = h.id WHERE h.guarantor_id = {l}.guarantor_id "
                 "AND (h.encounter_id IS NULL OR h.encounter_id = {l}.encounter_id)")


def _day(dialect: str, expr: str) -> str:
    """A date as a whole day number, so spans are integer arithmetic on both databases."""
    if dialect == "postgresql":
        return f"(CAST({expr} AS DATE) - DATE '2000-01-01')"
    return f"CAST(julianday({expr}) AS INTEGER)"


def _last_day(dialect: str) -> str:
    """The last held day's number, cut short by a release; NULL while open-ended."""
    released = _day(dialect, "hr.released_on")
    return (f"(CASE WHEN hr.released_on IS NOT NULL AND (h.end_date IS NULL OR hr.released_on <= h.end_date) "
            f"THEN {released} - 1 ELSE {_day(dialect, 'h.end_date')} END)")


def any_hold_sql(line: str = "l", as_of: str = ":el_d") -> str:
    """True when the line's guarantor has any hold begun by the business date: the cheap test that
    lets unheld lines (nearly all) skip counting held days. An uncorrelated set (parameter :el_p,
    the practice), read once per statement and probed by hash: a correlated EXISTS per line, in
    every anchor of every agency rule, made the external run 1.85x slower with 5% of guarantors held."""
    return (f"{line}.guarantor_id IN (SELECT hx.guarantor_id FROM hold hx WHERE hx.practice_id = :el_p "
            f"AND hx.start_date <= {as_of})")


def held_days_sql(dialect: str, anchor: str, line: str = "l", as_of: str = ":el_d",
                  guarantor: str | None = None) -> str:
    """Held days after `anchor` (an SQL date) up to and including the business date (SPEC 18.1):
    of line `line` (its guarantor's holds and its encounter's), or with `guarantor` given, of that
    whole account (its guarantor holds only)."""
    d, last = _day(dialect, as_of), _last_day(dialect)
    scope = (HOLDS_OF_LINE.format(l=line) if guarantor is None else
             f"FROM hold h LEFT JOIN hold_release hr ON hr.hold_id = h.id "
             f"WHERE h.guarantor_id = {guarantor} AND h.encounter_id IS NULL")
    first = f"{_day(dialect, anchor)} + 1"
    lo = f"(CASE WHEN {_day(dialect, 'h.start_date')} > {first} THEN {_day(dialect, 'h.start_date')} ELSE {first} END)"
    hi = f"(CASE WHEN {last} IS NULL OR {last} > {d} THEN {d} ELSE {last} END)"
    return f"(SELECT COALESCE(SUM({hi} - {lo} + 1), 0) {scope} AND h.start_date <= {as_of} AND {lo} <= {hi})"
