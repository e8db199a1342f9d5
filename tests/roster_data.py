"""Small roster scenarios built through the ledger's own functions (open_journal/post/close_journal)."""

from __future__ import annotations

import datetime as dt
import itertools

from core import ledger
from core.models import Encounter, Guarantor, Practice, ServiceLine

DAY0 = dt.date(2026, 3, 1)
_seq = itertools.count(1)


def day(n: int) -> dt.date:
    return DAY0 + dt.timedelta(days=n)


def practice(u, source: str = "P1") -> int:  # type: ignore[no-untyped-def]
    p = Practice(source_id=source, name=f"Practice {source}")
    u.session.add(p)
    u.session.flush()
    return int(p.id)


def guarantor(u, p: int, source: str, billing_group: str | None = None,  # type: ignore[no-untyped-def]
              kind: str = "patient") -> int:
    g = Guarantor(practice_id=p, source_id=source, kind=kind, name=f"Guarantor {source}",
                  address1="1 Main St", city="Springfield", state="IL", zip="62701",
                  billing_group=billing_group)
    u.session.add(g)
    u.session.flush()
    return int(g.id)


def charge(u, p: int, g: int, cents: int, posted: dt.date, *,  # type: ignore[no-untyped-def]
           responsibility: str = "guarantor", billing_group: str | None = None,
           responsibility_date: dt.date | None = None) -> int:
    """One encounter with one line of `cents`, charged through the ledger; returns the line id."""
    n = next(_seq)
    e = Encounter(practice_id=p, source_id=f"E{n}", guarantor_id=g, dos=posted)
    u.session.add(e)
    u.session.flush()
    line = ServiceLine(practice_id=p, source_id=f"L{n}", encounter_id=e.id, guarantor_id=g, dos=posted,
                       amount_cents=cents, posted_date=posted, responsibility=responsibility,
                       responsibility_date=responsibility_date, billing_group=billing_group,
                       procedure_code="99213")
    u.session.add(line)
    u.session.flush()
    j = ledger.open_journal(u, "test", "tester", posted, p)
    ledger.post(u, j, practice_id=p, guarantor_id=g, line_id=line.id, date=posted, kind="charge",
                amount_cents=cents)
    ledger.close_journal(u, j)
    return int(line.id)


def pay(u, p: int, g: int, cents: int, on: dt.date, line_id: int | None = None) -> None:  # type: ignore[no-untyped-def]
    """A patient payment on a line, or unapplied (escrow) when line_id is None."""
    j = ledger.open_journal(u, "test", "tester", on, p)
    ledger.post(u, j, practice_id=p, guarantor_id=g, line_id=line_id, date=on, kind="payment",
                source="patient", amount_cents=cents)
    ledger.close_journal(u, j)
