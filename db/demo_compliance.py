"""The demo's non-profit hospital under IRS 501(r) (SPEC 15.5), after the workflows have run.

Riverside Orthopedic Associates is set up as a non-profit hospital with 501(r) on, its plain-
language financial-assistance summary, and two agencies as ECA agencies (one reports to credit
bureaus, one takes legal action). Then, through the real use cases, one guarantor at each stage an operator meets:

- waiting: the first post-discharge statement is under 120 days old (`eca_wait`);
- notice printed: an ECA notice printed 10 days ago (`notice_missing`);
- call logged: a notice 20 days ago and a call since, the notice not yet 30 days old;
- eligible: a notice 45 days ago and a call 30 days ago, the statement over 120 days old;
- FAP pending: an application received 5 days ago (the automatic fap hold);
- FAP approved: an application approved in full for a guarantor with lines placed with an
  agency, so the refunds-due list and the reversal worklist have something to show.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from core import compliance_settings, contacts, eca_notice, fap
from core.security import Actor
from db.uow import SqlUnitOfWork

PRACTICE = "DEMO-ORTHO"
ECA_AGENCIES = {"EXT2": "credit_reporting", "EXTM": "legal"}  # of db.demo_external's agencies
SUMMARY = ("Riverside offers free or discounted care to patients whose household income is at or below 400% of "
           "the federal poverty guidelines. You can apply at any time up to 240 days after your first bill, by "
           "phone, by mail or in person at the billing office; while we review your application we will not send "
           "your account to a collection agency.")
ACTION = "place the account with a collection agency that reports to credit bureaus"


def _call(engine: Engine, fn: Any, *args: Any, **kw: Any) -> Any:
    with SqlUnitOfWork(engine) as u:
        return fn(u, *args, **kw)


def _candidates(engine: Engine, pid: int, as_of: dt.date) -> tuple[list[str], list[tuple[str, int]], list[str]]:
    """Guarantors free of holds with an open A/R balance: (waiting, aged, placed). Waiting: first
    statement under 120 days old. Aged: an open encounter from over 150 days ago (guarantor,
    encounter id). Placed: lines posted or filed with an agency — an uncorrelated set read once:
    placements have no index by guarantor, and an EXISTS per guarantor scanned all of them each
    time (about an hour on the large demo)."""
    wait, old = as_of - dt.timedelta(days=120), as_of - dt.timedelta(days=150)
    with SqlUnitOfWork(engine, write=False) as u:
        rows = u.session.execute(text("""
            SELECT g.source_id, (SELECT MIN(s.date) FROM statement s WHERE s.guarantor_id = g.id),
                   g.id IN (SELECT x.guarantor_id FROM external_placement x WHERE x.practice_id = :p
                            AND x.active = TRUE AND x.state IN ('posted', 'filed')),
                   (SELECT MIN(e.id) FROM encounter e WHERE e.guarantor_id = g.id AND e.ar_cents > 0
                    AND e.ins_ar_cents = 0 AND e.dos <= :old)
            FROM guarantor g WHERE g.practice_id = :p AND g.kind = 'patient'
              AND NOT EXISTS (SELECT 1 FROM hold h WHERE h.guarantor_id = g.id)
              AND (g.ar_cents > 0 OR g.collections_cents > 0)
            ORDER BY g.id"""), {"p": pid, "old": old}).all()
    waiting = [r[0] for r in rows if r[1] is not None and str(r[1]) > wait.isoformat() and not r[2] and r[3] is None]
    aged = [(r[0], int(r[3])) for r in rows if r[3] is not None and not r[2]]
    placed = [r[0] for r in rows if r[2]]
    return waiting, aged, placed


def _statement(engine: Engine, pid: int, encounter_id: int, day: dt.date) -> None:
    """The practice system's first statement for an encounter (as imported), `day`."""
    with SqlUnitOfWork(engine) as u:
        u.session.execute(text("""
            INSERT INTO statement (practice_id, source_id, guarantor_id, encounter_id, date, dunning_level)
            SELECT e.practice_id, 'R501-' || e.source_id, e.guarantor_id, e.id, :d, 1 FROM encounter e
            WHERE e.id = :e"""), {"e": encounter_id, "d": day})
        u.commit()


def _ago(as_of: dt.date, days: int) -> dt.date:
    return as_of - dt.timedelta(days=days)


def _call_at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10, 30))


def build(engine: Engine, actor: Actor, as_of: dt.date, folder: Path) -> dict[str, int]:
    """Set the hospital up and put one guarantor at each 501(r) stage; returns what was made."""
    with SqlUnitOfWork(engine, write=False) as u:
        pid = u.session.execute(text("SELECT id FROM practice WHERE source_id = :s"), {"s": PRACTICE}).scalar()
    if pid is None:
        return {}
    _call(engine, compliance_settings.set_compliance, actor, pid, as_of, nonprofit_501r=True, fap_summary=SUMMARY)
    for agency, kind in ECA_AGENCIES.items():
        _call(engine, compliance_settings.set_agency_eca, actor, pid, agency, [kind], as_of)
    return stages(engine, actor, pid, as_of, folder)


def stages(engine: Engine, actor: Actor, pid: int, as_of: dt.date, folder: Path) -> dict[str, int]:
    """A guarantor at each 501(r) stage, once the hospital is set up."""
    waiting, aged, placed = _candidates(engine, pid, as_of)
    made = {"waiting": min(len(waiting), 1), "notices": 0, "calls": 0, "fap": 0}
    # notice printed (10 days ago); call logged (notice 20 days ago, call 2 days ago); eligible (45 and 30)
    for (g, encounter), notice, call in zip(aged, (10, 20, 45), (None, 2, 30), strict=False):
        _statement(engine, pid, encounter, _ago(as_of, 140))
        _call(engine, eca_notice.print_notice, actor, pid, g, ACTION, _ago(as_of, notice), folder)
        made["notices"] += 1
        if call is not None:
            _call(engine, contacts.log_call, actor, pid, g, "conversation", _ago(as_of, call),
                  at=_call_at(_ago(as_of, call)), confirmed=True)
            made["calls"] += 1
    for g, _e in aged[3:4]:  # FAP pending, incomplete: its missing-information letter waits to print
        _call(engine, fap.add_application, actor, pid, g, _ago(as_of, 5), False, as_of,
              missing="proof of household income for the last three months; a copy of last year's tax return")
        made["fap"] += 1
    for g in placed[:1]:  # FAP approved, with lines at an agency to recall
        app = _call(engine, fap.add_application, actor, pid, g, _ago(as_of, 20), True, _ago(as_of, 20))
        _call(engine, fap.decide, actor, pid, app.id, "approved", as_of, discount="100")
        made["fap"] += 1
    return made
