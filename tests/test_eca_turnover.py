"""501(r) and the roster's turnover (SPEC 15.5): the turnover is an ECA only when the agency it
names takes ECAs (its profile's ECA kinds). To an ECA agency an account that 501(r) does not yet
allow stays approved and the tally names the condition; to an agency that takes none nothing is
held back. Explain says which, agency by agency. Both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from core import compliance_settings, contacts, eca_notice, roster, tallies, verdicts
from core.errors import NeedsConfirmation, Refused
from core.exchange import agency_files
from core.models.ledger import Statement
from core.verify import verify
from tests.roster_data import day
from tests.test_roster_turnover import reviewed  # noqa: F401  (the fixture)

SUMMARY = "If your household income is under 400% of the poverty level, you may pay less or nothing."


@pytest.fixture
def hospital(uow, admin, reviewed, tmp_path):  # type: ignore[no-untyped-def]  # noqa: F811
    """The roster's two accounts approved (A1 100.00 delinquent + 50.00 recent, B2 200.00), in a
    501(r) hospital with an ECA agency (ECA) and one that takes none (PLAIN). Both had their
    first post-discharge statement 127 days before the turnover (day 47) and an ECA notice 47
    days before; B2 was called after it, A1 was not."""
    p, a, b, _c = reviewed
    with uow() as u:
        for g, src in ((a, "SA"), (b, "SB")):
            u.session.add(Statement(practice_id=p, source_id=src, guarantor_id=g, encounter_id=None, date=day(-80)))
        u.commit()
    with uow() as u:
        contacts.set_time_zone(u, admin, "IL", "America/Chicago", day(0))
    with uow() as u:
        compliance_settings.set_compliance(u, admin, p, day(0), nonprofit_501r=True, fap_summary=SUMMARY)
    for agency, kinds in (("ECA", "credit_reporting,legal"), ("PLAIN", "none")):
        with uow() as u:
            agency_files.save_agency(u, admin, p, agency, day(0), name=f"{agency} Agency", baa_signed=day(0))
        with uow() as u:
            compliance_settings.set_agency_eca(u, admin, p, agency, [kinds], day(0))
    notices = tmp_path / "notices"
    notices.mkdir()
    for g in ("A1", "B2"):
        with uow() as u:
            eca_notice.print_notice(u, admin, p, g, "report the debt to credit bureaus", day(0), notices)
    with uow() as u:
        contacts.log_call(u, admin, p, "B2", "conversation", day(5), at=dt.datetime(2026, 3, 6, 10))
    with uow() as u:
        roster.approve(u, admin, p, day(46), None, confirmed=True)
    return p, a, b


def _eca_reasons(uow, admin, guarantor: str, on: dt.date) -> list[tuple[str, str, bool]]:  # type: ignore[no-untyped-def]
    with uow(write=False) as u:
        x = verdicts.explain(u, admin, None, on, guarantor=guarantor)
    v = next(v for v in x.verdicts if v.workflow == "roster")
    return [(r.code, r.words.split(":")[0], r.passed) for r in v.reasons
            if r.code in ("eca", "eca_wait", "notice_missing", "oral_attempt_missing")]


def test_a_turnover_to_an_agency_that_takes_no_eca_is_not_held_back(uow, admin, hospital, tmp_path) -> None:
    p, _a, _b = hospital
    with uow() as u:
        result = roster.turnover(u, admin, p, day(47), tmp_path, agency="PLAIN", confirmed=True)
    assert (result.accounts, result.written_off) == (2, "300.00")
    with uow() as u:
        assert tallies.show(u, admin, result.tally.id).excluded == []
        assert all(ch.ok for ch in verify(u)), [ch.problems for ch in verify(u) if not ch.ok]


def test_a_turnover_to_an_eca_agency_keeps_back_what_501r_does_not_allow(uow, admin, hospital, tmp_path) -> None:
    p, a, b = hospital
    with uow() as u, pytest.raises(NeedsConfirmation) as warn:
        roster.turnover(u, admin, p, day(47), tmp_path, agency="ECA")
    assert (warn.value.summary.lines[0].count, warn.value.summary.lines[0].cents) == (1, 20000)
    assert any(n.startswith("501(r): ECA takes ECAs (credit_reporting, legal)") for n in warn.value.summary.notes)
    with uow() as u:
        result = roster.turnover(u, admin, p, day(47), tmp_path, agency="ECA", confirmed=True)
    assert (result.accounts, result.written_off) == (1, "200.00")
    with uow() as u:
        tally = tallies.show(u, admin, result.tally.id)
        assert [(c.code, c.count) for c in tally.excluded] == [("oral_attempt_missing", 1)]
        assert [x.guarantor for x in tallies.left_out(u, admin, tally.id, "oral_attempt_missing")] == ["A1"]
        assert roster.account(u, a).status_code == "A" and not roster.account(u, a).turned_over  # still approved
        assert roster.account(u, b).turned_over
        assert all(ch.ok for ch in verify(u)), [ch.problems for ch in verify(u) if not ch.ok]


def test_the_120_day_wait_counts_only_the_lines_the_turnover_takes(uow, admin, hospital, tmp_path) -> None:
    """B2's statement is moved to 107 days before: eca_wait keeps it back. A1's recent 50.00
    (no statement since its date of service) is not delinquent, so it is not turned over and
    does not hold A1 back once A1 is called."""
    p, _a, b = hospital
    with uow() as u:
        u.session.execute(text("UPDATE statement SET date = :d WHERE source_id = 'SB'"), {"d": day(-60)})
        u.commit()
    with uow() as u:
        contacts.log_call(u, admin, p, "A1", "conversation", day(6), at=dt.datetime(2026, 3, 7, 10))
    assert _eca_reasons(uow, admin, "B2", day(47)) == [
        ("eca_wait", "turnover to an ECA agency (ECA (credit_reporting, legal))", False),
        ("eca", "turnover to an agency that takes no ECA (PLAIN)", True)]
    with uow() as u:
        result = roster.turnover(u, admin, p, day(47), tmp_path, agency="ECA", confirmed=True)
    assert (result.accounts, result.written_off) == (1, "100.00")
    with uow() as u:
        tally = tallies.show(u, admin, result.tally.id)
        assert [(c.code, c.count) for c in tally.excluded] == [("eca_wait", 1)]
        assert roster.account(u, b).status_code == "A" and not roster.account(u, b).turned_over


def test_explain_says_which_agency_the_turnover_may_go_to(uow, admin, hospital) -> None:
    to_eca = "turnover to an ECA agency (ECA (credit_reporting, legal))"
    assert _eca_reasons(uow, admin, "A1", day(47)) == [
        ("oral_attempt_missing", to_eca, False), ("eca", "turnover to an agency that takes no ECA (PLAIN)", True)]
    assert _eca_reasons(uow, admin, "B2", day(47)) == [
        ("eca", to_eca, True), ("eca", "turnover to an agency that takes no ECA (PLAIN)", True)]
    with uow(write=False) as u:  # the turnover's part says what a turnover would do; populate's verdict stands
        x = verdicts.explain(u, admin, None, day(47), guarantor="A1")
        assert any("oral_attempt_missing" in line and "NO" in line for line in verdicts.text_lines(x))


def test_a_turnover_naming_no_agency_counts_as_an_eca(uow, admin, hospital, tmp_path) -> None:
    p, a, _b = hospital
    with uow() as u:
        result = roster.turnover(u, admin, p, day(47), tmp_path, confirmed=True)
    assert result.accounts == 1
    with uow() as u:
        assert not roster.account(u, a).turned_over


def test_without_501r_nothing_is_held_back(uow, admin, hospital, tmp_path) -> None:
    p, _a, _b = hospital
    with uow() as u:
        compliance_settings.set_compliance(u, admin, p, day(46), nonprofit_501r=False)
    assert _eca_reasons(uow, admin, "A1", day(47)) == []
    with uow() as u:
        assert roster.turnover(u, admin, p, day(47), tmp_path, agency="ECA", confirmed=True).accounts == 2
    with uow() as u, pytest.raises(Refused, match="nothing to turn over"):
        roster.turnover(u, admin, p, day(47), tmp_path, agency="ECA")


def test_when_501r_keeps_every_approved_account_back_the_refusal_says_so(uow, admin, hospital, tmp_path) -> None:
    p, _a, _b = hospital
    with uow() as u:
        u.session.execute(text("UPDATE statement SET date = :d WHERE source_id = 'SB'"), {"d": day(-60)})
        u.commit()
    with uow() as u, pytest.raises(Refused, match=r"nothing to turn over: 2 approved accounts are kept back "
                                                  r"\(on hold, protected or not yet allowed by 501\(r\)\)"):
        roster.turnover(u, admin, p, day(47), tmp_path, agency="ECA")
    assert list(tmp_path.glob("turnover-*")) == []


def _eca_check(uow):  # type: ignore[no-untyped-def]
    with uow(write=False) as u:
        return next(ch for ch in verify(u) if ch.name == "501(r) obeyed")


def test_verify_finds_a_turnover_501r_did_not_allow(uow, admin, hospital, tmp_path) -> None:
    """B2 was turned over to the ECA agency after its call; with the call taken out of the record
    (as a DBA could), verify names the turnover and the condition. A1 stayed approved."""
    p, _a, _b = hospital
    with uow() as u:
        roster.turnover(u, admin, p, day(47), tmp_path, agency="ECA", confirmed=True)
    check = _eca_check(uow)
    assert (check.checked, check.problems) == (1, [])
    with uow() as u:
        u.session.execute(text("DELETE FROM contact_log"))
        u.commit()
    assert _eca_check(uow).problems == [
        "turnover on 2026-04-17 to ECA: turned over guarantor B2 while 501(r) did not allow it "
        "(no call logged after the ECA notice)"]


def test_verify_holds_no_later_change_of_kinds_against_a_turnover(uow, admin, hospital, tmp_path) -> None:
    """Turned over to PLAIN (no ECA): not an ECA then, so marking PLAIN as one later, or turning
    501(r) off and on again, does not make that turnover wrong."""
    p, _a, _b = hospital
    with uow() as u:
        assert roster.turnover(u, admin, p, day(47), tmp_path, agency="PLAIN", confirmed=True).accounts == 2
    with uow() as u:
        compliance_settings.set_agency_eca(u, admin, p, "PLAIN", ["legal"], day(47))
    check = _eca_check(uow)
    assert (check.checked, check.problems) == (0, [])
