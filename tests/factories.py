"""Test data through the real ledger: practices, guarantors, encounters with charged lines, payments.

Every amount is posted with core.ledger (open_journal / post / close_journal), so balances and
caches are exactly what production code would produce and `recoup verify` holds. Functions
flush but never commit: the test commits its unit of work when the data is complete.
Amounts are integer cents (write them as money.parse("100.00") or 10000).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from typing import Any

from core import ledger
from core.models.ledger import Encounter, Guarantor, Practice, ServiceLine
from core.uow import UnitOfWork

DAY0 = dt.date(2026, 1, 1)
_ids = itertools.count(1)


def _next(prefix: str) -> str:
    return f"{prefix}{next(_ids)}"


def practice(uow: UnitOfWork, source_id: str = "P1", name: str = "Practice One", **kw: object) -> Practice:
    p = Practice(source_id=source_id, name=name, **kw)
    uow.session.add(p)
    uow.session.flush()
    return p


def guarantor(uow: UnitOfWork, practice: Practice, source_id: str | None = None, kind: str = "patient",
              name: str | None = None, **kw: object) -> Guarantor:
    source_id = source_id or _next("G")
    g = Guarantor(practice_id=practice.id, source_id=source_id, kind=kind, name=name or f"Guarantor {source_id}",
                  **kw)
    uow.session.add(g)
    uow.session.flush()
    return g


def encounter(uow: UnitOfWork, practice: Practice, guarantor: Guarantor, lines: Sequence[int],
              source_id: str | None = None, posted: dt.date = DAY0, responsibility: str = "guarantor",
              responsibility_date: dt.date | None = None, dunning: int = 0,
              statement_profile: str | None = None, procedure_code: str | None = "99213",
              operator: str = "factory", **kw: object) -> Encounter:
    """An encounter whose lines are charged (charge -> ar) on their posted date."""
    source_id = source_id or _next("E")
    e = Encounter(practice_id=practice.id, source_id=source_id, guarantor_id=guarantor.id,
                  patient_name=kw.pop("patient_name", guarantor.name), dos=kw.pop("dos", posted),
                  dunning_count=dunning, statement_profile=statement_profile, **kw)
    uow.session.add(e)
    uow.session.flush()
    j = ledger.open_journal(uow, "factory.charges", operator, posted, practice.id)
    for n, amount in enumerate(lines, start=1):
        line = ServiceLine(practice_id=practice.id, source_id=f"{source_id}-{n}", encounter_id=e.id,
                           guarantor_id=guarantor.id, dos=e.dos, amount_cents=amount, posted_date=posted,
                           responsibility=responsibility, responsibility_date=responsibility_date,
                           procedure_code=procedure_code)
        uow.session.add(line)
        uow.session.flush()
        ledger.post(uow, j, practice_id=practice.id, guarantor_id=guarantor.id, line_id=line.id,
                    date=posted, kind="charge", amount_cents=amount, source="other")
    ledger.close_journal(uow, j)
    uow.session.refresh(e)
    return e


def lines_of(uow: UnitOfWork, enc: Encounter) -> list[ServiceLine]:
    from sqlmodel import col, select
    return list(uow.session.exec(select(ServiceLine).where(ServiceLine.encounter_id == enc.id)
                                 .order_by(col(ServiceLine.id))))


def pay(uow: UnitOfWork, enc: Encounter, amount: int, date: dt.date, source: str = "patient",
        operator: str = "factory") -> None:
    """A payment applied to the encounter's lines in order, each up to its A/R balance."""
    j = ledger.open_journal(uow, "factory.payment", operator, date, enc.practice_id)
    left = amount
    for line in lines_of(uow, enc):
        part = min(left, line.ar_cents)
        if part > 0:
            ledger.post(uow, j, practice_id=enc.practice_id, guarantor_id=line.guarantor_id, line_id=line.id,
                        date=date, kind="payment", amount_cents=part, source=source)
            left -= part
    if left:
        raise ValueError(f"payment of {amount} cents is more than encounter {enc.source_id} owes")
    ledger.close_journal(uow, j)
    uow.session.refresh(enc)


def unapplied(uow: UnitOfWork, g: Guarantor, amount: int, date: dt.date, source: str = "insurance",
              operator: str = "factory") -> None:
    """Money received for the guarantor but not applied to a line: escrow."""
    j = ledger.open_journal(uow, "factory.unapplied", operator, date, g.practice_id)
    ledger.post(uow, j, practice_id=g.practice_id, guarantor_id=g.id, line_id=None, date=date,
                kind="payment", amount_cents=amount, source=source)
    ledger.close_journal(uow, j)
    uow.session.refresh(g)


def identity(make_uow: Any) -> str:
    """The database identity every file name carries (core.exchange.identity), kept: a database
    emptied by TRUNCATE (the PostgreSQL fixtures) makes it on first use."""
    from core.exchange.identity import database_identity
    with make_uow() as u:
        found = database_identity(u)
        u.commit()
    return found
