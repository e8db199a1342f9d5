"""Importing an agency's returns (SPEC 7): payments (gross and fee), recalls, closed accounts;
all or nothing with file:line errors; the same file never posted twice."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from core import external, tallies
from core.errors import BadInput, Conflict, NeedsConfirmation
from core.exchange import agency_files
from tests import factories as f
from tests.conftest import TODAY
from tests.exchange_files import RETURNS_COLUMNS, exchange_text, write_returns
from tests.external_helpers import agency, assert_verified, days_ago, line_balances, placements, run, snapshot


@pytest.fixture
def placed(uow, admin, tmp_path):
    """Four lines posted and filed with AG (fee 20 %), one with OTHER."""
    with uow() as u:
        p = f.practice(u)
        g = f.guarantor(u, p, "G1")
        f.encounter(u, p, g, [10000, 20000, 5000, 7000], posted=days_ago(100), source_id="E1")
        f.encounter(u, p, g, [9000], posted=days_ago(40), source_id="E2")
        u.commit()
    agency(uow, admin, p, "AG", "0.00", 60, approve=True, file=True)
    agency(uow, admin, p, "OTHER", "0.00", 30, approve=True)
    with uow() as u:
        agency_files.save_agency(u, admin, p.id, "AG", TODAY, fee_bp=2000)
    run(uow, admin, p, TODAY, tmp_path)
    return p


def _write(tmp_path, body: str, name: str = "returns.csv"):
    """The records (one per line of `body`) in an exchange file with a matching trailer."""
    return write_returns(tmp_path / name, body.splitlines())


def _import(uow, admin, p, path):
    with uow() as u:
        return external.import_returns(u, admin, p.id, "AG", path, TODAY, confirmed=True)


def test_good_returns_file(uow, admin, placed, tmp_path):
    p = placed
    with uow(write=False) as u:
        pid = u.session.execute(text("SELECT x.id FROM external_placement x JOIN service_line l ON l.id = x.line_id "
                                     "WHERE l.source_id = 'E1-3'")).scalar_one()
    path = _write(tmp_path, f"payment,E1-1,,{TODAY},60.00,12.00,R1\n"
                            f"payment,E1-2,,{TODAY},200.00,,R2\n"          # fee from the profile: 40.00
                            f"recall,,{pid},{TODAY},,,\n"
                            f"payment,E1-4,,{TODAY},30.00,0,\n"
                            f"closed,E1-4,,{TODAY},,,\n")
    out = _import(uow, admin, p, path)
    tally_id = out.pop("tally")
    assert out == {"file": str(path), "rows": 5, "payments": 3, "gross": "290.00", "fees": "52.00", "net": "238.00",
                   "recalls": 1, "recalled": "50.00", "closed": 2}
    with uow(write=False) as u:
        t = tallies.show(u, admin, tally_id)
    assert (t.kind, t.considered, t.taken, t.considered - t.taken) == ("agency_file", 5, 5, 0)
    assert sorted((g.code, g.count, g.cents) for g in t.groups) == [
        ("closed", 1, 0), ("payment", 3, 29000), ("recall", 1, 5000)]
    assert line_balances(uow, "E1-1") == (0, 4000)
    assert line_balances(uow, "E1-2") == (0, 0)
    assert line_balances(uow, "E1-3") == (5000, 0)
    assert line_balances(uow, "E1-4") == (4000, 0)          # closed: the rest went back to A/R
    got = placements(uow)
    assert [got[k][0] for k in ("E1-1", "E1-2", "E1-3", "E1-4")] == ["filed", "closed", "recalled", "closed"]
    with uow(write=False) as u:
        by_kind = dict(u.session.execute(text(
            "SELECT kind || ':' || bucket_to, SUM(amount_cents) FROM ledger_txn WHERE source = 'agency' "
            "GROUP BY kind, bucket_to")).all())
    assert by_kind == {"payment:paid": 23800, "adjustment:adjusted": 5200}
    assert_verified(uow)
    with pytest.raises(Conflict):
        _import(uow, admin, p, path)


def test_bad_returns_file_changes_nothing(uow, admin, placed, tmp_path):
    p = placed
    before = snapshot(uow)
    path = _write(tmp_path, f"payment,E1-1,,{TODAY},60.00,70.00,\n"      # fee more than the amount
                            f"refund,E1-1,,{TODAY},1.00,,\n"             # unknown record
                            f"payment,E2-1,,{TODAY},10.00,,\n"           # placed with another agency
                            f"payment,NOPE,,{TODAY},10.00,,\n"           # not placed
                            f"payment,E1-2,,{TODAY},150.00,,\n"
                            f"payment,E1-2,,{TODAY},50.01,,\n"           # together more than 200.00
                            f"recall,E1-3,,2099-01-01,,,\n"              # after the business date
                            f"recall,E1-3,,{TODAY},5.00,,\n")            # a recall has no amount
    with pytest.raises(BadInput) as exc:
        _import(uow, admin, p, path)
    assert exc.value.problems == [
        "returns.csv:3: fee: 70.00 must be 0.00 to the amount 60.00",
        "returns.csv:4: record: 'refund' is not payment, recall or closed",
        "returns.csv:9: date: 2099-01-01 is after the business date 2026-11-23",
        "returns.csv:10: amount: a recall carries no amount (its whole remaining balance is returned)"]
    path = _write(tmp_path, f"payment,E2-1,,{TODAY},10.00,,\npayment,NOPE,,{TODAY},10.00,,\n"
                            f"payment,E1-2,,{TODAY},150.00,,\npayment,E1-2,,{TODAY},50.01,,\n"
                            f"recall,E1-3,,{TODAY},,,\nclosed,E1-3,,{TODAY},,,\n", "returns2.csv")
    with pytest.raises(BadInput) as exc:
        _import(uow, admin, p, path)
    assert exc.value.problems == [
        "returns2.csv:3: line E2-1: not placed with this agency",
        "returns2.csv:4: line NOPE: not placed in external collections",
        "returns2.csv:6: line E1-2: payments in this file are more than its balance in collections",
        "returns2.csv:8: line E1-3: recalled or closed twice in this file"]
    assert snapshot(uow) == before
    with uow(write=False) as u:
        assert u.session.execute(text("SELECT COUNT(*) FROM agency_return_import")).scalar_one() == 0


def test_control_totals_spec_18_3(uow, admin, placed, tmp_path):
    """3 payments of 10.00, 20.00 and 30.00, trailer 3 records / 6000 cents: posted after the warning
    "3 payments, $60.00"; the same records with a trailer of 5000 cents: rejected whole."""
    p = placed
    rows = [f"payment,E1-1,,{TODAY},10.00,0,", f"payment,E1-2,,{TODAY},20.00,0,", f"payment,E1-4,,{TODAY},30.00,0,"]
    before = snapshot(uow)
    bad = write_returns(tmp_path / "bad.csv", rows, trailer=(3, 5000))
    with uow() as u, pytest.raises(BadInput) as exc:
        external.import_returns(u, admin, p.id, "AG", bad, TODAY, confirmed=True)
    assert str(exc.value).startswith("bad.csv:6: the trailer says 3 records, 5000 cents; the file holds 3 records, "
                                     "6000 cents")
    assert snapshot(uow) == before
    good = write_returns(tmp_path / "good.csv", rows)
    with uow() as u, pytest.raises(NeedsConfirmation) as warn:
        external.import_returns(u, admin, p.id, "AG", good, TODAY)
    assert "3 payments, $60.00" in warn.value.summary.title
    assert (warn.value.summary.lines[0].count, warn.value.summary.lines[0].cents) == (3, 6000)
    assert snapshot(uow) == before
    out = _import(uow, admin, p, good)
    assert (out["payments"], out["gross"]) == (3, "60.00")
    assert line_balances(uow, "E1-1") == (0, 9000)
    assert_verified(uow)


BAD_FILES = {
    "truncated": (lambda t: t[:t.index("T,")], "no trailer (T) line"),
    "another practice": (lambda t: t.replace("H,P1,", "H,P9,", 1), "bad.csv:1: practice: this file is for another"),
    "unknown agency": (lambda t: t.replace(",AG,", ",NOBODY,", 1), "bad.csv:1: agency: this file is from another"),
    "negative amount": (lambda t: t.replace("10.00", "-10.00").replace("T,1,1000", "T,1,-1000"),
                        "bad.csv:3: amount: a payment must be more than 0.00"),
    "malformed amount": (lambda t: t.replace("10.00", "1O.00"), "bad.csv:3: amount:"),
    "NUL": (lambda t: t.replace("R1", "R\x001"), "bad.csv:3: control characters"),
    "not this agency's line": (lambda t: t.replace("E1-1", "E2-1"), "bad.csv:3: line E2-1: not placed with this"),
    "wrong kind": (lambda t: t.replace(",returns,", ",sync,"), "bad.csv:1: kind: this is a 'sync' file"),
    "extra field": (lambda t: t.replace(",R1", ",R1,x"), "bad.csv:3: 8 fields, the columns line names 7"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_exchange_files_post_nothing(uow, admin, placed, tmp_path, case):
    change, message = BAD_FILES[case]
    text_ = exchange_text("P1", "AG", "returns", RETURNS_COLUMNS, [f"payment,E1-1,,{TODAY},10.00,0,R1"])
    path = tmp_path / "bad.csv"
    path.write_text(change(text_), encoding="utf-8")
    before = snapshot(uow)
    with pytest.raises(BadInput) as exc:
        _import(uow, admin, placed, path)
    assert message in str(exc.value)
    assert "Pat" not in str(exc.value) and snapshot(uow) == before
    with uow(write=False) as u:
        assert u.session.execute(text("SELECT COUNT(*) FROM agency_return_import")).scalar_one() == 0


def test_a_bom_and_crlf_are_read_like_any_file(uow, admin, placed, tmp_path):
    text_ = exchange_text("P1", "AG", "returns", RETURNS_COLUMNS, [f"payment,E1-1,,{TODAY},10.00,0,R1"])
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text_.replace("\n", "\r\n").encode())
    assert _import(uow, admin, placed, path)["gross"] == "10.00"
