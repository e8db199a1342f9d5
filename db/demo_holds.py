"""The demo's holds, protected guarantors and insurance still open (SPEC 14), before the workflows run.

Built before the demo's Pre-Collections, roster and external runs (which go back 45 days), so those
runs really obey them: per demo practice, six holds of different kinds through the real use case
(one ended, one released early, one ending within days, one open-ended, an encounter's, a FAP
application's), six guarantors with each protection (a minor and a deceased patient with and
without someone to write to, a bankruptcy, a household under the income threshold), and a few
encounters whose insurance is still open or in appeal. The accounts are chosen among those with
the oldest open guarantor balances, so each one visibly stays out of some workflow.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, text
from sqlmodel import col, select

from core import holds, protections
from core.models.ledger import Practice
from core.security import Actor
from core.sql import q
from db.uow import SqlUnitOfWork

PRACTICES = ("DEMO-FAM", "DEMO-ORTHO", "DEMO-OCC")
INCOME_THRESHOLD_PCT = 200
# (kind, start days ago, last held day in days from today or None, released days ago or None, reason)
HOLDS = (("dispute", 60, -40, None, "Disputes the charge for the visit; resolved after review"),
         ("practice", 50, None, 30, "Doctor asked to pause collection; released after the call"),
         ("promise", 5, 3, None, "Promised to pay in full on Friday"),
         ("appeal", 20, None, None, "Appealing the denial with the insurer"),
         ("fap", 10, None, None, "Financial assistance application received"))
PROTECTED: tuple[dict[str, Any], ...] = (
    {"birth_date": -10 * 365, "responsible_party_name": None},                      # a minor, nobody to write to
    {"birth_date": -12 * 365, "responsible_party_name": "Parent or guardian on file",
     "responsible_party_address": "The patient's address"},                          # a minor with a responsible party
    {"date_of_death": 30},                                                          # deceased, no estate contact
    {"date_of_death": 90, "responsible_party_name": "Estate of the patient",
     "responsible_party_address": "c/o the executor"},                               # deceased, estate contact
    {"bankruptcy_filed": 20, "bankruptcy_chapter": "7", "bankruptcy_case": "26-10017"},
    {"household_income_cents": 2_000_000, "household_size": 3},                     # under 200 % of the guideline
)


def _call(engine: Engine, fn: Any, *args: Any, **kw: Any) -> Any:
    with SqlUnitOfWork(engine) as u:
        return fn(u, *args, **kw)


def _oldest(engine: Engine, pid: int, n: int) -> list[tuple[int, str, str]]:
    """(guarantor id, guarantor source id, its oldest open encounter's source id), oldest first."""
    with SqlUnitOfWork(engine, write=False) as u:
        rows = u.session.execute(text("""
            SELECT g.id, g.source_id, MIN(e.source_id) FROM guarantor g JOIN encounter e ON e.guarantor_id = g.id
            WHERE g.practice_id = :p AND g.kind = 'patient' AND e.ar_cents > 0 AND e.ins_ar_cents = 0
            GROUP BY g.id, g.source_id ORDER BY MIN(e.dos), g.id LIMIT :n"""), {"p": pid, "n": n}).all()
    return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]


def _days(as_of: dt.date, ago: int | None) -> dt.date | None:
    return None if ago is None else as_of - dt.timedelta(days=ago)


def _facts(as_of: dt.date, facts: dict[str, Any]) -> dict[str, Any]:
    dated = ("birth_date", "date_of_death", "bankruptcy_filed")
    return {k: (as_of + dt.timedelta(days=v) if k == "birth_date" else _days(as_of, v)) if k in dated else v
            for k, v in facts.items()}


def build(engine: Engine, actor: Actor, as_of: dt.date) -> dict[str, int]:
    """Holds, protections and open insurance in every demo practice; returns what was made."""
    with SqlUnitOfWork(engine, write=False) as u:
        ids = [int(p.id) for p in u.session.exec(select(Practice).where(col(Practice.source_id).in_(PRACTICES))
                                                 .order_by(col(Practice.id))) if p.id is not None]
    made = {"holds": 0, "protected": 0, "insurance_open": 0}
    for pid in ids:
        _call(engine, protections.set_practice_rules, actor, pid, as_of, income_threshold_pct=INCOME_THRESHOLD_PCT)
        accounts = _oldest(engine, pid, len(HOLDS) + 1 + len(PROTECTED) + 3)
        for (kind, start, last, released, reason), (_gid, g, _e) in zip(HOLDS, accounts, strict=False):
            row = _call(engine, holds.place_hold, actor, pid, kind, reason, as_of, guarantor=g,
                        start=_days(as_of, start), end=None if last is None else as_of + dt.timedelta(days=last))
            if released is not None:
                _call(engine, holds.release_hold, actor, row.id, "Released for the demo", as_of, _days(as_of, released))
            made["holds"] += 1
        _gid, _g, encounter = accounts[len(HOLDS)]
        _call(engine, holds.place_hold, actor, pid, "insurance_pending", "Waiting for the secondary insurer", as_of,
              encounter=encounter, start=_days(as_of, 15))
        made["holds"] += 1
        rest = accounts[len(HOLDS) + 1:]
        for facts, (gid, _g, _e) in zip(PROTECTED, rest, strict=False):
            changes = _facts(as_of, facts)
            born = changes.pop("birth_date", None)
            if born is not None:  # the birth date is the practice system's, as imported
                with SqlUnitOfWork(engine) as u:
                    u.session.execute(q("UPDATE guarantor SET birth_date = :b WHERE id = :g", {"b": born, "g": gid}))
                    u.commit()
            if any(v is not None for v in changes.values()):
                _call(engine, protections.set_protections, actor, gid,
                      {k: v for k, v in changes.items() if v is not None}, as_of)
            made["protected"] += 1
        with SqlUnitOfWork(engine) as u:  # the practice system's word on three encounters' insurance
            for status, (_gid, _g, encounter) in zip(("open", "appeal", "open"), rest[len(PROTECTED):], strict=False):
                u.session.execute(text("UPDATE encounter SET insurance_status = :s, version = version + 1 "
                                       "WHERE practice_id = :p AND source_id = :e"),
                                  {"s": status, "p": pid, "e": encounter})
                made["insurance_open"] += 1
            u.commit()
    return made

