"""IRS 501(r) (SPEC 15.5): when a non-profit hospital may take an extraordinary collection action.

An ECA is a placement with (or turnover to) an agency whose profile says it reports to credit
bureaus, buys debt or sues. For a non-profit hospital with the setting on, one is allowed on a
business date D only when, for the line's guarantor and encounter:

- `eca_wait`: the episode's first post-discharge statement (the first statement on or after the
  encounter's date of service that covers it: the encounter's own, or an aggregated one of the
  guarantor) is at least 120 days before D;
- `notice_missing`: an ECA notice was printed at least 30 days before D;
- `oral_attempt_missing`: a call was logged after that notice (by D).

The rule is here twice, side by side like core.protections: SQL over a guarantor and encounter
expression for the set-based batches (core.eligibility adds it to every agency step), and Python
over one account for explain. Both compare against the same cut-off dates (`cutoffs`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from core.models.ledger import Practice
from core.sql import as_date, q
from core.uow import UnitOfWork

ECA_WAIT_DAYS = 120
NOTICE_DAYS = 30
REASONS = {"eca_wait": f"first post-discharge statement less than {ECA_WAIT_DAYS} days ago",
           "notice_missing": f"no ECA notice printed at least {NOTICE_DAYS} days ago",
           "oral_attempt_missing": "no call logged after the ECA notice"}


def cutoffs(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """(latest first statement, latest notice) that still allow an ECA on `as_of`."""
    return as_of - dt.timedelta(days=ECA_WAIT_DAYS), as_of - dt.timedelta(days=NOTICE_DAYS)


def params(as_of: dt.date) -> dict[str, Any]:
    wait, notice = cutoffs(as_of)
    return {"el_eca_wait": wait, "el_eca_notice": notice}


def eca_agencies(uow: UnitOfWork, practice: Practice) -> tuple[int, ...] | None:
    """The practice's agencies whose placements are ECAs, or None when 501(r) does not apply."""
    if not practice.nonprofit_501r:
        return None
    rows = uow.session.execute(q("SELECT id FROM agency WHERE practice_id = :p AND eca_kinds <> '' ORDER BY id",
                                 {"p": practice.id})).scalars().all()
    return tuple(int(r) for r in rows)


def first_statement_sql(encounter: str, on_or_before: str | None = None) -> str:
    """SQL: a statement covering the encounter dated on or after its date of service (and on or
    before `on_or_before` when given): the encounter's own, or an aggregated one of its guarantor."""
    until = f" AND s.date <= {on_or_before}" if on_or_before else ""
    return (f"FROM statement s JOIN encounter se ON se.id = {encounter} WHERE s.guarantor_id = se.guarantor_id "
            f"AND (s.encounter_id IS NULL OR s.encounter_id = se.id) AND s.date >= se.dos{until}")


_NOTICE = "FROM eca_notice n WHERE n.guarantor_id = {g} AND n.printed_date <= :el_eca_notice"


def conditions(guarantor: str, encounter: str) -> list[tuple[str, str]]:
    """(reason, SQL true when it forbids the ECA) in the order they are reported."""
    notice = _NOTICE.format(g=guarantor)
    return [("eca_wait", f"NOT EXISTS (SELECT 1 {first_statement_sql(encounter, ':el_eca_wait')})"),
            ("notice_missing", f"NOT EXISTS (SELECT 1 {notice})"),
            ("oral_attempt_missing", f"NOT EXISTS (SELECT 1 {notice} AND EXISTS (SELECT 1 FROM contact_log c "
                                     "WHERE c.guarantor_id = n.guarantor_id AND c.call_date > n.printed_date "
                                     "AND c.call_date <= :el_d))")]


# ------------------------------------------------------------------------------ one account (explain)

@dataclass(frozen=True)
class Facts:
    """What the three conditions look at for one guarantor, read for explain and the worklists."""
    first_statements: dict[int, dt.date | None]  # encounter id -> its first post-discharge statement
    notice: dt.date | None                       # the first notice printed by D - 30
    latest_notice: dt.date | None                # the latest notice printed by D at all
    call_after: dt.date | None                   # the first call after `notice`, by D

    def reasons(self, encounter_id: int, as_of: dt.date) -> list[tuple[str, Any, Any]]:
        """(code, actual, threshold) of every condition not met for one encounter, in order."""
        wait, limit = cutoffs(as_of)
        first = self.first_statements.get(encounter_id)
        found: list[tuple[str, Any, Any]] = []
        if first is None or first > wait:
            found.append(("eca_wait", f"{(as_of - first).days} days" if first else "no statement",
                          f"{ECA_WAIT_DAYS} days"))
        if self.notice is None:
            printed = f"printed {self.latest_notice}" if self.latest_notice else "none printed"
            found.append(("notice_missing", printed, f"printed on or before {limit}"))
        elif self.call_after is None:
            found.append(("oral_attempt_missing", "no call", f"a call after {self.notice}"))
        return found


def facts_sql(guarantor: str, encounter: str) -> tuple[str, str, str]:
    """SQL for the facts of `Facts` that decide the ECA date, over a guarantor and an encounter
    expression (params: `params(as_of)` and :el_d): the encounter's first post-discharge
    statement, the guarantor's first notice printed by D - 30, the first call after it by D.
    One statement reads them for many debts (core.credit_reporting.guards_of) or one (`facts`)."""
    notice = f"(SELECT MIN(n.printed_date) {_NOTICE.format(g=guarantor)})"
    call = (f"(SELECT MIN(cc.call_date) FROM contact_log cc WHERE cc.guarantor_id = {guarantor} "
            f"AND cc.call_date > {notice} AND cc.call_date <= :el_d)")
    return f"(SELECT MIN(s.date) {first_statement_sql(encounter)})", notice, call


def facts(uow: UnitOfWork, guarantor_id: int, encounter_ids: list[int], as_of: dt.date) -> Facts:
    """The three conditions' facts for one guarantor (a few indexed reads)."""
    first_sql, notice_sql, call_sql = facts_sql(":g", ":e")
    p = {"g": guarantor_id, "d": as_of, **params(as_of), "el_d": as_of}
    firsts: dict[int, dt.date | None] = {}
    for e in encounter_ids:
        firsts[e] = as_date(uow.session.execute(q(f"SELECT {first_sql}", {**p, "e": e})).scalar_one())
    notice = as_date(uow.session.execute(q(f"SELECT {notice_sql}", p)).scalar_one())
    latest = as_date(uow.session.execute(q("SELECT MAX(printed_date) FROM eca_notice WHERE guarantor_id = :g "
                                           "AND printed_date <= :d", p)).scalar_one())
    call = as_date(uow.session.execute(q(f"SELECT {call_sql}", p)).scalar_one()) if notice is not None else None
    return Facts(firsts, notice, latest, call)
