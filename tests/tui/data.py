"""Deterministic test data for the screens, built through the ledger's own functions.

Two practices. "North Clinic" has 40 patients and one employer; guarantor G001 (Ada Lovelace)
has two encounters, a payment, escrow, a statement and part of one encounter in collections,
so every section of both dashboards has something to show.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import select

from core import ledger
from core.models import Encounter, Guarantor, Practice, ServiceLine, Statement

DAY = dt.date(2026, 6, 1)
AS_OF = dt.date(2026, 11, 23)
LAST = ["Lovelace", "Hopper", "Turing", "Knuth", "Liskov", "Ritchie", "Thompson", "Kernighan",
        "Dijkstra", "Hamilton"]
FIRST = ["Ada", "Grace", "Alan", "Donald"]


@dataclass
class Built:
    practice_id: int
    other_practice_id: int
    ada_id: int              # guarantor G001
    ada_encounter_ids: list[int]
    guarantor_count: int     # in North Clinic


def _name(i: int) -> str:
    return f"{FIRST[i % len(FIRST)]} {LAST[i % len(LAST)]}" if i else "Ada Lovelace"


def build(u) -> Built:  # type: ignore[no-untyped-def]
    s = u.session
    # Every encounter here keeps an insurance line open; these tests are about the screens, so the
    # practices do not wait for insurance (the rule has its own tests: tests/test_collectable.py).
    north = Practice(source_id="P1", name="North Clinic", wait_for_insurance=False)
    south = Practice(source_id="P2", name="South Clinic", wait_for_insurance=False)
    s.add_all([north, south])
    s.flush()
    guarantors = [Guarantor(practice_id=north.id, source_id=f"G{i + 1:03d}", kind="patient",
                            name=_name(i), birth_date=dt.date(1960 + i, 1 + i % 12, 1 + i % 28),
                            address1=f"{i + 1} Main St", city="Springfield", state="IL", zip="62701",
                            phone="555-0100") for i in range(40)]
    guarantors.append(Guarantor(practice_id=north.id, source_id="G900", kind="employer",
                                name="Acme Tools Inc"))
    guarantors.append(Guarantor(practice_id=south.id, source_id="G001", kind="patient", name="Sam South"))
    s.add_all(guarantors)
    s.flush()
    j = ledger.open_journal(u, "test", "tester", DAY, north.id)
    encounter_ids: list[int] = []
    for i, g in enumerate(guarantors[:41]):
        for k in range(2 if i == 0 else 1):
            dos = DAY - dt.timedelta(days=10 * i + 30 * k)
            e = Encounter(practice_id=north.id, source_id=f"E{i + 1:03d}{k}", guarantor_id=g.id,
                          patient_name=g.name if g.kind == "patient" else "Wile Coyote", dos=dos,
                          case_id=f"C{i + 1}", statement_profile="STD", dunning_count=k + i % 3,
                          statements_sent=i % 4)
            s.add(e)
            s.flush()
            if i == 0:
                encounter_ids.append(e.id)
            _lines(u, j, north.id, g.id, e, i, k)
    ada = guarantors[0]
    ledger.post(u, j, practice_id=north.id, guarantor_id=ada.id, line_id=None, date=DAY,
                kind="payment", source="patient", amount_cents=1500, memo="unapplied")
    s.add(Statement(practice_id=north.id, source_id="S1", guarantor_id=ada.id,
                    encounter_id=encounter_ids[0], date=DAY, dunning_level=1))
    ledger.close_journal(u, j)
    # part of Ada's older encounter is transferred to collections
    line = s.exec(select(ServiceLine).where(ServiceLine.source_id == "L0011G")).one()
    j2 = ledger.open_journal(u, "test", "tester", DAY, north.id)
    ledger.post(u, j2, practice_id=north.id, guarantor_id=ada.id, line_id=line.id, date=DAY,
                kind="transfer", amount_cents=4000, memo="to collections")
    ledger.close_journal(u, j2)
    return Built(north.id, south.id, ada.id, encounter_ids, 41)


def _lines(u, j, practice_id: int, guarantor_id: int, e: Encounter, i: int, k: int) -> None:  # type: ignore[no-untyped-def]
    s = u.session
    amounts = {"G": 5000 + 1000 * i + 2500 * k, "I": 12000 + 100 * i}
    for tag, resp in (("G", "guarantor"), ("I", "insurance")):
        line = ServiceLine(practice_id=practice_id, source_id=f"L{i + 1:03d}{k}{tag}", encounter_id=e.id,
                           guarantor_id=guarantor_id, dos=e.dos, case_id=e.case_id,
                           procedure_code="99213" if tag == "G" else "80050", amount_cents=amounts[tag],
                           posted_date=e.dos, responsibility=resp, responsibility_date=e.dos)
        s.add(line)
        s.flush()
        ledger.post(u, j, practice_id=practice_id, guarantor_id=guarantor_id, line_id=line.id,
                    date=e.dos, kind="charge", amount_cents=line.amount_cents)
        if tag == "G" and i % 5 == 0:
            ledger.post(u, j, practice_id=practice_id, guarantor_id=guarantor_id, line_id=line.id,
                        date=e.dos, kind="payment", source="patient", amount_cents=2000)
