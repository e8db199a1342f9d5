"""SPEC 14 protections: the SQL the batches use and the Python explain uses agree, guarantor by
guarantor, on both databases; editing them is audited and checked; the practice's settings."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from core import protections as pr
from core.errors import BadInput, Refused
from core.models import AuditEntry, Guarantor
from core.sql import q
from tests import factories as f

AS_OF = dt.date(2026, 3, 15)

PEOPLE = {  # source id -> protection facts
    "ADULT": {"birth_date": dt.date(1980, 1, 1)},
    "MINOR": {"birth_date": dt.date(2010, 3, 16)},                         # 18 tomorrow
    "EIGHTEEN": {"birth_date": dt.date(2008, 3, 15)},                      # 18 today
    "MINOR_RP": {"birth_date": dt.date(2015, 1, 1), "responsible_party_name": "Parent"},
    "DEAD": {"date_of_death": dt.date(2026, 3, 1)},
    "DEAD_LATER": {"date_of_death": dt.date(2026, 4, 1)},
    "ESTATE": {"date_of_death": dt.date(2026, 1, 1), "responsible_party_name": "Executor"},
    "BANKRUPT": {"bankruptcy_filed": dt.date(2026, 2, 1), "bankruptcy_chapter": "7"},
    "POOR": {"household_income_cents": 2_000_000, "household_size": 2},    # under 200 % of 21,150.00
    "OK_INCOME": {"household_income_cents": 5_000_000, "household_size": 2},
}


@pytest.fixture
def people(uow, admin):  # type: ignore[no-untyped-def]
    with uow() as u:
        p = f.practice(u, income_threshold_pct=200)
        for sid, facts in PEOPLE.items():
            f.guarantor(u, p, sid, **facts)
        pid = p.id
        u.commit()
    for year, base, per in ((2024, 1_506_000, 538_000), (2025, 1_565_000, 550_000)):  # as migration 0015 loads
        with uow() as u:                                                                # (PostgreSQL tests truncate)
            pr.set_guideline(u, admin, year, base, per, AS_OF)
    return pid


def test_sql_and_python_agree_on_every_protection(uow, people) -> None:
    with uow() as u:
        practice = u.session.get(f.Practice, people)
        rule = pr.income_rule(u, practice, AS_OF)
        assert rule is not None and (rule.year, rule.limit_cents(2)) == (2025, 2 * (1_565_000 + 550_000))
        checks = pr.protected_sql(rule)
        cols = ", ".join(f"CASE WHEN {sql} THEN 1 ELSE 0 END" for sql in checks.values())
        rows = u.session.execute(q(f"SELECT g.source_id, {cols} FROM guarantor g", pr.protection_params(rule, AS_OF)))
        by_sql = {sid: {k for k, v in zip(checks, flags, strict=False) if v} for sid, *flags in rows}
        by_python = {g.source_id: {code.split(":")[1] for code, _ in pr.protections_of(g, AS_OF, rule)}
                     for g in u.session.exec(select(Guarantor))}
    assert by_sql == by_python
    assert by_sql == {"ADULT": set(), "MINOR": {"minor"}, "EIGHTEEN": set(), "MINOR_RP": set(), "DEAD": {"deceased"},
                      "DEAD_LATER": set(), "ESTATE": set(), "BANKRUPT": {"bankruptcy"}, "POOR": {"income_exempt"},
                      "OK_INCOME": set()}


def test_without_a_threshold_nobody_is_income_exempt(uow, admin, people) -> None:
    with uow() as u:
        pr.set_practice_rules(u, admin, people, AS_OF, clear_threshold=True)
    with uow() as u:
        practice = u.session.get(f.Practice, people)
        assert pr.income_rule(u, practice, AS_OF) is None
        sql = pr.protected_sql(None)["income_exempt"]
        n = u.session.execute(q(f"SELECT COUNT(*) FROM guarantor g WHERE {sql}", pr.protection_params(None, AS_OF)))
        assert n.scalar_one() == 0


def test_editing_protections_is_checked_and_audited(uow, admin, people) -> None:
    with uow() as u:
        gid = u.session.exec(select(Guarantor.id).where(Guarantor.source_id == "ADULT")).one()
    with uow() as u, pytest.raises(BadInput, match="date_of_death: 2026-03-16 is after the business date"):
        pr.set_protections(u, admin, gid, {"date_of_death": dt.date(2026, 3, 16)}, AS_OF)
    with uow() as u, pytest.raises(BadInput, match="bankruptcy_chapter"):
        pr.set_protections(u, admin, gid, {"bankruptcy_chapter": "9"}, AS_OF)
    with uow() as u:
        pr.set_protections(u, admin, gid, {"bankruptcy_filed": dt.date(2026, 3, 2), "bankruptcy_chapter": "13"}, AS_OF)
    with uow() as u:
        g = u.session.get(Guarantor, gid)
        assert (g.bankruptcy_filed, g.bankruptcy_chapter, g.version) == (dt.date(2026, 3, 2), "13", 2)
        entry = u.session.exec(select(AuditEntry).where(AuditEntry.action == "guarantor.protections")).one()
        assert '"bankruptcy_chapter":null' in entry.before and "ADULT" in entry.record_ids


def test_only_supervisors_edit_and_admins_set_guidelines(uow, admin, people) -> None:
    from core import security
    with uow() as u:
        security.add_user(u, admin, "cora", "collector")
    with uow() as u:
        cora = security.authenticate(u, "cora")
    with uow() as u, pytest.raises(Refused):
        pr.set_protections(u, cora, 1, {"household_size": 2}, AS_OF)
    with uow() as u, pytest.raises(Refused):
        pr.set_guideline(u, cora, 2026, 1_600_000, 560_000, AS_OF)
    with uow() as u:
        pr.set_guideline(u, admin, 2026, 1_600_000, 560_000, AS_OF)
    with uow() as u:
        assert [(g.year, g.base_cents) for g in pr.guidelines(u)] == [(2024, 1_506_000), (2025, 1_565_000),
                                                                       (2026, 1_600_000)]
        rule = pr.income_rule(u, u.session.get(f.Practice, people), AS_OF)
        assert rule is not None and rule.year == 2026


def test_insurance_open_sql(uow, admin) -> None:
    with uow() as u:
        p = f.practice(u)
        g = f.guarantor(u, p, "G1")
        f.encounter(u, p, g, [1000], source_id="OPEN", insurance_status="open")
        f.encounter(u, p, g, [1000], source_id="APPEAL", insurance_status="appeal")
        f.encounter(u, p, g, [1000], source_id="CLOSED", insurance_status="closed")
        f.encounter(u, p, g, [1000], source_id="INS_AR", responsibility="insurance")
        f.encounter(u, p, g, [1000], source_id="NONE")
        u.commit()
    with uow() as u:
        rows = u.session.execute(q(f"SELECT e.source_id FROM encounter e WHERE {pr.insurance_open_sql()} "
                                   "ORDER BY e.source_id")).scalars().all()
    assert rows == ["APPEAL", "INS_AR", "OPEN"]


def test_adulthood_on_29_february() -> None:
    assert pr.adult_born_on_or_before(dt.date(2028, 2, 29)) == dt.date(2010, 2, 28)
