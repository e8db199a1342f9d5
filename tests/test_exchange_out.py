"""Outgoing exchange files (SPEC 16): each kind read back from disk with its trailer recomputed,
the change files starting after the last one, the nightly writing them for Auto Create File
agencies, and the agency's ack and sync compared with what was sent."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import text

from core import contacts, credit_reporting, external, itemization, ledger, money, tallies
from core.errors import BadInput, Conflict, NeedsConfirmation
from core.exchange import envelope, incoming, outgoing
from core.models.ledger import ServiceLine
from tests import factories as f
from tests.conftest import TODAY
from tests.exchange_files import exchange_text
from tests.external_helpers import agency, assert_verified, days_ago, run

NEXT = TODAY + dt.timedelta(days=1)


@pytest.fixture
def filed(uow, admin, tmp_path):
    """E1's three lines (100.00, 25.50, 40.00) filed with AG in batch 1 by the nightly run."""
    with uow() as u:
        p = f.practice(u)
        g = f.guarantor(u, p, "G1", name="Pat Doe", address1="1 Main St")
        f.encounter(u, p, g, [10000, 2550, 4000], posted=days_ago(100), source_id="E1")
        u.commit()
    agency(uow, admin, p, "AG", "0.00", 60, approve=True, file=True)
    run(uow, admin, p, TODAY, tmp_path / "nightly")
    return p


def _pay_at_practice(uow, line: str, cents: int, day: dt.date) -> None:
    with uow() as u:
        sl = u.session.execute(text("SELECT id FROM service_line WHERE source_id = :s"), {"s": line}).scalar_one()
        row = u.session.get(ServiceLine, sl)
        j = ledger.open_journal(u, "test.payment", "test", day, row.practice_id)
        ledger.post(u, j, practice_id=row.practice_id, guarantor_id=row.guarantor_id, line_id=row.id, date=day,
                    kind="payment", amount_cents=cents, source="patient", bucket_from="collections", bucket_to="paid")
        ledger.close_journal(u, j)
        u.commit()


def _read_back(path: str, kind: str, amount: str = "amount") -> envelope.Read:
    """The file as an agency reads it: the trailer recomputed from the records (envelope.read)."""
    return envelope.read(Path(path).name, Path(path).read_bytes(), kind, amount, ())


def test_each_kind_reads_back_with_its_trailer(uow, admin, filed, tmp_path):
    p, out = filed, tmp_path / "out"
    _pay_at_practice(uow, "E1-1", 10000, NEXT)   # paid in full at the practice: payment, update, close
    _pay_at_practice(uow, "E1-2", 550, NEXT)     # part
    with uow() as u:
        external.reverse(u, admin, p.id, NEXT, ["E1-3"], confirmed=True)   # the practice recalls it
    written = {}
    for kind in ("payment", "update", "recall", "close", "sync", "new"):
        with uow() as u, pytest.raises(NeedsConfirmation):
            outgoing.write(u, admin, p.id, "AG", kind, NEXT, out, batch=1 if kind == "new" else None)
        with uow() as u:
            written[kind] = outgoing.write(u, admin, p.id, "AG", kind, NEXT, out,
                                           batch=1 if kind == "new" else None, confirmed=True)
    got = {k: _read_back(w["path"], k) for k, w in written.items()}
    assert {k: (r.count, r.total_cents) for k, r in got.items()} == {
        "payment": (2, 10550), "update": (2, 2000), "recall": (1, 4000), "close": (1, 0), "sync": (2, 2000),
        "new": (2, 2000)}  # batch 1's lines the agency still holds: E1-1 paid, E1-2 part paid (E1-3 reversed)
    for k, w in written.items():
        assert (w["rows"], money.parse(w["dollars"])) == (got[k].count, got[k].total_cents)
        assert got[k].header == envelope.Header("P1", "AG", w["batch"], k, NEXT)
        sheet = openpyxl.load_workbook(w["xlsx"], read_only=True).active
        assert sheet.max_row == got[k].count + 1
    assert [(r["line"], r["amount"]) for _, r in got["payment"].records] == [("E1-1", "100.00"), ("E1-2", "5.50")]
    assert [(r["line"], r["status"], r["reason"]) for _, r in got["recall"].records] == [("E1-3", "final", "practice")]
    assert [r["line"] for _, r in got["close"].records] == ["E1-1"]
    assert {r["change"] for _, r in got["update"].records} == {"balance"}
    new_cols = got["new"].columns
    assert {"dofd", "reportable_from", "never_report", "calls_7d", "last_conversation", "charges"} <= set(new_cols)
    assert "procedure" not in " ".join(new_cols)
    with uow() as u, pytest.raises(BadInput, match="nothing to send"):
        outgoing.write(u, admin, p.id, "AG", "payment", NEXT, out, confirmed=True)   # starts after the last
    with uow(write=False) as u:
        shown = {k: tallies.show(u, admin, w["tally"]) for k, w in written.items()}
    new = shown["new"]
    assert (new.kind, new.considered, new.considered_cents, new.taken, new.taken_cents) == \
        ("agency_file", 3, 2000, 2, 2000)   # E1-3 reversed: its collections balance is back in A/R
    assert [(c.code, c.count) for c in new.excluded] == [("not_held:reversed", 1)]
    assert new.excluded[0].words == "no longer with the agency (reversed)"
    assert [(g.code, g.count, g.cents) for g in shown["update"].groups] == [("balance", 2, 2000)]
    assert {k: (t.considered, t.taken) for k, t in shown.items()} == {
        "payment": (2, 2), "update": (2, 2), "recall": (1, 1), "close": (1, 1), "sync": (2, 2), "new": (3, 2)}
    assert all(t.ref == f"agency_file {t.ref.split()[1]}" for t in shown.values())
    assert_verified(uow)


def test_a_payment_after_the_recall_is_left_out_of_the_payment_file(uow, admin, filed, tmp_path):
    """A payment at the practice on a line the agency no longer holds goes in no payment file:
    the tally names it, under the placement's state."""
    p = filed
    with uow() as u:
        external.reverse(u, admin, p.id, NEXT, ["E1-3"], confirmed=True)
    _pay_at_practice(uow, "E1-2", 550, NEXT)
    with uow() as u:
        j = ledger.open_journal(u, "test.payment", "test", NEXT, p.id)
        sl = u.session.execute(text("SELECT id, guarantor_id FROM service_line WHERE source_id = 'E1-3'")).one()
        ledger.post(u, j, practice_id=p.id, guarantor_id=sl[1], line_id=sl[0], date=NEXT, kind="payment",
                    amount_cents=1000, source="patient", bucket_from="ar", bucket_to="paid")
        ledger.close_journal(u, j)
        u.commit()
    with uow() as u:
        made = outgoing.write(u, admin, p.id, "AG", "payment", NEXT, tmp_path / "out", confirmed=True)
    with uow(write=False) as u:
        t = tallies.show(u, admin, made["tally"])
        [acct] = tallies.left_out(u, admin, t.id, "not_held:reversed")
    assert (t.considered, t.taken, t.taken_cents) == (2, 1, 550)
    assert [(c.code, c.count, c.cents) for c in t.excluded] == [("not_held:reversed", 1, 1000)]
    assert (acct.guarantor, acct.encounter, acct.cents) == ("G1", "E1", 1000)


def test_the_nightly_writes_the_change_files(uow, admin, filed, tmp_path):
    p = filed
    _pay_at_practice(uow, "E1-2", 550, NEXT)
    result = run(uow, admin, p, NEXT, tmp_path / "n2")
    kinds = sorted({Path(x["path"]).name.split("_")[2][:-6] for x in result.files})
    assert kinds == ["payment", "update"]
    csvs = {x["kind"]: _read_back(x["path"], x["kind"]) for x in result.files if x["path"].endswith(".csv")}
    assert {k: (r.count, r.total_cents) for k, r in csvs.items()} == {"payment": (1, 550), "update": (1, 2000)}
    assert_verified(uow)


def test_preview_writes_nothing(uow, admin, filed, tmp_path):
    with uow(write=False) as u:
        pv = outgoing.preview(u, admin, filed.id, "AG", "sync", NEXT)
    assert (pv.rows, pv.total_cents, pv.batch) == (3, 16550, 1)
    assert sorted(r["line"] for r in pv.sample) == ["E1-1", "E1-2", "E1-3"]  # in placement order
    assert not (tmp_path / "out").exists()


def test_ack_lists_mismatches_and_refuses_unknown_batches(uow, admin, filed, tmp_path):
    p = filed
    ack = tmp_path / "ack.csv"
    ack.write_text(exchange_text("P1", "AG", "ack", ("batch", "records", "amount"), ["1,3,165.50"]))
    with uow() as u:
        report = incoming.import_file(u, admin, p.id, None, ack, NEXT)
    assert report["mismatches"] == []
    with uow(write=False) as u:
        t = tallies.show(u, admin, report["tally"])
    assert (t.considered, t.taken, t.taken_cents, t.ref) == (1, 1, 16550, "exchange_import 1")
    with uow() as u, pytest.raises(Conflict):
        incoming.import_file(u, admin, p.id, None, ack, NEXT)
    short = tmp_path / "ack2.csv"
    short.write_text(exchange_text("P1", "AG", "ack", ("batch", "records", "amount"), ["1,2,125.50"], batch=2))
    with uow() as u:
        report = incoming.import_file(u, admin, p.id, None, short, NEXT)
    [m] = report["mismatches"]
    with uow(write=False) as u:
        t = tallies.show(u, admin, report["tally"])
    assert [(c.code, c.count, c.cents) for c in t.excluded] == [("ack_mismatch", 1, 12550)]
    assert m == "batch 1: sent 3 records, 165.50; the agency received 2 records, 125.50"
    unknown = tmp_path / "ack3.csv"
    unknown.write_text(exchange_text("P1", "AG", "ack", ("batch", "records", "amount"), ["7,1,1.00"], batch=3))
    with uow() as u, pytest.raises(BadInput, match=r"ack3\.csv:3: batch: no placement file"):
        incoming.import_file(u, admin, p.id, None, unknown, NEXT)
    with uow(write=False) as u:
        assert u.session.execute(text("SELECT COUNT(*) FROM exchange_import")).scalar_one() == 2


def test_sync_reports_one_discrepancy(uow, admin, filed, tmp_path):
    sync = tmp_path / "sync.csv"
    sync.write_text(exchange_text("P1", "AG", "sync", ("placement", "line", "amount"),
                                  [",E1-1,100.00", ",E1-2,25.50", ",E1-3,39.00"]))
    with uow() as u:
        report = incoming.import_file(u, admin, filed.id, "AG", sync, NEXT)
    assert report["mismatches"] == ["line E1-3: our balance 40.00, the agency's 39.00"]
    assert (report["lines"], report["agency_cents"], report["our_cents"]) == (3, 16450, 16550)
    with uow(write=False) as u:
        t = tallies.show(u, admin, report["tally"])
    assert (t.considered, t.taken, t.taken_cents) == (3, 2, 12550)
    assert [(c.code, c.count, c.cents) for c in t.excluded] == [("balance_differs", 1, 4000)]
    odd = tmp_path / "sync2.csv"
    odd.write_text(exchange_text("P1", "AG", "sync", ("placement", "line", "amount"), [",E1-1,100.00", ",ZZ-9,5.00"],
                                 batch=2))
    with uow() as u:
        report = incoming.import_file(u, admin, filed.id, "AG", odd, NEXT)
    with uow(write=False) as u:
        t = tallies.show(u, admin, report["tally"])
    assert (t.considered, t.taken) == (4, 1)
    assert sorted((c.code, c.count, c.cents) for c in t.excluded) == [
        ("not_in_agency_file", 2, 6550), ("not_placed_here", 1, 500)]


def test_the_exchange_commands(cli, uow, admin, filed, tmp_path):
    day = ["--as-of", NEXT.isoformat()]
    out = tmp_path / "out"
    code, text_out, _ = cli("exchange", "out", "sync", "--agency", "AG", "--preview", "--out", str(out), *day)
    assert code == 0 and "rows: 3" in text_out and "E1-2" in text_out and not out.exists()
    assert cli("exchange", "out", "sync", "--agency", "AG", "--out", str(out), *day)[0] == 3
    code, text_out, err = cli("exchange", "out", "sync", "--agency", "AG", "--out", str(out), "--yes", "--json", *day)
    assert code == 0, err
    assert json.loads(text_out)["tally"]["taken"] == 3
    path = Path(json.loads(text_out)["path"])
    assert _read_back(str(path), "sync").total_cents == 16550
    returns = tmp_path / "returns.csv"
    returns.write_text(exchange_text("P1", "AG", "returns", ("record", "line", "placement", "date", "amount", "fee",
                                                             "reference"), [f"payment,E1-1,,{NEXT},10.00,0,"]))
    code, text_out, _ = cli("exchange", "in", str(returns), *day)
    assert code == 3 and "1 payment, $10.00" in text_out
    code, text_out, _ = cli("exchange", "in", str(returns), "--yes", *day)
    assert code == 0 and "considered 1 row (10.00), taken 1 (10.00), left out 0" in text_out
    run_no = int(text_out.split("Run ")[1].split(":")[0])
    code, shown, _ = cli("runs", "show", str(run_no), "--json")
    assert code == 0 and json.loads(shown)["taken_by"][0]["code"] == "payment"
    code, _, err = cli("exchange", "in", str(returns), "--yes", *day)
    assert code == 5 and "already imported" in err
    sync = tmp_path / "sync.csv"
    sync.write_text(exchange_text("P1", "AG", "sync", ("placement", "line", "amount"), [",E1-1,90.00"]))
    code, text_out, _ = cli("exchange", "in", str(sync), *day)
    assert code == 0 and "2 discrepancies:" in text_out and "line E1-3" in text_out
    assert cli("verify")[0] == 0


def test_the_new_file_carries_the_compliance_columns(uow, admin, filed, tmp_path):
    """Read back from disk: the credit-reporting dates and the itemization of each line's placed
    debt (its encounter), and the guarantor's call figures, as the rules' own read functions
    give them; both the CSV and the xlsx."""
    p = filed
    for day, outcome in ((NEXT - dt.timedelta(days=3), "conversation"), (NEXT, "no_answer")):
        with uow() as u:
            contacts.log_call(u, admin, p.id, "G1", outcome, NEXT, at=dt.datetime.combine(day, dt.time(12)),
                              confirmed=True)
    with uow() as u:
        made = outgoing.write(u, admin, p.id, "AG", "new", NEXT, tmp_path / "out", batch=1, confirmed=True)
    got = _read_back(made["path"], "new")
    compliance = [c for c, _ in outgoing.COMPLIANCE]
    assert [c for c in got.columns if c in compliance] == compliance
    rows = [{c: r[c] for c in compliance} for _, r in got.records]
    assert rows == [{"dofd": days_ago(100).isoformat(), "reportable_from": "", "never_report": "Y", "calls_7d": "2",
                     "last_conversation": (NEXT - dt.timedelta(days=3)).isoformat(),
                     "itemization_date": TODAY.isoformat(), "itemization_balance": "165.50", "interest": "0.00",
                     "fees": "0.00", "payments_credits": "0.00"}] * 3   # one debt (E1), one guarantor
    with uow(write=False) as u:
        [guard] = credit_reporting.guards(u, p.id, u.session.execute(text("SELECT id FROM guarantor")).scalar_one(),
                                          NEXT)
    assert (guard.first_delinquency, guard.reportable_from, guard.never_report) == (days_ago(100), None, True)
    sheet = openpyxl.load_workbook(made["xlsx"], read_only=True).active
    header, first = (list(r) for r in sheet.iter_rows(min_row=1, max_row=2, values_only=True))
    cell = dict(zip(header, first, strict=True))
    assert (cell["dofd"].date(), cell["never_report"], cell["calls_7d"], cell["itemization_balance"]) == \
        (days_ago(100), "Y", 2, 165.5)
    with uow(write=False) as u:
        pv = outgoing.preview(u, admin, p.id, "AG", "new", NEXT, batch=1)
    assert pv.sample[0]["calls_7d"] == "2" and pv.sample[0]["itemization_date"] == TODAY.isoformat()


def test_the_new_file_reads_its_compliance_figures_once_per_chunk(uow, admin, filed, tmp_path, monkeypatch):
    """Set-based: the rules' read functions are asked once per chunk of rows, never once per row."""
    calls = []
    for mod, name in ((credit_reporting, "guards_of"), (itemization, "itemizations"), (contacts, "placement_figures")):
        real = getattr(mod, name)
        monkeypatch.setattr(mod, name, lambda *a, _real=real, _name=name: calls.append(_name) or _real(*a))
    with uow() as u:
        outgoing.write(u, admin, filed.id, "AG", "new", NEXT, tmp_path / "out", batch=1, confirmed=True)
    assert sorted(calls) == sorted(["guards_of", "itemizations", "placement_figures"] * 2)  # CSV, then xlsx


def test_address_and_returned_mail_changes_go_in_the_update_file(uow, admin, filed, tmp_path):
    """An import that changes a guarantor's address and sets returned mail keeps both as history
    (in its own transaction) and the next update file carries them for every line the agency
    holds, the address with its new parts."""
    from core import imports
    from tests.import_files import write_csv
    folder = tmp_path / "import"
    write_csv(folder, "guarantors.csv", ["G1,P1,patient,Pat Doe,,2 Oak Ave,Springfield,IL,62702,Y"])
    with uow() as u:
        imports.import_folder(u, admin, folder, NEXT)
    with uow() as u:  # the same values again: no change, no history
        imports.import_folder(u, admin, folder, NEXT)
    with uow(write=False) as u:
        kept = u.session.execute(text("SELECT change, address1, zip, returned_mail, source, business_date "
                                      "FROM guarantor_change ORDER BY id")).all()
    assert [(r[0], r[1], r[2], None if r[3] is None else bool(r[3]), r[4], str(r[5])) for r in kept] == [
        ("address", "2 Oak Ave", "62702", None, "import", NEXT.isoformat()),
        ("returned_mail", None, None, True, "import", NEXT.isoformat())]
    with uow() as u:
        made = outgoing.write(u, admin, filed.id, "AG", "update", NEXT, tmp_path / "out", confirmed=True)
    got = _read_back(made["path"], "update")
    records = sorted((r["line"], r["change"], r["detail"], r["address1"], r["zip"]) for _, r in got.records)
    lines = ("E1-1", "E1-2", "E1-3")
    assert records == sorted([(line, "address", "new address", "2 Oak Ave", "62702") for line in lines]
                             + [(line, "returned_mail", "mail came back", "", "") for line in lines])
    with uow() as u, pytest.raises(Exception, match="append-only"):
        u.session.execute(text("DELETE FROM guarantor_change"))
    assert_verified(uow)
