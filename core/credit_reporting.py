"""The credit-reporting guard (SPEC 15.4): when a placed debt may first be reported, if ever.

Why in the kernel: the credit bureaus' medical-debt rules are the same whichever workflow placed
the debt (external placement or roster turnover), and the dashboards, the agency files and
explain must agree on them. Each placed debt (core.itemization's `placed_debt` row) is
reportable from the latest of: its date of first delinquency + 365 days, the guarantor's first
printed collection letter + 14 days, and — for a 501(r) hospital — the day its ECA conditions are
all met (core.eca). It is never reported when its first placed balance was under the practice's
minimum (default 500.00) or the practice does no medical credit reporting. A debt paid in full
gets a close record "paid — delete".

Like core.eca, the rule is written twice on purpose: as one SQL condition for counting a
practice's debts (the dashboards), and as dates for one account's debts (explain, files).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from core import audit, eca
from core.models.ledger import Practice
from core.practices import practice_by_id
from core.security import Actor, require
from core.sql import as_date, q, rowcount
from core.uow import UnitOfWork

WAIT_DAYS = 365
LETTER_DAYS = 14
PAID_DELETE = "paid — delete"


def _first_letter(guarantor: str) -> str:
    return f"(SELECT MIN(lq.printed_date) FROM letter_queue lq WHERE lq.guarantor_id = {guarantor} " \
           "AND lq.printed_date IS NOT NULL)"


def not_yet_reportable_sql(practice: Practice, alias: str = "pd") -> str:
    """SQL: the open placed debt `alias` may not be reported on :d (never, or not yet). Parameters
    come from `params`."""
    if practice.no_medical_credit_reporting:
        return "TRUE"
    waits = [f"{alias}.first_placed_cents < :cr_min", f"{alias}.first_delinquency > :cr_wait",
             f"COALESCE({_first_letter(alias + '.guarantor_id')}, :cr_never) > :cr_letter"]
    if practice.nonprofit_501r:
        waits += [sql for _code, sql in eca.conditions(f"{alias}.guarantor_id", f"{alias}.encounter_id")]
    return "(" + " OR ".join(waits) + ")"


def params(practice: Practice, as_of: dt.date) -> dict[str, Any]:
    return {"d": as_of, "el_d": as_of, "cr_min": practice.credit_report_min_cents,
            "cr_wait": as_of - dt.timedelta(days=WAIT_DAYS), "cr_letter": as_of - dt.timedelta(days=LETTER_DAYS),
            "cr_never": dt.date.max, **eca.params(as_of)}


@dataclass(frozen=True)
class NotYet:
    count: int
    cents: int


def not_yet_reportable(uow: UnitOfWork, actor: Actor, practice_id: int, as_of: dt.date) -> NotYet:
    """The dashboards' "placed, not yet reportable": open placed debts that may not be reported
    on the business date (count, and their balance now)."""
    require(actor, "viewer", "see the credit-reporting figures")
    p = practice_by_id(uow, practice_id)
    n, cents = uow.session.execute(q(f"""
        SELECT COUNT(*), COALESCE(SUM(e.ar_cents + e.collections_cents), 0)
        FROM placed_debt pd JOIN encounter e ON e.id = pd.encounter_id
        WHERE pd.practice_id = :p AND pd.closed_date IS NULL AND pd.first_placed <= :d
          AND {not_yet_reportable_sql(p)}""", {"p": practice_id, **params(p, as_of)})).one()
    return NotYet(int(n), int(cents))


@dataclass(frozen=True)
class Guard:
    """One placed debt's reporting dates."""
    encounter: str
    first_delinquency: dt.date
    first_placed_cents: int
    reportable_from: dt.date | None   # None: not known yet (no letter printed, 501(r) not met)
    never_report: bool
    closed: str | None

    def reportable_on(self, as_of: dt.date) -> bool:
        return not self.never_report and self.closed is None and self.reportable_from is not None \
            and self.reportable_from <= as_of


def guards(uow: UnitOfWork, practice_id: int, guarantor_id: int, as_of: dt.date) -> list[Guard]:
    """The guard of each of a guarantor's placed debts on the business date."""
    ids = [int(e) for e in uow.session.execute(q("SELECT encounter_id FROM placed_debt WHERE guarantor_id = :g",
                                                 {"g": guarantor_id})).scalars()]
    found = guards_of(uow, practice_by_id(uow, practice_id), ids, as_of)
    return sorted(found.values(), key=lambda g: g.encounter)


def guards_of(uow: UnitOfWork, practice: Practice, encounter_ids: list[int], as_of: dt.date) -> dict[int, Guard]:
    """The guard of each placed debt among `encounter_ids` on the business date, by encounter id,
    in one statement (agency files ask it once per chunk of the rows they stream). Encounters
    never placed are absent."""
    if not encounter_ids:
        return {}
    eca_cols = eca.facts_sql("pd.guarantor_id", "pd.encounter_id") if practice.nonprofit_501r else ("NULL",) * 3
    rows = uow.session.execute(q(f"""
        SELECT pd.encounter_id, e.source_id, pd.first_delinquency, pd.first_placed_cents, pd.close_reason,
               {_first_letter('pd.guarantor_id')}, {', '.join(eca_cols)}
        FROM placed_debt pd JOIN encounter e ON e.id = pd.encounter_id
        WHERE pd.encounter_id IN :ids""", {"ids": sorted(set(encounter_ids)), "el_d": as_of,
                                           **eca.params(as_of)})).all()
    found = {}
    for eid, enc, first_del, cents, closed, letter, first_stmt, notice, call in rows:
        first, letter_on = as_date(first_del), as_date(letter)
        assert first is not None
        dates: list[dt.date | None] = [first + dt.timedelta(days=WAIT_DAYS),
                                       None if letter_on is None else letter_on + dt.timedelta(days=LETTER_DAYS)]
        if practice.nonprofit_501r:
            facts = eca.Facts({int(eid): as_date(first_stmt)}, as_date(notice), None, as_date(call))
            dates.append(_eca_date(facts, int(eid)))
        known = None if any(d is None for d in dates) else max(d for d in dates if d is not None)
        never = practice.no_medical_credit_reporting or int(cents) < practice.credit_report_min_cents
        found[int(eid)] = Guard(enc, first, int(cents), known, never, closed)
    return found


def _eca_date(facts: eca.Facts, encounter_id: int) -> dt.date | None:
    """The earliest day 501(r) allows the ECA, once its facts exist."""
    first = facts.first_statements.get(encounter_id)
    if first is None or facts.notice is None or facts.call_after is None:
        return None
    return max(first + dt.timedelta(days=eca.ECA_WAIT_DAYS), facts.notice + dt.timedelta(days=eca.NOTICE_DAYS),
               facts.call_after)


def close_paid(uow: UnitOfWork, actor: Actor, practice_id: int, as_of: dt.date) -> int:
    """Give every open debt placed with an agency and paid in full a close record "paid — delete"
    (set-based). A turned-over debt is written off at turnover, so a zero balance says nothing
    about its payment; the agency's returns close those."""
    require(actor, "supervisor", "close paid placed debts")
    n = rowcount(uow.session.execute(q("""
        UPDATE placed_debt SET closed_date = :d, close_reason = :why
        WHERE practice_id = :p AND closed_date IS NULL AND first_placed <= :d AND placed_by = 'external'
          AND encounter_id IN (SELECT e.id FROM encounter e WHERE e.practice_id = :p
                               AND e.ar_cents + e.collections_cents <= 0)""",
        {"p": practice_id, "d": as_of, "why": PAID_DELETE})))
    audit.record(uow, actor.name, "credit.close_paid", "placed_debt", [practice_id], None, {"closed": n},
                 business_date=as_of)
    uow.commit()
    return n
