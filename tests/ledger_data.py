"""A tiny practice built through the ledger's own functions, for foundation tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core import ledger
from core.models import Encounter, Guarantor, Practice, ServiceLine

DAY = dt.date(2026, 6, 1)


@dataclass
class Tiny:
    practice_id: int
    guarantor_id: int
    encounter_id: int
    line_ids: list[int]


def build_tiny(u) -> Tiny:  # type: ignore[no-untyped-def]
    """One patient, one encounter, two lines (100.00 guarantor, 250.00 insurance), a 30.00
    payment on the first line and 15.00 unapplied (escrow)."""
    s = u.session
    p = Practice(source_id="P1", name="Tiny Practice")
    s.add(p)
    s.flush()
    g = Guarantor(practice_id=p.id, source_id="G1", kind="patient", name="Ada Lovelace")
    s.add(g)
    s.flush()
    e = Encounter(practice_id=p.id, source_id="E1", guarantor_id=g.id, dos=DAY)
    s.add(e)
    s.flush()
    l1 = ServiceLine(practice_id=p.id, source_id="L1", encounter_id=e.id, guarantor_id=g.id, dos=DAY,
                     amount_cents=10000, posted_date=DAY, responsibility="guarantor")
    l2 = ServiceLine(practice_id=p.id, source_id="L2", encounter_id=e.id, guarantor_id=g.id, dos=DAY,
                     amount_cents=25000, posted_date=DAY, responsibility="insurance")
    s.add_all([l1, l2])
    s.flush()
    j = ledger.open_journal(u, "test", "tester", DAY, p.id)
    for line in (l1, l2):
        ledger.post(u, j, practice_id=p.id, guarantor_id=g.id, line_id=line.id, date=DAY,
                    kind="charge", amount_cents=line.amount_cents)
    ledger.post(u, j, practice_id=p.id, guarantor_id=g.id, line_id=l1.id, date=DAY, kind="payment",
                source="patient", amount_cents=3000)
    ledger.post(u, j, practice_id=p.id, guarantor_id=g.id, line_id=None, date=DAY, kind="payment",
                source="patient", amount_cents=1500)
    ledger.close_journal(u, j)
    return Tiny(p.id, g.id, e.id, [l1.id, l2.id])
