"""The contact log and Regulation F's call-frequency warnings (SPEC 15.2).

Every call about a guarantor's debt is logged with its outcome; every printed letter (a roster
letter or an ECA notice) is a mail contact, read from where the print run recorded it, so the log
never holds a second copy. Regulation F presumes harassment when a collector calls more than 7
times in 7 days about a debt, or within 7 days after a conversation about it, and forbids calls at
inconvenient times (before 08:00 or after 21:00 where the debtor is). A call that would break one
of these gets a validation warning; Save & Continue records it, flagged with the warnings.

Local time is the guarantor's state's zone (`state_time_zone`, an admin table); days are counted
in that zone too, so "within 7 days" means the debtor's calendar days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import select

from core import audit
from core.errors import BadInput, NeedsConfirmation, Summary
from core.models.compliance import CALL_OUTCOMES, ContactLog, StateTimeZone
from core.practices import find_account, practice_by_id
from core.security import Actor, require
from core.sql import as_date, q
from core.uow import UnitOfWork

MAX_CALLS_IN_7_DAYS = 7
CALLING_HOURS = (dt.time(8, 0), dt.time(21, 0))
WARNINGS = {"seven_in_seven": f"it would be call number {MAX_CALLS_IN_7_DAYS + 1} or more about this debt "
                              "within 7 days",
            "after_conversation": "it is within 7 days after a conversation about this debt",
            "calling_hours": "it is outside 08:00-21:00 in the guarantor's time zone"}
NOTE_MAX = 500


def zone_of(uow: UnitOfWork, state: str | None) -> ZoneInfo | None:
    """The guarantor's time zone from their state, or None when the state is unknown."""
    if not state:
        return None
    row = uow.session.exec(select(StateTimeZone).where(StateTimeZone.state == state.strip().upper())).first()
    return ZoneInfo(row.time_zone) if row else None


def default_call_time(as_of: dt.date, now: dt.datetime, zone: ZoneInfo | None) -> dt.datetime:
    """When a call logged without a time happened: now when the business date is today where
    the guarantor is, else noon of the business date (a back-dated entry)."""
    tz = zone or dt.UTC
    local_now = now.astimezone(tz)
    if local_now.date() == as_of:
        return local_now
    return dt.datetime.combine(as_of, dt.time(12, 0), tzinfo=tz)


@dataclass(frozen=True)
class Contact:
    """One line of the contact log: a call, or a letter as a mail contact."""
    date: dt.date
    kind: str            # call | letter | eca_notice | fap_letter
    outcome: str         # the call's outcome, or the letter's template
    flags: str
    operator: str | None
    note: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "kind": self.kind, "outcome": self.outcome, "flags": self.flags,
                "operator": self.operator, "note": self.note}


def warnings_for(uow: UnitOfWork, guarantor_id: int, call_date: dt.date, local: dt.datetime | None) -> list[str]:
    """The Regulation F warnings a call on `call_date` at the guarantor's local time `local`
    would raise (calling hours are not judged when the guarantor's time zone is unknown)."""
    p = {"g": guarantor_id, "d": call_date, "from": call_date - dt.timedelta(days=6),
         "conv": call_date - dt.timedelta(days=7)}
    calls = uow.session.execute(q("SELECT COUNT(*) FROM contact_log WHERE guarantor_id = :g "
                                  "AND call_date >= :from AND call_date <= :d", p)).scalar_one()
    talked = uow.session.execute(q("SELECT COUNT(*) FROM contact_log WHERE guarantor_id = :g "
                                   "AND outcome = 'conversation' AND call_date >= :conv AND call_date <= :d",
                                   p)).scalar_one()
    found = []
    if int(calls) >= MAX_CALLS_IN_7_DAYS:
        found.append("seven_in_seven")
    if int(talked):
        found.append("after_conversation")
    if local is not None and not CALLING_HOURS[0] <= local.time() < CALLING_HOURS[1]:
        found.append("calling_hours")
    return found


def log_call(uow: UnitOfWork, actor: Actor, practice_id: int, guarantor: str, outcome: str, as_of: dt.date, *,
             at: dt.datetime | None = None, note: str | None = None, confirmed: bool = False) -> Contact:
    """Log a call. `at` without a time zone is the guarantor's local time. A call Regulation F
    warns about asks for confirmation first (NeedsConfirmation) and is then recorded flagged."""
    require(actor, "collector", "log calls")
    if outcome not in CALL_OUTCOMES:
        raise BadInput(f"outcome: {outcome!r} is not one of {', '.join(CALL_OUTCOMES)}", field="outcome")
    note = (note or "").strip() or None
    if note is not None and len(note) > NOTE_MAX:
        raise BadInput(f"note: at most {NOTE_MAX} characters", field="note")
    practice = practice_by_id(uow, practice_id)
    g, _ = find_account(uow, practice, guarantor, None)
    assert g.id is not None and practice.id is not None
    zone = zone_of(uow, g.state)
    now = uow.now()
    at = default_call_time(as_of, now, zone) if at is None else at
    if at.tzinfo is None:
        at = at.replace(tzinfo=zone or dt.UTC)
    local = at.astimezone(zone or dt.UTC)
    if local.date() > as_of:
        raise BadInput(f"at: {local.strftime('%Y-%m-%d %H:%M')} is in the future (business date {as_of})", field="at")
    flags = warnings_for(uow, g.id, local.date(), local if zone is not None else None)
    if flags and not confirmed:
        raise NeedsConfirmation(Summary(f"Regulation F: call to {g.name} on {local.strftime('%Y-%m-%d %H:%M')}",
                                        notes=[WARNINGS[f] for f in flags]
                                        + ["Save & Continue records the call, flagged."]))
    row = ContactLog(practice_id=practice.id, guarantor_id=g.id, outcome=outcome,
                     called_at=at.astimezone(dt.UTC), call_date=local.date(),
                     flags=",".join(flags), note=note, operator=actor.name, business_date=as_of, created_at=now)
    uow.session.add(row)
    uow.session.flush()
    audit.record(uow, actor.name, "contact.call", "contact_log", [row.id, g.source_id], None,
                 {"outcome": outcome, "date": row.call_date, "flags": row.flags}, business_date=as_of)
    uow.commit()
    return Contact(row.call_date, "call", outcome, row.flags, actor.name, note)


# ------------------------------------------------------------------------------------ reading

_LOG = """
    SELECT c.call_date AS d, 'call' AS kind, c.outcome AS what, c.flags AS flags, c.operator AS who, c.note AS note,
           c.id AS seq
    FROM contact_log c WHERE c.guarantor_id = :g
    UNION ALL
    SELECT lq.printed_date, 'letter', lq.template, '', lq.printed_by, NULL, lq.id
    FROM letter_queue lq WHERE lq.guarantor_id = :g AND lq.printed_date IS NOT NULL
    UNION ALL
    SELECT n.printed_date, 'eca_notice', n.action, '', n.operator, NULL, n.id
    FROM eca_notice n WHERE n.guarantor_id = :g
    UNION ALL
    SELECT fl.printed_date, 'fap_letter', 'Financial assistance: information needed', '', fl.printed_by, NULL, fl.id
    FROM fap_letter fl WHERE fl.guarantor_id = :g AND fl.printed_date IS NOT NULL
    ORDER BY 1 DESC, 2, 7 DESC"""


def contact_log(uow: UnitOfWork, actor: Actor, practice_id: int, guarantor: str, as_of: dt.date,
                limit: int = 200) -> list[Contact]:
    """A guarantor's contacts up to the business date, newest first: calls, and printed letters
    (collection letters, ECA notices, financial-assistance missing-information letters) as mail
    contacts."""
    require(actor, "viewer", "see the contact log")
    g, _ = find_account(uow, practice_by_id(uow, practice_id), guarantor, None)
    rows = uow.session.execute(q(f"SELECT * FROM ({_LOG}) x WHERE x.d <= :d LIMIT :n",
                                 {"g": g.id, "d": as_of, "n": limit})).all()
    return [Contact(as_date(r[0]) or as_of, r[1], r[2], r[3] or "", r[4], r[5]) for r in rows]


@dataclass(frozen=True)
class Figures:
    """What a placement record carries about calls (SPEC 15.2)."""
    calls_7_days: int
    last_conversation: dt.date | None


def figures_sql(guarantor: str) -> tuple[str, str]:
    """SQL for (calls in the 7 days up to :d, date of the last conversation by :d) of the
    guarantor expression, for agency files that select many placements in one statement."""
    calls = (f"(SELECT COUNT(*) FROM contact_log cf WHERE cf.guarantor_id = {guarantor} "
             "AND cf.call_date > :d7 AND cf.call_date <= :d)")
    conversation = (f"(SELECT MAX(cv.call_date) FROM contact_log cv WHERE cv.guarantor_id = {guarantor} "
                    "AND cv.outcome = 'conversation' AND cv.call_date <= :d)")
    return calls, conversation


def figures_params(as_of: dt.date) -> dict[str, Any]:
    return {"d": as_of, "d7": as_of - dt.timedelta(days=7)}


def placement_figures(uow: UnitOfWork, guarantor_ids: list[int], as_of: dt.date) -> dict[int, Figures]:
    """The call figures of each guarantor on the business date (one statement)."""
    if not guarantor_ids:
        return {}
    calls, conversation = figures_sql("g.id")
    rows = uow.session.execute(q(f"SELECT g.id, {calls}, {conversation} FROM guarantor g WHERE g.id IN :ids",
                                 {"ids": sorted(set(guarantor_ids)), **figures_params(as_of)})).all()
    return {int(r[0]): Figures(int(r[1]), as_date(r[2])) for r in rows}


# ------------------------------------------------------------------------------------ time zones

def time_zones(uow: UnitOfWork) -> list[StateTimeZone]:
    return list(uow.session.exec(select(StateTimeZone).order_by(StateTimeZone.state)))


def set_time_zone(uow: UnitOfWork, actor: Actor, state: str, zone: str, as_of: dt.date) -> StateTimeZone:
    """Add or correct the time zone of a state (admins)."""
    require(actor, "admin", "change the state time zones")
    state = (state or "").strip().upper()
    if not 1 <= len(state) <= 20:
        raise BadInput("state: 1-20 characters, as guarantors' addresses spell it (TX)", field="state")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadInput(f"zone: {zone!r} is not a time zone name like America/Chicago", field="zone") from None
    row = uow.session.exec(select(StateTimeZone).where(StateTimeZone.state == state)).first()
    before = None if row is None else {"zone": row.time_zone}
    row = row or StateTimeZone(state=state, time_zone=zone)
    row.time_zone = zone
    uow.session.add(row)
    audit.record(uow, actor.name, "time_zone.set", "state_time_zone", [state], before, {"zone": zone},
                 business_date=as_of)
    uow.commit()
    return row



def remove_time_zone(uow: UnitOfWork, actor: Actor, state: str, as_of: dt.date) -> None:
    """Drop a state's row (admins): calls to its guarantors are then not judged for calling hours."""
    require(actor, "admin", "change the state time zones")
    row = uow.session.exec(select(StateTimeZone).where(StateTimeZone.state == state)).first()
    if row is None:
        raise BadInput(f"state: {state!r} has no time zone on file", field="state")
    uow.session.delete(row)
    audit.record(uow, actor.name, "time_zone.remove", "state_time_zone", [state], {"zone": row.time_zone}, None,
                 business_date=as_of)
    uow.commit()
