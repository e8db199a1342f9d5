"""The demo's external collections, already under way, so a new user sees them at once.

Per demo practice, through the real use cases (core.external) as the demo admin: two agencies in
the assignment table with thresholds (balance over 25.00; older than 90 days with Auto Approve and
Auto Create File, and older than 120 days left for an operator to approve), a manual-only agency,
payment exclusions (a payment within 30 days of at least 25.00 or 10 % of the balance) and all
four rules, set up 75 days ago. Then the nightly run on two past business dates (75 and 30 days
ago), so lines were placed over months: pending (the second agency's, waiting on the
Pending screen), posted and filed, some reassigned since. `recoup nightly` on the demo's business
date then selects, posts and files the lines that have aged past 90 days since, and reassigns to
the second agency the placed lines that have passed 120 days. Every step writes its history,
ledger and audit rows exactly as an operator's work would, each on its own business date and
stamped with that day (db.demo_calls), so `recoup verify` stays clean.
Agency files go to the folder the caller names (where real agency files go).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import col, select

from core import external
from core.exchange import agency_files
from core.models.ledger import Practice
from core.security import Actor
from db.demo_calls import DemoClock
from db.uow import SqlUnitOfWork

PRACTICES = ("DEMO-FAM", "DEMO-ORTHO", "DEMO-OCC")
RUN_DAYS_AGO = (75, 30)   # the nightly runs on these days before the business date
# (agency id, name, balance greater than (cents), age greater than, auto approve, auto file, fee bp)
AGENCIES = (("EXT1", "Early Out Recovery", 2500, 90, True, True, 1800),
            ("EXT2", "Hardline Collections", 2500, 120, False, False, 3000),
            ("EXTM", "Legal Placement Partners", None, None, False, False, 3500))
RULES: dict[str, Any] = {"exclude_days": 30, "exclude_min_cents": 2500, "exclude_pct_bp": 1000,
                         "account_level": False, "returned_mail": True, "reassign": True, "reage_denied": True,
                         "by_dos": True}


def build(engine: Engine, actor: Actor, as_of: dt.date, folder: Path) -> dict[str, int]:
    """Set up and run external collections in every demo practice; returns the run's counts."""
    with SqlUnitOfWork(engine, write=False) as u:
        ids = [int(p.id) for p in u.session.exec(select(Practice).where(col(Practice.source_id).in_(PRACTICES))  # type: ignore[arg-type]
                                                 .order_by(col(Practice.id)))]
    totals = {"selected": 0, "posted": 0, "filed": 0}
    clock = DemoClock(as_of)
    first = as_of - dt.timedelta(days=RUN_DAYS_AGO[0])
    for pid in ids:
        for code, name, balance, age, approve, auto_file, fee in AGENCIES:
            clock.call(engine, first, agency_files.save_agency, actor, pid, code, first, name=name,
                       contact="placements@example.com", baa_signed=as_of - dt.timedelta(days=365), fee_bp=fee)
            clock.call(engine, first, external.add_assignment, actor, pid,
                       external.Assignment(code, balance, age, approve, auto_file), first)
        clock.call(engine, first, external.update_rules, actor, pid, first, RULES)
        for days_ago in RUN_DAYS_AGO:
            day = as_of - dt.timedelta(days=days_ago)
            r = clock.call(engine, day, external.run, actor, pid, day, folder)
            totals["selected"] += r.steps["select"][0]
            totals["posted"] += r.steps["post"][0]
            totals["filed"] += r.steps["file"][0]
    return totals
