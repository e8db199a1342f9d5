"""The External Collections work screens' use cases: Pending (approve, deny, assign), Posted
(reverse, reassign), manual selection, and Files (create, read back, preview, mark as sent)."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import text

from core import external
from core.errors import BadInput, NeedsConfirmation, Refused
from core.exchange import agency_files
from core.security import Actor
from tests import factories as f
from tests.conftest import TODAY
from tests.external_helpers import agency, assert_verified, days_ago, line_aged, line_balances, placements, run


@pytest.fixture
def pending(uow, admin, tmp_path):
    """Three pending lines (nothing automated): E1's two lines with AG2 (100 days), E2's with AG1."""
    with uow() as u:
        p = f.practice(u)
        g = f.guarantor(u, p, "G1", address1="1 Main St", city="Springfield")
        f.encounter(u, p, g, [10000, 2550], posted=days_ago(100), source_id="E1")
        line_aged(u, p, g, 70, "40.00", source_id="E2")
        u.commit()
    agency(uow, admin, p, "AG1", "0.00", 60)
    agency(uow, admin, p, "AG2", "0.00", 90)
    agency(uow, admin, p, "MAN", None, None)
    run(uow, admin, p, TODAY, tmp_path)
    return p


def test_approve_needs_confirmation_then_posts(uow, admin, pending):
    p = pending
    assert placements(uow) == {"E1-1": ("pending", "AG2", False), "E1-2": ("pending", "AG2", False),
                               "E2-1": ("pending", "AG1", False)}
    with uow() as u, pytest.raises(NeedsConfirmation) as exc:
        external.approve(u, admin, p.id, TODAY, None)
    [line] = exc.value.summary.lines
    assert (line.count, line.cents) == (3, 16550)
    with uow() as u:
        out = external.approve(u, admin, p.id, TODAY, ["E1-1", "E1-2"], confirmed=True)
    assert (out["count"], out["dollars"]) == (2, "125.50")
    assert line_balances(uow, "E1-1") == (0, 10000) and placements(uow)["E2-1"][0] == "pending"
    with uow(write=False) as u:
        enc = u.session.execute(text("SELECT ar_cents, collections_cents FROM encounter WHERE source_id = 'E1'")).one()
    assert tuple(enc) == (0, 12550)
    assert_verified(uow)


def test_approve_refuses_lines_in_the_wrong_state_or_without_agency(uow, admin, pending):
    p = pending
    with uow() as u:
        external.approve(u, admin, p.id, TODAY, ["E2-1"], confirmed=True)
    with uow() as u, pytest.raises(Refused) as exc:
        external.approve(u, admin, p.id, TODAY, ["E1-1", "E2-1"], confirmed=True)
    assert "line E2-1 is Posted" in exc.value.message
    with uow() as u, pytest.raises(BadInput) as bad:
        external.approve(u, admin, p.id, TODAY, ["NOPE"], confirmed=True)
    assert bad.value.field == "lines" and "NOPE" in bad.value.message
    with uow() as u:
        external.assign(u, admin, p.id, TODAY, "MAN", ["E1-1"], confirmed=True)
    assert placements(uow)["E1-1"] == ("pending", "MAN", False)
    with uow() as u, pytest.raises(Refused):
        external.approve(u, Actor("c", "collector"), p.id, TODAY, None, confirmed=True)


def test_deny_and_manual_select(uow, admin, pending):
    p = pending
    with uow() as u:
        external.deny(u, admin, p.id, TODAY, ["E2-1"], confirmed=True)
    with uow() as u, pytest.raises(Refused):   # E1-1 is already pending
        external.select_manual(u, admin, p.id, TODAY, ["E1-1"], "MAN", confirmed=True)
    with uow() as u, pytest.raises(NeedsConfirmation):
        external.select_manual(u, admin, p.id, TODAY, ["E2-1"], "MAN")
    with uow() as u:
        out = external.select_manual(u, admin, p.id, TODAY, ["E2-1"], "MAN", confirmed=True)
    assert out["count"] == 1 and placements(uow)["E2-1"] == ("pending", "MAN", False)
    with uow() as u:
        external.approve(u, admin, p.id, TODAY, ["E2-1"], confirmed=True)
    assert line_balances(uow, "E2-1") == (0, 4000)
    assert_verified(uow)


def test_reassign_posted_line_goes_into_the_new_agency_file(uow, admin, pending, tmp_path):
    p = pending
    with uow() as u:
        external.approve(u, admin, p.id, TODAY, None, confirmed=True)
    with uow() as u:
        made = external.create_file(u, admin, p.id, "AG2", TODAY, tmp_path, confirmed=True)
    assert (made["rows"], made["dollars"]) == (2, "125.50")
    with uow() as u, pytest.raises(Refused):
        external.reassign(u, admin, p.id, TODAY, "AG2", ["E1-1"], confirmed=True)
    with uow() as u:
        external.reassign(u, admin, p.id, TODAY, "AG1", ["E1-1"], confirmed=True)
    assert placements(uow)["E1-1"] == ("posted", "AG1", False)
    with uow(write=False) as u:
        rows = external.preview(u, admin, p.id, "AG1")
    assert [r.line for r in rows] == ["E1-1", "E2-1"]
    with uow() as u:
        made = external.create_file(u, admin, p.id, "AG1", TODAY, tmp_path, confirmed=True)
    assert (made["batch"], made["rows"], made["dollars"]) == (2, 2, "140.00")
    assert line_balances(uow, "E1-1") == (0, 10000)   # reassigning moves no money
    assert_verified(uow)


def _file_rows(path: str) -> list[dict[str, object]]:
    if path.endswith(".csv"):
        with open(path, newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    ws = openpyxl.load_workbook(path, read_only=True).active
    values = list(ws.iter_rows(values_only=True))
    return [dict(zip(values[0], r, strict=False)) for r in values[1:]]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_agency_file_read_back_equals_the_database(uow, admin, pending, tmp_path, fmt):
    p = pending
    with uow() as u:
        agency_files.save_agency(u, admin, p.id, "AG2", TODAY, file_format=fmt, name="Second Agency")
    with uow() as u:
        external.approve(u, admin, p.id, TODAY, None, confirmed=True)
    with uow() as u:
        made = external.create_file(u, admin, p.id, "AG2", TODAY, tmp_path, confirmed=True)
    rows = _file_rows(made["path"])
    with uow(write=False) as u:
        db = u.session.execute(text(
            "SELECT x.id, l.source_id, l.dos, l.collections_cents, x.batch_no, g.name, g.address1 "
            "FROM external_placement x JOIN service_line l ON l.id = x.line_id "
            "JOIN guarantor g ON g.id = l.guarantor_id "
            "JOIN agency_file af ON af.id = x.file_id WHERE af.path = :p ORDER BY l.id"), {"p": made["path"]}).all()
        record = u.session.execute(text("SELECT rows, total_cents FROM agency_file WHERE path = :p"),
                                   {"p": made["path"]}).one()
    assert len(rows) == len(db) == record[0] == 2
    for got, (pid, line, dos, cents, batch, name, addr) in zip(rows, db, strict=False):
        assert str(got["Line"]) == line and int(got["Placement"]) == pid and int(got["Batch"]) == batch
        assert Decimal(str(got["Balance"])) == Decimal(cents) / 100
        assert got["Guarantor"] == name and got["Address 1"] == addr
        day = got["Date of Service"]
        assert (day.date() if isinstance(day, dt.datetime) else dt.date.fromisoformat(str(day))) == \
            (dos if isinstance(dos, dt.date) else dt.date.fromisoformat(dos))
        assert "Procedure Code" not in got   # minimum necessary
    assert sum(int(r[3]) for r in db) == record[1]


def test_mark_sent_once(uow, admin, pending, tmp_path):
    p = pending
    with uow() as u:
        external.approve(u, admin, p.id, TODAY, None, confirmed=True)
    with uow() as u:
        made = external.create_file(u, admin, p.id, "AG1", TODAY, tmp_path, confirmed=True)
    with uow() as u, pytest.raises(NeedsConfirmation):
        external.mark_sent(u, admin, p.id, made["batch"], TODAY)
    with uow() as u:
        r = external.mark_sent(u, admin, p.id, made["batch"], TODAY, confirmed=True)
    assert r.sent_date == TODAY and r.sent_by == admin.name
    with uow() as u, pytest.raises(BadInput):
        external.mark_sent(u, admin, p.id, made["batch"], TODAY, confirmed=True)
    with uow(write=False) as u:
        [listed] = external.list_files(u, admin, p.id)
    assert (listed.batch, listed.agency, listed.rows, listed.sent_date) == (made["batch"], "AG1", 1, TODAY)


def test_no_posted_lines_no_file(uow, admin, pending, tmp_path):
    with uow() as u, pytest.raises(BadInput):
        external.create_file(u, admin, pending.id, "AG1", TODAY, tmp_path, confirmed=True)
    assert list(tmp_path.glob("*_new0*")) == []
