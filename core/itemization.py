"""Itemization (Regulation F, SPEC 15.3): what a placed debt was on its itemization date, and how
it got from there to today.

Why locked at the first placement: the date is chosen by a practice setting (last statement,
placement, last payment, date of service), and a debt must keep telling the same story after the
setting changes, so its first placement or turnover writes one `placed_debt` row (set-based, over
the journal that moved the money) and every later read starts from it. The same row carries what
the credit-reporting guard needs (core.credit_reporting): the first placed balance and the date of
first delinquency.

The itemization then is plain ledger arithmetic over the encounter's guarantor lines:
balance on the date + interest + fees - payments and credits since = the current balance. Recoup
charges no interest (always 0.00); fees are collection fees and charges posted after the date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from core.eca import first_statement_sql
from core.eligibility import aging_anchor
from core.models.ledger import Practice
from core.sql import as_date, q
from core.uow import UnitOfWork

OWED = ("ar", "collections")


def _owed_change(t: str = "t") -> str:
    """SQL: what transaction `t` adds to the amount owed (A/R plus collections)."""
    owed = " OR ".join(f"{t}.bucket_to = '{b}'" for b in OWED)
    gone = " OR ".join(f"{t}.bucket_from = '{b}'" for b in OWED)
    return f"(CASE WHEN ({owed}) AND NOT ({gone}) THEN {t}.amount_cents WHEN ({gone}) AND NOT ({owed}) " \
           f"THEN -{t}.amount_cents ELSE 0 END)"


def _item_date(basis: str) -> str:
    """SQL for the itemization date of encounter `pe` placed on :d, by the practice's basis
    (the placement date when the chosen fact does not exist yet)."""
    if basis == "service":
        return "pe.dos"
    if basis == "last_statement":
        return f"COALESCE((SELECT MAX(s.date) {first_statement_sql('pe.id', ':d')}), :d)"
    if basis == "last_payment":
        return ("COALESCE((SELECT MAX(tp.date) FROM ledger_txn tp JOIN service_line lp ON lp.id = tp.line_id "
                "WHERE lp.encounter_id = pe.id AND tp.kind = 'payment' AND tp.date <= :d), :d)")
    return ":d"


def lock_placed(uow: UnitOfWork, practice: Practice, journal_id: int, placed_by: str, kind: str,
                as_of: dt.date) -> None:
    """Record the first placement of every encounter whose lines journal `journal_id` moved (its
    transactions of `kind`: transfer for agency placement, write_off for turnover); encounters
    placed before keep their row. The balance on the itemization date leaves this journal out, so
    a turnover's write-off does not empty it."""
    basis = practice.itemization_basis
    uow.session.execute(q(f"""
        INSERT INTO placed_debt (practice_id, guarantor_id, encounter_id, placed_by, first_placed, first_placed_cents,
                                 first_delinquency, itemization_basis, itemization_date, itemization_cents)
        SELECT pe.practice_id, pe.guarantor_id, pe.id, :by, :d, mv.cents, m.anchor, :basis, {_item_date(basis)}, 0
        FROM (SELECT l.encounter_id AS eid, SUM(t.amount_cents) AS cents
              FROM ledger_txn t JOIN service_line l ON l.id = t.line_id
              WHERE t.journal_id = :j AND t.kind = :kind GROUP BY l.encounter_id) mv
        JOIN encounter pe ON pe.id = mv.eid
        JOIN (SELECT l.encounter_id AS eid, MIN({aging_anchor(practice.aging_basis, 'l')}) AS anchor
              FROM service_line l WHERE l.responsibility = 'guarantor'
              AND l.encounter_id IN (SELECT lx.encounter_id FROM ledger_txn tx
                                     JOIN service_line lx ON lx.id = tx.line_id WHERE tx.journal_id = :j)
              GROUP BY l.encounter_id) m ON m.eid = pe.id
        WHERE NOT EXISTS (SELECT 1 FROM placed_debt pd WHERE pd.encounter_id = pe.id)""",
        {"by": placed_by, "d": as_of, "basis": basis, "j": journal_id, "kind": kind}))
    uow.session.execute(q(f"""
        UPDATE placed_debt SET itemization_cents = (
            SELECT COALESCE(SUM({_owed_change()}), 0) FROM ledger_txn t JOIN service_line l ON l.id = t.line_id
            WHERE l.encounter_id = placed_debt.encounter_id AND l.responsibility = 'guarantor'
              AND t.date <= placed_debt.itemization_date AND t.journal_id <> :j)
        WHERE first_placed = :d AND placed_by = :by AND encounter_id IN (
            SELECT l.encounter_id FROM ledger_txn t JOIN service_line l ON l.id = t.line_id WHERE t.journal_id = :j)""",
        {"j": journal_id, "d": as_of, "by": placed_by}))


@dataclass(frozen=True)
class Itemization:
    """A placed debt's itemization on a business date (cents)."""
    encounter: str
    basis: str
    date: dt.date
    balance_on_date: int
    interest: int
    fees: int
    payments_credits: int
    current: int

    def holds(self) -> bool:
        return self.balance_on_date + self.interest + self.fees - self.payments_credits == self.current

    def as_dict(self) -> dict[str, Any]:
        from core.money import format_plain
        return {"encounter": self.encounter, "basis": self.basis, "itemization_date": self.date.isoformat(),
                "balance_on_date": format_plain(self.balance_on_date), "interest": format_plain(self.interest),
                "fees": format_plain(self.fees), "payments_credits": format_plain(self.payments_credits),
                "current": format_plain(self.current)}


_SINCE = f"""
    SELECT pd.encounter_id, e.source_id, pd.itemization_basis, pd.itemization_date, pd.itemization_cents,
      COALESCE(SUM(CASE WHEN t.date > pd.itemization_date AND {_owed_change()} > 0 THEN {_owed_change()} END), 0),
      COALESCE(SUM(CASE WHEN t.date > pd.itemization_date AND {_owed_change()} < 0 THEN -{_owed_change()} END), 0),
      COALESCE(SUM(CASE WHEN t.date > pd.itemization_date THEN {_owed_change()} END), 0)
    FROM placed_debt pd JOIN encounter e ON e.id = pd.encounter_id
    LEFT JOIN service_line l ON l.encounter_id = pd.encounter_id AND l.responsibility = 'guarantor'
    LEFT JOIN ledger_txn t ON t.line_id = l.id AND t.date <= :d
    WHERE pd.encounter_id IN :ids
    GROUP BY pd.encounter_id, e.source_id, pd.itemization_basis, pd.itemization_date, pd.itemization_cents
    ORDER BY e.source_id"""


def itemizations(uow: UnitOfWork, encounter_ids: list[int], as_of: dt.date) -> dict[int, Itemization]:
    """The itemization of each placed encounter among `encounter_ids` on the business date (one
    statement), for explain, letters and placement records. Encounters never placed are absent."""
    if not encounter_ids:
        return {}
    rows = uow.session.execute(q(_SINCE, {"ids": sorted(set(encounter_ids)), "d": as_of})).all()
    found = {}
    for eid, enc, basis, day, on_date, fees, credits, change in rows:
        found[int(eid)] = Itemization(enc, basis, as_date(day) or as_of, int(on_date), 0, int(fees), int(credits),
                                      int(on_date) + int(change))
    return found


def placed(uow: UnitOfWork, guarantor_id: int) -> list[int]:
    """The guarantor's encounters that were ever placed or turned over."""
    return [int(e) for e in uow.session.execute(q("SELECT encounter_id FROM placed_debt WHERE guarantor_id = :g "
                                                  "ORDER BY encounter_id", {"g": guarantor_id})).scalars()]


def by_guarantor(uow: UnitOfWork, guarantor_ids: list[int], as_of: dt.date) -> dict[int, list[Itemization]]:
    """The itemizations of the placed debts of each of `guarantor_ids` on the business date, in
    two statements however many guarantors (a print run asks once per page of letters)."""
    if not guarantor_ids:
        return {}
    pairs = uow.session.execute(q("SELECT guarantor_id, encounter_id FROM placed_debt WHERE guarantor_id IN :ids",
                                  {"ids": sorted(set(guarantor_ids))})).all()
    found = itemizations(uow, [int(e) for _g, e in pairs], as_of)
    out: dict[int, list[Itemization]] = {}
    for g, e in pairs:
        if int(e) in found:
            out.setdefault(int(g), []).append(found[int(e)])
    for items in out.values():
        items.sort(key=lambda i: (i.date, i.encounter))
    return out
