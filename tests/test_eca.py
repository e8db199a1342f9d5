"""IRS 501(r) (SPEC 15.5, 18.4): the three ECA conditions as eligibility reasons, through the real
external run and explain; only ECA agencies are guarded; the ECA notice letter. Both databases."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from core import compliance_settings, contacts, eca_notice, verdicts
from core.errors import BadInput, Refused
from core.models.ledger import Statement
from tests import factories as f
from tests.external_helpers import agency, placements, run

STATEMENT = dt.date(2026, 1, 1)
SUMMARY = "If your household income is under 400% of the poverty level, you may pay less or nothing."


def hospital(uow, admin, notice: dt.date, tmp_path: Path, *, eca_kinds: str = "credit_reporting",
             call: dt.date | None = dt.date(2026, 3, 20)) -> int:
    """A 501(r) hospital, one guarantor with one 100.00 line, first statement 1 January, one
    agency taking lines over 30 days old, an ECA notice printed on `notice`, a call on `call`."""
    with uow() as u:
        p = f.practice(u)
        g = f.guarantor(u, p, "G1", state="TX", address1="1 Main St", city="Austin", zip="78701")
        e = f.encounter(u, p, g, [10_000], source_id="E1", posted=dt.date(2025, 12, 15))
        u.session.add(Statement(practice_id=p.id, source_id="S1", guarantor_id=g.id, encounter_id=e.id,
                                date=STATEMENT))
        u.commit()
        pid = p.id
    with uow() as u:  # PostgreSQL's scratch tables are emptied, so the migration's rows are not there
        contacts.set_time_zone(u, admin, "TX", "America/Chicago", STATEMENT)
    agency(uow, admin, p, "AG1", "0.00", 30)
    with uow() as u:
        compliance_settings.set_compliance(u, admin, pid, STATEMENT, nonprofit_501r=True, fap_summary=SUMMARY)
    with uow() as u:
        compliance_settings.set_agency_eca(u, admin, pid, "AG1", [eca_kinds], STATEMENT)
    with uow() as u:
        eca_notice.print_notice(u, admin, pid, "G1", "report the debt to credit bureaus", notice, tmp_path)
    if call is not None:
        with uow() as u:
            contacts.log_call(u, admin, pid, "G1", "left_message", call, at=dt.datetime(2026, call.month, call.day, 10))
    return pid


def eca_reasons(uow, admin, on: dt.date) -> list[tuple[str, str, bool]]:
    with uow(write=False) as u:
        x = verdicts.explain(u, admin, None, on, guarantor="G1")
    ext = next(v for v in x.verdicts if v.workflow == "external")
    return [(r.code, str(r.actual), r.passed) for r in ext.reasons if r.code in
            ("eca", "eca_wait", "notice_missing", "oral_attempt_missing")]


def test_18_4_refused_on_29_april_for_the_120_day_wait_and_placed_on_1_may(uow, admin, tmp_path) -> None:
    pid = hospital(uow, admin, dt.date(2026, 3, 15), tmp_path)
    assert eca_reasons(uow, admin, dt.date(2026, 4, 29)) == [("eca_wait", "118 days", False)]
    run(uow, admin, _p(uow, pid), dt.date(2026, 4, 29), tmp_path)
    assert placements(uow) == {}
    assert eca_reasons(uow, admin, dt.date(2026, 5, 1)) == [("eca", "met", True)]
    run(uow, admin, _p(uow, pid), dt.date(2026, 5, 1), tmp_path)
    assert placements(uow) == {"E1-1": ("pending", "AG1", False)}


def test_18_4_a_notice_printed_on_5_april_is_too_late_on_1_may(uow, admin, tmp_path) -> None:
    pid = hospital(uow, admin, dt.date(2026, 4, 5), tmp_path, call=dt.date(2026, 4, 6))
    assert eca_reasons(uow, admin, dt.date(2026, 5, 1)) == [("notice_missing", "printed 2026-04-05", False)]
    run(uow, admin, _p(uow, pid), dt.date(2026, 5, 1), tmp_path)
    assert placements(uow) == {}


def test_a_call_before_the_notice_is_no_oral_attempt(uow, admin, tmp_path) -> None:
    pid = hospital(uow, admin, dt.date(2026, 3, 15), tmp_path, call=dt.date(2026, 3, 10))
    assert eca_reasons(uow, admin, dt.date(2026, 5, 1)) == [("oral_attempt_missing", "no call", False)]
    run(uow, admin, _p(uow, pid), dt.date(2026, 5, 1), tmp_path)
    assert placements(uow) == {}


def test_an_agency_that_takes_no_eca_is_not_guarded(uow, admin, tmp_path) -> None:
    pid = hospital(uow, admin, dt.date(2026, 4, 20), tmp_path, eca_kinds="none", call=None)
    assert eca_reasons(uow, admin, dt.date(2026, 4, 29)) == []
    run(uow, admin, _p(uow, pid), dt.date(2026, 4, 29), tmp_path)
    assert placements(uow) == {"E1-1": ("pending", "AG1", False)}


def test_the_notice_is_a_private_pdf_with_the_summary_and_a_30_day_deadline(uow, admin, tmp_path) -> None:
    hospital(uow, admin, dt.date(2026, 3, 15), tmp_path, call=None)
    [pdf] = list(tmp_path.glob("eca-notice-G1-2026-03-15_*.pdf"))
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_mode & 0o777 == 0o600
    with uow(write=False) as u:  # the words, through the function that wrote them into the PDF
        from sqlmodel import select

        from core.models.ledger import Guarantor, Practice
        p = u.session.exec(select(Practice)).one()
        g = u.session.exec(select(Guarantor)).one()
        text = eca_notice.notice_text(p, g, "report it", dt.date(2026, 3, 15), dt.date(2026, 4, 14))
    assert SUMMARY in text and "April 14, 2026" in text and "$100.00" in text and "Dear Guarantor G1" in text


def test_a_short_deadline_or_no_501r_is_refused_and_nothing_is_recorded(uow, admin, tmp_path) -> None:
    pid = hospital(uow, admin, dt.date(2026, 3, 15), tmp_path, call=None)
    with uow() as u, pytest.raises(BadInput, match="deadline: 2026-04-10 is less than 30 days"):
        eca_notice.print_notice(u, admin, pid, "G1", "sue", dt.date(2026, 3, 20), tmp_path,
                                deadline=dt.date(2026, 4, 10))
    with uow() as u:
        compliance_settings.set_compliance(u, admin, pid, STATEMENT, nonprofit_501r=False)
    with uow() as u, pytest.raises(Refused, match="not set up as a non-profit hospital"):
        eca_notice.print_notice(u, admin, pid, "G1", "sue", dt.date(2026, 3, 20), tmp_path)
    with uow(write=False) as u:
        from sqlalchemy import text
        assert u.session.execute(text("SELECT COUNT(*) FROM eca_notice")).scalar_one() == 1
    assert len(list(tmp_path.glob("*.pdf"))) == 1


def _p(uow, pid: int):
    from core.models.ledger import Practice
    with uow(write=False) as u:
        return u.session.get(Practice, pid)
