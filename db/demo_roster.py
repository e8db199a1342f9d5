"""The demo's patient collections roster, already under way, so a new user sees it at once.

Per demo practice, through the real use cases (core.roster) as the demo admin: the pre-loaded
Collection Status Table, integration settings with automatic (nightly) population on and letters
noted in the account and its history, a letter template with the address block, then Populate
Collection Roster on business dates over the past three months (90, 45, 30 and 15 days ago, and
today) so accounts have really entered over months, moved on a status (or reached Review
for Agency and waited there) and queued their letters; in between, two payment plans whose
installments are then missed (so today's populate fails them: the Dead-End Report has work), and
after today's populate one plan that starts next week (its account shows the plan alert).
Every step writes its history, ledger and audit rows exactly as an operator's work would, each on
its own business date and stamped with that day (db.demo_calls), so `recoup verify` stays clean.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, text
from sqlmodel import col, select

from core import roster
from core.models.ledger import Practice
from core.practices import practice_by_id, set_profile
from core.roster.read import roster_page
from core.security import Actor
from db.demo_calls import DemoClock
from db.uow import SqlUnitOfWork

PRACTICES = ("DEMO-FAM", "DEMO-ORTHO", "DEMO-OCC")
POPULATE_DAYS_AGO = (90, 45, 30, 15, 0)
PLANS_DAYS_AGO = 15            # the failing plans are set up before this populate
PLANS = 2                      # failing payment plans per practice, set up after the first populate
SETTINGS: dict[str, Any] = {"auto_populate": True, "auto_time": "02:00", "letters_in_notes": True,
                            "letters_in_history": True, "letter_adj_code": "LTR", "plan_alert": True,
                            "next_contact_days": 7, "collection_fee_bp": 2500}
ADDRESS_LETTER = ("Dear {guarantor_name},\n\n"
                  "Your account with {practice_name} is in status {status} ({status_description}) with a "
                  "balance of {balance}. Please call our billing office to settle it or to set up a "
                  "payment plan.\n\nSincerely,\n{practice_name} Billing Office")


def build(engine: Engine, actor: Actor, as_of: dt.date) -> dict[str, int]:
    """Run the roster in every demo practice; returns the populate counts summed over them."""
    with SqlUnitOfWork(engine, write=False) as u:
        ids = [int(p.id) for p in u.session.exec(select(Practice).where(col(Practice.source_id).in_(PRACTICES))  # type: ignore[arg-type]
                                                 .order_by(col(Practice.id)))]
    totals = {"entered": 0, "moved": 0, "plan_failed": 0, "letters": 0, "plans": 0}
    clock = DemoClock(as_of)
    for pid in ids:
        _admin(engine, clock, actor, pid, as_of - dt.timedelta(days=POPULATE_DAYS_AGO[0]))
        for days_ago in POPULATE_DAYS_AGO:
            day = as_of - dt.timedelta(days=days_ago)
            if days_ago == PLANS_DAYS_AGO:
                totals["plans"] += _plans(engine, clock, actor, pid, day)
            r = clock.call(engine, day, roster.populate, actor, pid, day)
            totals["entered"] += r.entered[0]
            totals["moved"] += r.moved[0]
            totals["plan_failed"] += r.plan_failed[0]
            totals["letters"] += r.letters
        totals["plans"] += _plans(engine, clock, actor, pid, as_of, 1, start=as_of + dt.timedelta(days=7))
    return totals


# Each demo practice's profile: what its letters print at the top and on the payment stub.
PROFILES: dict[str, dict[str, Any]] = {
    "DEMO-FAM": {"address1": "1200 Maple Grove Parkway", "address2": "Suite 210", "city": "Springfield",
                 "state": "IL", "zip": "62704", "phone": "(217) 555-0142",
                 "remit_to": "Billing Office | PO Box 4410 | Springfield, IL 62708"},
    "DEMO-ORTHO": {"address1": "85 Riverside Drive", "city": "Peoria", "state": "IL", "zip": "61602",
                   "phone": "(309) 555-0187"},
    "DEMO-OCC": {"address1": "400 Summit Avenue", "city": "Bloomington", "state": "IL", "zip": "61701",
                 "phone": "(309) 555-0120",
                 "remit_to": "Summit Occupational Health | PO Box 77 | Bloomington, IL 61702"},
}


def _admin(engine: Engine, clock: DemoClock, actor: Actor, pid: int, as_of: dt.date) -> None:
    with SqlUnitOfWork(engine, write=False) as u:
        source = practice_by_id(u, pid).source_id
    clock.call(engine, as_of, set_profile, actor, pid, PROFILES.get(source, {}), as_of)
    clock.call(engine, as_of, roster.update_settings, actor, pid, SETTINGS)
    clock.call(engine, as_of, roster.set_letter_template, actor, pid, "Account Notice", ADDRESS_LETTER)


def _plans(engine: Engine, clock: DemoClock, actor: Actor, pid: int, day: dt.date, n: int = PLANS,
           start: dt.date | None = None) -> int:
    """Collection plans on accounts in the roster (not on a plan yet). Started a month before
    `day` by default, on accounts with no payment since: the next populate finds installments missed."""
    begins = start or day - dt.timedelta(days=30)
    with SqlUnitOfWork(engine, write=False) as u:
        cfg = roster.settings(u, pid)
        plan_codes = {cfg.plan_status, cfg.plan_failed_status} if cfg else set()
        paying = set(u.session.execute(text(
            "SELECT DISTINCT guarantor_id FROM ledger_txn WHERE practice_id = :p AND kind = 'payment' "
            "AND date >= :d"), {"p": pid, "d": begins}).scalars())
        rows = [r for r in roster_page(u, actor, pid, day, "work", limit=60)
                if r.status not in plan_codes and r.id not in paying][:n]
    for i, row in enumerate(rows):
        amount = max(1000, row.past_due_cents // 4 // 100 * 100)
        clock.call(engine, day, roster.set_plan, actor, row.id, amount, 14 + 7 * i, begins, day)
    return len(rows)
