"""Itemization (SPEC 15.3) locked at the first placement, and the credit-reporting guard (15.4):
the 365-day wait, the first letter + 14 days, the under-minimum and paid-debt rules, the
"placed, not yet reportable" figure; shown by explain. Both databases, explicit dates."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from core import compliance_settings, credit_reporting, external, itemization, ledger, verdicts
from core.models.ledger import Statement
from tests import factories as f
from tests.external_helpers import agency, run

D = dt.date(2026, 2, 1)


@pytest.fixture
def placed(uow, admin, tmp_path):  # type: ignore[no-untyped-def]
    """E1: 120.00 posted 1 October 2025, 20.00 paid 1 November, statement 15 November; placed
    with AG1 on 1 February 2026 under the "last statement" basis."""
    with uow() as u:
        p = f.practice(u, itemization_basis="last_statement")
        g = f.guarantor(u, p, "G1")
        e = f.encounter(u, p, g, [12_000], source_id="E1", posted=dt.date(2025, 10, 1))
        f.pay(u, e, 2_000, dt.date(2025, 11, 1))
        u.session.add(Statement(practice_id=p.id, source_id="S1", guarantor_id=g.id, encounter_id=e.id,
                                date=dt.date(2025, 11, 15)))
        u.commit()
    agency(uow, admin, p, "AG1", "0.00", 30)
    run(uow, admin, p, D, tmp_path)
    with uow() as u:
        external.approve(u, admin, p.id, D, None, confirmed=True)
    return p.id


def agency_payment(uow, pid: int, cents: int, day: dt.date) -> None:  # type: ignore[no-untyped-def]
    with uow() as u:
        gid, lid = u.session.execute(text("SELECT guarantor_id, id FROM service_line")).one()
        j = ledger.open_journal(u, "test.agency_payment", "t", day, pid)
        ledger.post(u, j, practice_id=pid, guarantor_id=gid, line_id=lid, date=day, kind="payment",
                    amount_cents=cents, source="agency", bucket_from="collections")
        ledger.close_journal(u, j)
        u.commit()


def encounter_id(uow) -> int:  # type: ignore[no-untyped-def]
    with uow(write=False) as u:
        return int(u.session.execute(text("SELECT id FROM encounter WHERE source_id = 'E1'")).scalar_one())


def test_the_first_placement_locks_the_itemization_date_and_balance(uow, admin, placed) -> None:
    with uow() as u:
        compliance_settings.set_compliance(u, admin, placed, D, itemization_basis="service")
    with uow(write=False) as u:
        row = u.session.execute(text("SELECT placed_by, first_placed, first_placed_cents, first_delinquency, "
                                     "itemization_basis, itemization_date, itemization_cents FROM placed_debt")).one()
    assert (row[0], str(row[1]), row[2], str(row[3]), row[4], str(row[5]), row[6]) == (
        "external", "2026-02-01", 10_000, "2025-10-01", "last_statement", "2025-11-15", 10_000)


def test_the_itemization_adds_up_to_the_current_balance_and_explain_shows_it(uow, admin, placed) -> None:
    agency_payment(uow, placed, 3_000, dt.date(2026, 2, 10))
    on = dt.date(2026, 2, 15)
    with uow(write=False) as u:
        [item] = itemization.itemizations(u, [encounter_id(uow)], on).values()
        x = verdicts.explain(u, admin, None, on, guarantor="G1")
    assert (item.balance_on_date, item.interest, item.fees, item.payments_credits, item.current) == (
        10_000, 0, 0, 3_000, 7_000) and item.holds()
    lines = verdicts.text_lines(x)
    assert ("  E1: last_statement 2025-11-15: 100.00 + interest 0.00 + fees 0.00 - payments and credits 30.00 "
            "= 70.00") in lines
    assert verdicts.as_dict(x)["itemization"][0]["current"] == "70.00"


def test_a_debt_first_placed_under_the_minimum_is_never_reported(uow, admin, placed) -> None:
    with uow(write=False) as u:
        [g] = credit_reporting.guards(u, placed, 1, dt.date(2027, 1, 1))
        assert g.never_report and not g.reportable_on(dt.date(2027, 1, 1))
        figure = credit_reporting.not_yet_reportable(u, admin, placed, dt.date(2027, 1, 1))
    assert figure == credit_reporting.NotYet(1, 10_000)


def test_reportable_from_the_latest_of_365_days_and_the_first_letter(uow, admin, placed) -> None:
    with uow() as u:
        compliance_settings.set_compliance(u, admin, placed, D, credit_report_min_cents=5_000)
    with uow(write=False) as u:
        [g] = credit_reporting.guards(u, placed, 1, D)
    assert g.reportable_from is None and not g.never_report  # no collection letter yet
    with uow() as u:
        u.session.execute(text("INSERT INTO letter_queue (practice_id, guarantor_id, status_code, template, episode, "
                               "queued_date, printed_date) VALUES (:p, 1, 'S1', 'Final notice', 1, :d, :d)"),
                          {"p": placed, "d": dt.date(2026, 9, 25)})
        u.commit()
    with uow(write=False) as u:
        [g] = credit_reporting.guards(u, placed, 1, D)
        assert g.reportable_from == dt.date(2026, 10, 9)  # the letter + 14 days beats 1 October 2026
        counts = [credit_reporting.not_yet_reportable(u, admin, placed, day).count
                  for day in (dt.date(2026, 10, 8), dt.date(2026, 10, 9))]
    assert counts == [1, 0]


def test_a_debt_paid_in_full_gets_a_close_record(uow, admin, placed) -> None:
    agency_payment(uow, placed, 10_000, dt.date(2026, 2, 10))
    with uow() as u:
        assert credit_reporting.close_paid(u, admin, placed, dt.date(2026, 2, 11)) == 1
    with uow(write=False) as u:
        [g] = credit_reporting.guards(u, placed, 1, dt.date(2026, 2, 11))
        assert g.closed == "paid — delete"
        assert credit_reporting.not_yet_reportable(u, admin, placed, dt.date(2026, 2, 11)).count == 0
