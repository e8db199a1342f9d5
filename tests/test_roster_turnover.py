"""Review for Turn Over, Turn over to agency (postings keep verify clean) and Print Collection
Letters (a real PDF, owner-only, marked printed)."""

from __future__ import annotations

import csv
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from core import holds, protections, roster, tallies
from core.errors import BadInput, NeedsConfirmation, Refused
from core.exchange import agency_files
from core.security import Actor
from core.verify import verify
from tests import factories as f
from tests import roster_data as rd
from tests.roster_data import day


@pytest.fixture
def reviewed(uow, admin):  # type: ignore[no-untyped-def]
    """Two accounts in review (R) after 45 days in the roster; a third still in status 3."""
    with uow() as u:
        p = rd.practice(u)
        a = rd.guarantor(u, p, "A1")
        rd.charge(u, p, a, 10000, day(-90))
        rd.charge(u, p, a, 5000, day(-5))  # not delinquent
        b = rd.guarantor(u, p, "B2")
        rd.charge(u, p, b, 20000, day(-90))
        c = rd.guarantor(u, p, "C3")
        rd.charge(u, p, c, 30000, day(-90))
        u.commit()
    for n in (0, 15, 30):
        with uow() as u:
            roster.populate(u, admin, p, day(n))
    with uow() as u:
        roster.change_status(u, admin, c, "2", day(31))
    with uow() as u:
        roster.populate(u, admin, p, day(45))
    return p, a, b, c


def test_review_approve_and_send_back(uow, admin, reviewed) -> None:
    p, a, b, _c = reviewed
    with uow() as u:
        assert {r["guarantor"] for r in roster.review_list(u, admin, p, day(45))} == {"A1", "B2"}
    with uow() as u, pytest.raises(NeedsConfirmation) as warn:
        roster.approve(u, admin, p, day(46), [a])
    assert warn.value.summary.lines[0].count == 1 and warn.value.summary.lines[0].cents == 15000
    with uow() as u, pytest.raises(Refused):
        roster.approve(u, Actor("col", "collector"), p, day(46), [a], confirmed=True)
    with uow() as u:
        assert roster.approve(u, admin, p, day(46), [a], confirmed=True) == 1
    with uow() as u:
        assert roster.send_back(u, admin, p, day(46), "2", [b], confirmed=True) == 1
    with uow() as u:
        assert roster.account(u, a).status_code == "A" and roster.account(u, b).status_code == "2"


def test_turnover_writes_off_adds_fee_and_keeps_verify_clean(uow, admin, reviewed, tmp_path) -> None:
    p, a, _b, _c = reviewed
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    with uow() as u:
        roster.update_settings(u, admin, p, {"collection_fee_bp": 3333, "internal_comment": "Sent to ABC Agency"})
    with uow() as u:
        u.session.execute(text("UPDATE guarantor SET internal_comment = 'Prefers email' WHERE id = :g"), {"g": a})
        u.commit()
    with uow() as u:
        roster.approve(u, admin, p, day(46), None, confirmed=True)
    with uow() as u, pytest.raises(NeedsConfirmation) as warn:
        roster.turnover(u, admin, p, day(47), tmp_path)
    lines = warn.value.summary.lines
    assert (lines[0].count, lines[0].cents) == (2, 30000)  # delinquent only: A1's recent 50.00 stays
    assert lines[2].cents == 3333 + 6666  # 33.33 % of 100.00 and of 200.00, rounded per account
    assert list(tmp_path.iterdir()) == []  # the warning changed nothing
    with uow() as u:
        result = roster.turnover(u, admin, p, day(47), tmp_path, confirmed=True)
    assert (result.accounts, result.lines, result.written_off, result.fees) == (2, 2, "300.00", "99.99")
    path = tmp_path / f"turnover-P1-2026-04-17_{f.identity(uow)}.csv"
    assert result.file == str(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    rows = list(csv.DictReader(path.open()))
    assert [(r["guarantor"], r["amount"]) for r in rows] == [("A1", "100.00"), ("B2", "200.00")]
    assert "procedure" not in path.read_text() and "99213" not in path.read_text()
    with uow() as u:
        assert all(ch.ok for ch in verify(u)), [ch.problems for ch in verify(u) if not ch.ok]
        g = u.session.execute(text("SELECT billing_group, internal_comment, ar_cents, collections_cents "
                                   "FROM guarantor WHERE id = :g"), {"g": a}).one()
        assert tuple(g) == ("COL", "Prefers email Sent to ABC Agency", 5000, 3333)
        ra = roster.account(u, a)
        assert (ra.turned_over, ra.active, ra.status_code) == (True, False, "A")
        wo = u.session.execute(text("SELECT SUM(amount_cents) FROM ledger_txn WHERE kind = 'write_off' "
                                    "AND adjustment_code = 'WO'")).scalar_one()
        assert wo == 30000
        assert [r["guarantor"] for r in roster.roster_rows(u, admin, p)] == ["C3"]
    with uow() as u:  # turned over accounts do not come back, even with new delinquent charges
        rd.charge(u, p, a, 9000, day(-80))
        u.commit()
    with uow() as u:
        r = roster.populate(u, admin, p, day(48))
        assert r.entered == (0, 0)
    with uow() as u, pytest.raises(Refused, match="nothing to turn over"):
        roster.turnover(u, admin, p, day(48), tmp_path)


def test_turnover_keeps_back_held_and_protected_accounts_and_tallies_them(uow, admin, reviewed, tmp_path) -> None:
    """SPEC 14: an approved account on hold, or protected, is not turned over; it stays approved
    and the turnover's tally names it under its reason."""
    p, a, _b, _c = reviewed
    with uow() as u:
        roster.approve(u, admin, p, day(46), None, confirmed=True)
    with uow() as u:
        holds.place_hold(u, admin, p, "dispute", "disputes the bill", day(46), guarantor="B2")
    with uow() as u:
        protections.set_protections(u, admin, a, {"bankruptcy_filed": day(40)}, day(46))
    with uow() as u, pytest.raises(Refused, match="nothing to turn over"):
        roster.turnover(u, admin, p, day(47), tmp_path, confirmed=True)
    with uow() as u:
        holds.release_hold(u, admin, holds.list_holds(u, admin, p, day(47))[0].id, "resolved", day(47))
    with uow() as u:
        result = roster.turnover(u, admin, p, day(47), tmp_path, confirmed=True)
    assert (result.accounts, result.written_off) == (1, "200.00")
    with uow() as u:
        tally = tallies.show(u, admin, result.tally.id)
        assert (tally.kind, tally.taken, tally.considered) == ("turnover", 1, 2)
        assert [(c.code, c.count) for c in tally.excluded] == [("protected:bankruptcy", 1)]
        assert [x.guarantor for x in tallies.left_out(u, admin, tally.id, "protected:bankruptcy")] == ["A1"]
        assert roster.account(u, a).status_code == "A"  # still approved


def test_turnover_all_charges(uow, admin, reviewed, tmp_path) -> None:
    p, a, _b, _c = reviewed
    with uow() as u:
        roster.update_settings(u, admin, p, {"transfer_charges": "all", "comment_mode": "overwrite"})
    with uow() as u:
        roster.approve(u, admin, p, day(46), [a], confirmed=True)
    with uow() as u:
        result = roster.turnover(u, admin, p, day(47), tmp_path, confirmed=True)
    assert (result.lines, result.written_off, result.fees) == (2, "150.00", "0.00")
    with uow() as u:
        assert all(ch.ok for ch in verify(u))
        g = u.session.execute(text("SELECT ar_cents, internal_comment FROM guarantor WHERE id = :g"), {"g": a}).one()
        assert tuple(g) == (0, "Turned over to collection agency")


def test_print_letters_pdf(uow, admin, reviewed, tmp_path) -> None:
    _p, _a, _b, _c = reviewed
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    with uow() as u:
        queued = roster.list_queue(u, admin, printed=False)
    assert len(queued) == 9  # A1, B2: 1, 2, 3; C3: 1, 2, 3 (not twice for 2)
    with uow() as u:
        out = roster.print_letters(u, admin, day(45), out_dir=tmp_path, confirmed=True)
    # A1 and B2 are in review (no letter), C3 back in status 2: one letter per guarantor, the rest superseded
    assert (out["considered"], out["letters"], out["superseded"], out["excluded"]) == (9, 1, 8, {})
    pdf = tmp_path / f"letters-2026-04-15_{f.identity(uow)}.pdf"
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and stat.S_IMODE(pdf.stat().st_mode) == 0o600
    with uow() as u:
        rows = roster.list_queue(u, admin)
        assert {(r["guarantor"], r["status"]) for r in rows if r["printed"] == day(45)} == {("C3", "2")}
        assert sum(r["superseded"] == day(45) for r in rows) == 8
        assert u.session.execute(text("SELECT row_count, kind FROM roster_file")).one() == (1, "letters")
    with uow() as u:  # nothing waiting: a message, no file
        again = roster.print_letters(u, admin, day(45), out_dir=tmp_path, confirmed=True)
    assert (again["considered"], again["file"], again["message"]) == (0, None, "No letters are waiting to be printed.")
    assert len(list(tmp_path.glob("*.pdf"))) == 1


def test_letter_merge_fields(uow, admin, reviewed) -> None:
    from core.roster.letters import QUEUE_SQL, render
    with uow() as u:
        row = u.session.execute(text(QUEUE_SQL + " WHERE g.source_id = 'B2' AND q.status_code = '1'")).one()
        letter = render(row, day(45))
    assert "Dear Guarantor B2" in letter and "$200.00" in letter and "Practice P1" in letter
    assert "May 15, 2026" in letter  # due: the letter date (April 15) + the practice's 30 days
    with uow() as u, pytest.raises(BadInput, match="unknown merge field"):
        roster.set_letter_template(u, admin, reviewed[0], "Odd", "Dear {guarantor_nme}")


def _counts(uow) -> dict[str, int]:  # type: ignore[no-untyped-def]
    from tests.test_business_dates import row_counts
    return row_counts(uow)


def test_turnover_business_dates_go_forward(uow, admin, reviewed, tmp_path) -> None:
    """SPEC 14: a turnover for a date before the practice's latest turnover is refused, naming it."""
    from core.runs import DateBehind
    p, a, b, _c = reviewed
    with uow() as u:
        roster.approve(u, admin, p, day(46), [a], confirmed=True)
    with uow() as u:
        roster.turnover(u, admin, p, day(47), tmp_path, confirmed=True)
    with uow() as u:
        roster.approve(u, admin, p, day(47), [b], confirmed=True)
    before = _counts(uow)
    refused = r"Turn over to agency for 2026-04-16 refused: .* dated 2026-04-17"
    with uow() as u, pytest.raises(DateBehind, match=refused):
        roster.turnover(u, admin, p, day(46), tmp_path, confirmed=True)
    assert _counts(uow) == before
    with uow() as u:  # the same date again: allowed
        assert roster.turnover(u, admin, p, day(47), tmp_path, confirmed=True).accounts == 1


def test_print_letters_business_dates_go_forward(uow, admin, reviewed, tmp_path) -> None:
    """SPEC 14: letters printed for a date before the latest printing are refused, naming it."""
    from core.runs import DateBehind
    p, _a, _b, _c = reviewed
    with uow() as u:
        roster.print_letters(u, admin, day(45), out_dir=tmp_path, practice_id=p, confirmed=True)
    with uow() as u:  # one more letter waiting (as if queued since)
        u.session.execute(text("UPDATE letter_queue SET printed_date = NULL, printed_by = NULL, file_id = NULL "
                               "WHERE printed_date IS NOT NULL"))
        u.commit()
    before = _counts(uow)
    refused = r"Print Collection Letters for 2026-04-14 refused: .* dated 2026-04-15"
    for practice_id in (p, None):
        with uow() as u, pytest.raises(DateBehind, match=refused):
            roster.print_letters(u, admin, day(44), out_dir=tmp_path, practice_id=practice_id, confirmed=True)
    assert _counts(uow) == before and len(list(tmp_path.glob("*.pdf"))) == 1
    with uow() as u:  # the same date again: allowed
        assert roster.print_letters(u, admin, day(45), out_dir=tmp_path, practice_id=p, confirmed=True)["letters"] == 1


def test_the_turnover_chooses_its_agency_and_warns_without_agreement(uow, admin, reviewed, tmp_path) -> None:
    p, a, _b, _c = reviewed
    with uow() as u:
        roster.approve(u, admin, p, day(46), [a], confirmed=True)
    with uow() as u:
        agency_files.save_agency(u, admin, p, "ABC", day(46), name="ABC Agency")
    with uow() as u, pytest.raises(NeedsConfirmation) as warn:
        roster.turnover(u, admin, p, day(47), tmp_path, agency="ABC")
    assert any("for ABC Agency (ABC)" in n for n in warn.value.summary.notes)
    assert any("no business associate agreement" in n for n in warn.value.summary.notes)
    with uow() as u:
        result = roster.turnover(u, admin, p, day(47), tmp_path, agency="ABC", confirmed=True)
    assert Path(result.file).name == f"turnover-P1-ABC-2026-04-17_{f.identity(uow)}.csv"
    with uow(write=False) as u:
        got = u.session.execute(text("SELECT f.agency_id = a.id FROM roster_file f, agency a "
                                     "WHERE f.kind = 'turnover' AND a.source_id = 'ABC'")).scalar_one()
    assert got
