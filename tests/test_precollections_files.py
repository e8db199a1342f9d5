"""Agency spreadsheets and CSV files: what is written equals the database, owner-only, recorded."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import stat
from decimal import Decimal

import factories as f
import openpyxl
import pytest
from conftest import TODAY
from pc_helpers import COLLECTOR, SUPERVISOR, SUPPORT, assert_verified, call, snapshot
from sqlalchemy import text

from core import precollections as pc
from core.errors import NeedsConfirmation, SummaryLine
from core.exchange import agency_files
from core.precollections.criteria import Criteria


@pytest.fixture
def not_sent(uow):
    """Three patient encounters In Collections/Not Sent, one more in Pre-Collections."""
    with uow() as u:
        p = f.practice(u)
        for i, amount in enumerate((12345, 6789, 100000, 5000), start=1):
            g = f.guarantor(u, p, f"G{i}", name=f"Pat {i}", birth_date=dt.date(1970, 1, i), address1=f"{i} Main St",
                            city="Springfield", state="IL", zip="62701", phone=f"555-000{i}")
            f.encounter(u, p, g, [amount], source_id=f"E{i}", dos=dt.date(2026, 2, i))
        u.commit()
    call(uow, pc.add_tasks, COLLECTOR, p.id, Criteria(), TODAY)
    call(uow, pc.set_action, COLLECTOR, p.id, "send-to-collections", TODAY, tasks=[1, 2, 3])
    call(uow, pc.apply, SUPERVISOR, p.id, TODAY, confirmed=True)
    call(uow, agency_files.save_agency, SUPPORT, p.id, "AG1", TODAY, name="First Recovery", baa_signed=TODAY)
    return p.id


def _db_rows(uow):
    with uow(write=False) as u:
        rows = u.session.execute(text(
            "SELECT t.batch_no, t.task_no, e.source_id, e.dos, e.patient_name, g.source_id, g.name, g.birth_date, "
            "g.address1, g.address2, g.city, g.state, g.zip, g.phone, e.ar_cents + e.collections_cents "
            "FROM precollection_task t JOIN encounter e ON e.id = t.encounter_id "
            "JOIN guarantor g ON g.id = e.guarantor_id "
            "WHERE t.state = 'sent' ORDER BY t.task_no")).all()
    out = []
    for r in rows:
        r = list(r)
        r[3], r[7] = (dt.date.fromisoformat(str(v)[:10]) for v in (r[3], r[7]))
        out.append(r)
    return out


def _cents(value) -> int:
    """A spreadsheet number back to cents, through its decimal text (no float arithmetic)."""
    return int(Decimal(str(value)).scaleb(2))


def test_spreadsheet_update_as_sent_reads_back_equal_to_the_database(uow, not_sent, tmp_path):
    tmp_path = tmp_path / "out"
    before = snapshot(uow)
    with pytest.raises(NeedsConfirmation) as exc:
        call(uow, pc.create_spreadsheet, SUPERVISOR, not_sent, "AG1", TODAY, tmp_path, update_as_sent=True)
    assert exc.value.summary.lines == [
        SummaryLine(3, 119134, "will be sent to the agency First Recovery (AG1)")]
    assert snapshot(uow) == before and not tmp_path.exists()
    r = call(uow, pc.create_spreadsheet, SUPERVISOR, not_sent, "AG1", TODAY, tmp_path, update_as_sent=True,
             confirmed=True)
    path = tmp_path / f"P1_AG1_batch000001_2026-11-23_{f.identity(uow)}.xlsx"
    assert r.file.path == str(path) and r.batch_no == 1
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert r.file.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (r.file.rows, r.file.total_cents) == (3, 119134)

    ws = openpyxl.load_workbook(path).active
    values = list(ws.iter_rows(values_only=True))
    assert values[0] == tuple(agency_files.COLUMNS[k].header for k in agency_files.DEFAULT_COLUMNS)
    assert "Procedure Codes" not in values[0]  # minimum necessary
    got = []
    for row in values[1:]:
        row = list(row)
        row[3], row[7] = row[3].date(), row[7].date()
        row[14] = _cents(row[14])
        got.append(row)
    assert got == _db_rows(uow)
    assert {row[0] for row in got} == {1}  # one batch number for the whole send
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:O4"
    assert ws["O2"].number_format.startswith("$#,##0.00") and ws["D2"].number_format == "yyyy-mm-dd"
    with uow(write=False) as u:
        rec = u.session.execute(text("SELECT rows, total_cents, sha256, batch_no, operator FROM agency_file")).one()
        sent_at = u.session.execute(text("SELECT COUNT(*) FROM precollection_task WHERE state = 'sent' "
                                         "AND sent_at IS NOT NULL AND batch_no = 1")).scalar_one()
    assert tuple(rec) == (3, 119134, r.file.sha256, 1, "sam") and sent_at == 3
    assert_verified(uow)


def test_extract_without_update_changes_no_state(uow, not_sent, tmp_path):
    call(uow, agency_files.save_agency, SUPPORT, not_sent, "AG1", TODAY, file_format="csv",
         columns="task,encounter,balance,procedure_codes")
    r = call(uow, pc.create_spreadsheet, SUPERVISOR, not_sent, "AG1", TODAY, tmp_path)
    assert r.batch_no is None
    with open(r.file.path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows == [["Task", "Encounter", "Balance", "Procedure Codes"], ["1", "E1", "123.45", "99213"],
                    ["2", "E2", "67.89", "99213"], ["3", "E3", "1000.00", "99213"]]
    assert stat.S_IMODE(os.stat(r.file.path).st_mode) == 0o600
    with uow(write=False) as u:
        not_sent = text("SELECT COUNT(*) FROM precollection_task WHERE state = 'not_sent'")
        assert u.session.execute(not_sent).scalar_one() == 3
    assert_verified(uow)


def test_spreadsheet_business_dates_go_forward(uow, not_sent, tmp_path):
    """SPEC 14: a spreadsheet for a date before the practice's latest one is refused, naming it."""
    from core.runs import DateBehind
    from tests.test_business_dates import row_counts
    call(uow, pc.create_spreadsheet, SUPERVISOR, not_sent, "AG1", TODAY, tmp_path)
    before, files = row_counts(uow), sorted(tmp_path.iterdir())
    earlier = TODAY - dt.timedelta(days=5)
    with pytest.raises(DateBehind, match=f"Create Spreadsheet for {earlier} refused: .* dated {TODAY}"):
        call(uow, pc.create_spreadsheet, SUPERVISOR, not_sent, "AG1", earlier, tmp_path)
    assert row_counts(uow) == before and sorted(tmp_path.iterdir()) == files
    call(uow, pc.create_spreadsheet, SUPERVISOR, not_sent, "AG1", TODAY, tmp_path)  # the same date: allowed


def _hospital(uow, pid, tmp_path):
    """The practice becomes a 501(r) hospital and AG1 an ECA agency (it reports to credit
    bureaus); only G1 meets the three ECA conditions on TODAY: its first statement 130 days ago,
    an ECA notice printed 40 days ago, a call 35 days ago. AG2 takes no ECA."""
    from core import compliance_settings, contacts, eca_notice
    from core.models.ledger import Statement
    admin = SUPPORT
    with uow() as u:
        g, e = u.session.execute(text("SELECT guarantor_id, id FROM encounter WHERE source_id = 'E1'")).one()
        u.session.add(Statement(practice_id=pid, source_id="S1", guarantor_id=g, encounter_id=e,
                                date=TODAY - dt.timedelta(days=130)))
        u.commit()
    call(uow, compliance_settings.set_compliance, admin, pid, TODAY, nonprofit_501r=True,
         fap_summary="You may pay less or nothing.")
    call(uow, compliance_settings.set_agency_eca, admin, pid, "AG1", ["credit_reporting"], TODAY)
    call(uow, agency_files.save_agency, admin, pid, "AG2", TODAY, name="Plain Recovery", baa_signed=TODAY)
    notice = TODAY - dt.timedelta(days=40)
    call(uow, eca_notice.print_notice, admin, pid, "G1", "report the debt to credit bureaus", notice, tmp_path)
    called = TODAY - dt.timedelta(days=35)
    call(uow, contacts.log_call, admin, pid, "G1", "left_message", called,
         at=dt.datetime.combine(called, dt.time(11)), confirmed=True)


def test_an_eca_agency_gets_only_what_501r_allows(uow, not_sent, tmp_path):
    """SPEC 14/15.5 in Pre-Collections: the same eligibility rule as the external placement. The
    spreadsheet for an ECA agency carries only G1 (the others stay Not Sent, tallied by reason);
    Send to Sent to Agency of the others is refused naming the reason; a plain agency takes them."""
    from core import tallies
    from core.errors import Refused
    pid = not_sent
    (tmp_path / "notices").mkdir()
    _hospital(uow, pid, tmp_path / "notices")
    r = call(uow, pc.create_spreadsheet, SUPERVISOR, pid, "AG1", TODAY, tmp_path / "out", update_as_sent=True,
             confirmed=True)
    assert r.file.rows == 1 and [row[2] for row in _db_rows(uow)] == ["E1"]
    with uow(write=False) as u:
        tally_id = u.session.execute(text("SELECT MAX(id) FROM tally")).scalar_one()
        t = tallies.show(u, SUPERVISOR, tally_id)
        left = {c.code: c.count for c in t.excluded}
        accounts = sorted(a.encounter for a in tallies.left_out(u, SUPERVISOR, tally_id, "eca_wait"))
    assert (t.considered, t.taken, left) == (3, 1, {"eca_wait": 2})
    assert accounts == ["E2", "E3"]
    call(uow, pc.set_action, SUPERVISOR, pid, "send-to-agency", TODAY, tasks=[2, 3])
    with pytest.raises(Refused, match=r"task 2 \(encounter E2\): may not go to this agency: first post-discharge "
                                      r"statement less than 120 days ago \[eca_wait\]"):
        call(uow, pc.apply, SUPERVISOR, pid, TODAY, agency="AG1", out_dir=tmp_path / "out", confirmed=True)
    r = call(uow, pc.apply, SUPERVISOR, pid, TODAY, agency="AG2", out_dir=tmp_path / "out", confirmed=True)
    assert r.file.rows == 2
    assert_verified(uow)
