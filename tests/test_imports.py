"""The CSV import (SPEC section 11) on a real SQLite file and, when configured, PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel, select

import core.models
from core import audit, ledger, security, verify
from core.errors import BadInput, Refused
from core.imports import import_folder
from core.models import AuditEntry, Encounter, Guarantor, Journal, LedgerTxn, ServiceLine, Statement
from tests.conftest import TODAY
from tests.import_files import GOOD, with_row, write_csv, write_folder


def counts(u) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {t.name: int(u.session.execute(text(f'SELECT COUNT(*) FROM "{t.name}"')).scalar_one())
            for t in SQLModel.metadata.sorted_tables}


def run(uow, admin, folder: Path):  # type: ignore[no-untyped-def]
    with uow() as u:
        return import_folder(u, admin, folder, TODAY)


def guarantor(uow, sid: str, practice: str = "P1") -> Guarantor:  # type: ignore[no-untyped-def]
    with uow() as u:
        return u.session.exec(select(Guarantor).join(core.models.Practice)
                              .where(Guarantor.source_id == sid,
                                     core.models.Practice.source_id == practice)).one()


def by_sid(uow, model, sid: str):  # type: ignore[no-untyped-def]
    with uow() as u:
        return u.session.exec(select(model).where(model.source_id == sid)).one()


def assert_verified(uow) -> None:  # type: ignore[no-untyped-def]
    with uow() as u:
        problems = [p for check in verify.verify(u) for p in check.problems]
    assert problems == []


def assert_rejected(uow, admin, folder: Path, *expected: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The import fails with BadInput naming each expected `file:line: ...` text; nothing changes."""
    with uow() as u:
        before = counts(u)
    with pytest.raises(BadInput) as caught:
        run(uow, admin, folder)
    problems = caught.value.problems
    for want in expected:
        assert any(want in p for p in problems), (want, problems)
    assert caught.value.message == problems[0]
    with uow() as u:
        assert counts(u) == before
    return problems


# --- a good folder --------------------------------------------------------------------------------

def test_good_folder_imports_every_row_and_posts_its_money(uow, admin, tmp_path: Path) -> None:
    result = run(uow, admin, write_folder(tmp_path / "in"))

    d = result.as_dict()
    assert d["files"] == {
        "practices.csv": {"inserted": 2, "updated": 0, "unchanged": 0},
        "guarantors.csv": {"inserted": 3, "updated": 0, "unchanged": 0},
        "encounters.csv": {"inserted": 3, "updated": 0, "unchanged": 0},
        "service_lines.csv": {"inserted": 4, "updated": 0, "unchanged": 0},
        "transactions.csv": {"inserted": 4, "updated": 0, "unchanged": 0},
        "statements.csv": {"inserted": 2, "updated": 0, "unchanged": 0},
    }
    assert (d["charges"], d["payments"], d["adjustments"], d["transactions_posted"]) == (
        "1630.00", "245.00", "50.00", 8)
    with uow() as u:
        c = counts(u)
        journal = u.session.exec(select(Journal)).one()
        entry = u.session.exec(select(AuditEntry).where(AuditEntry.action == "import")).one()
    assert (c["practice"], c["guarantor"], c["encounter"], c["service_line"], c["statement"],
            c["ledger_txn"], c["journal"]) == (2, 3, 3, 4, 2, 8, 1)
    assert (journal.kind, journal.txn_count, journal.total_cents, journal.operator) == ("import", 8, 192500, "tester")
    assert json.loads(entry.record_ids) == list(GOOD)
    assert json.loads(entry.after)["files"]["service_lines.csv"]["inserted"] == 4
    assert entry.entity == "import" and entry.business_date == TODAY

    g1, g2, g3 = guarantor(uow, "G1"), guarantor(uow, "G2"), guarantor(uow, "G3", "P2")
    assert (g1.ar_cents, g1.ins_ar_cents, g1.escrow_cents) == (7000, 20000, 1500)
    assert (g2.kind, g2.ar_cents, g2.returned_mail) == ("employer", 8000, False)
    assert (g3.ar_cents, g3.returned_mail, str(g3.birth_date)) == (100000, True, "1956-12-09")
    e1 = by_sid(uow, Encounter, "E1")
    assert (e1.ar_cents, e1.ins_ar_cents, e1.statements_sent, e1.case_id) == (7000, 20000, 1, "C-1")
    l2 = by_sid(uow, ServiceLine, "L2")
    assert (l2.ar_cents, str(l2.dos), l2.case_id, l2.responsibility) == (20000, "2026-01-10", "C-1", "insurance")
    assert by_sid(uow, ServiceLine, "L4").amount_cents == 120000
    assert by_sid(uow, Statement, "S2").encounter_id is None
    assert_verified(uow)


def test_blank_line_id_is_unapplied_money_on_the_guarantor(uow, admin, tmp_path: Path) -> None:
    run(uow, admin, write_folder(tmp_path / "in"))
    t2 = by_sid(uow, LedgerTxn, "T2")
    assert (t2.line_id, t2.bucket_from, t2.bucket_to, t2.amount_cents) == (None, "ar", "paid", 1500)
    assert guarantor(uow, "G1").escrow_cents == 1500


def test_importing_twice_changes_no_row_and_posts_no_money(uow, admin, tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "in")
    run(uow, admin, folder)
    with uow() as u:
        before = counts(u)
        versions = [g.version for g in u.session.exec(select(Guarantor))]

    result = run(uow, admin, folder)

    assert all(c["inserted"] == c["updated"] == 0 for c in result.as_dict()["files"].values())
    assert result.journal_id is None and result.money.txns == 0
    with uow() as u:
        after = counts(u)
        assert [g.version for g in u.session.exec(select(Guarantor))] == versions
    assert after.pop("audit_entry") == before.pop("audit_entry") + 1  # the import itself is audited
    assert after == before
    assert_verified(uow)


def test_files_may_refer_to_rows_already_in_the_database(uow, admin, tmp_path: Path) -> None:
    run(uow, admin, write_folder(tmp_path / "first", {k: GOOD[k] for k in
                                                      ("practices.csv", "guarantors.csv", "encounters.csv")}))
    later = write_folder(tmp_path / "later", {k: GOOD[k] for k in
                                              ("service_lines.csv", "transactions.csv", "statements.csv")})
    result = run(uow, admin, later)
    assert list(result.files) == ["service_lines.csv", "transactions.csv", "statements.csv"]
    assert guarantor(uow, "G1").ar_cents == 7000
    assert_verified(uow)


# --- an unchanged folder, or file, is not read again ------------------------------------------------

def no_reading(monkeypatch, allowed: tuple[str, ...] = ()) -> list[str]:  # type: ignore[no-untyped-def]
    """Make reading any file but `allowed` fail the test; returns the names read."""
    import core.imports as imports
    real, read = imports.read_file, []

    def reading(path, spec, problems, as_of):  # type: ignore[no-untyped-def]
        assert spec.name in allowed, f"{spec.name} was read again"
        read.append(spec.name)
        return real(path, spec, problems, as_of)
    monkeypatch.setattr(imports, "read_file", reading)
    return read


def last_import_entry(uow) -> dict:  # type: ignore[no-untyped-def,type-arg]
    with uow() as u:
        entry = u.session.exec(select(AuditEntry).where(AuditEntry.action == "import")
                               .order_by(AuditEntry.id.desc())).first()  # type: ignore[union-attr]
        return json.loads(entry.after)  # type: ignore[union-attr]


def test_an_unchanged_folder_is_not_read_and_writes_only_its_audit_entry(uow, admin, tmp_path: Path,
                                                                         monkeypatch) -> None:
    folder = write_folder(tmp_path / "in")
    run(uow, admin, folder)
    with uow() as u:
        before = counts(u)
        stored = u.session.execute(text("SELECT name, sha256, rows, state FROM import_file ORDER BY name")).all()
    no_reading(monkeypatch)

    result = run(uow, admin, folder)

    assert result.skipped == list(GOOD) == list(result.files)
    assert {n: c.as_dict() for n, c in result.files.items()} == {
        n: {"inserted": 0, "updated": 0, "unchanged": len(rows)} for n, rows in GOOD.items()}
    assert result.journal_id is None and result.money.txns == 0
    assert result.message is not None and result.message.startswith(
        "nothing to import: every file is unchanged since its last import")
    with uow() as u:
        after = counts(u)
        assert u.session.execute(text("SELECT name, sha256, rows, state FROM import_file ORDER BY name")).all() == stored
    assert after.pop("audit_entry") == before.pop("audit_entry") + 1
    assert after == before
    entry = last_import_entry(uow)
    assert entry["unchanged_files"] == list(GOOD) and entry["message"] == result.message
    assert_verified(uow)


def test_one_changed_row_reads_its_file_and_imports_exactly_that_change(uow, admin, tmp_path: Path,
                                                                        monkeypatch) -> None:
    run(uow, admin, write_folder(tmp_path / "a"))
    read = no_reading(monkeypatch, allowed=("service_lines.csv",))
    lower = with_row("service_lines.csv", 0, "L1,E1,2026-01-10,99213,75.00,2026-01-12,guarantor,2026-01-12")

    result = run(uow, admin, write_folder(tmp_path / "b", lower))

    assert read == ["service_lines.csv"]
    assert result.skipped == [n for n in GOOD if n != "service_lines.csv"]
    assert result.files["service_lines.csv"].as_dict() == {"inserted": 0, "updated": 1, "unchanged": 3}
    assert (result.money.charge_corrections, result.money.txns) == (-2500, 1)
    assert by_sid(uow, ServiceLine, "L1").amount_cents == 7500
    assert by_sid(uow, ServiceLine, "L2").version == 1
    assert_verified(uow)
    monkeypatch.undo()
    again = run(uow, admin, write_folder(tmp_path / "b", lower))  # and now that folder is unchanged
    assert again.skipped == list(GOOD)


def test_a_row_changed_since_the_import_is_set_back_by_the_same_file(uow, admin, tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "in")
    run(uow, admin, folder)
    with uow() as u:  # an operator's edit: audited, like every change Recoup makes
        u.session.execute(text("UPDATE guarantor SET name = 'Edited', version = version + 1 WHERE source_id = 'G2'"))
        audit.record(u, "admin", "guarantor.edit", "guarantor", ["G2"], {"name": "Acme Corp"}, {"name": "Edited"})
        u.commit()

    result = run(uow, admin, folder)

    assert result.skipped == [] and result.message is None
    assert result.files["guarantors.csv"].as_dict() == {"inserted": 0, "updated": 1, "unchanged": 2}
    assert guarantor(uow, "G2").name == "Acme Corp"
    assert run(uow, admin, folder).skipped == list(GOOD)


def test_a_row_added_since_the_import_makes_the_files_read_again(uow, admin, tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "in")
    run(uow, admin, folder)
    run(uow, admin, write_folder(tmp_path / "more", {"guarantors.csv": ["G9,P1,patient,New Person,,,,,,N"]}))

    result = run(uow, admin, folder)

    assert result.skipped == []  # guarantors.csv has other bytes now; the others, another state
    assert result.files["guarantors.csv"].unchanged == 3


def test_lines_are_read_again_when_their_encounters_are(uow, admin, tmp_path: Path, monkeypatch) -> None:
    run(uow, admin, write_folder(tmp_path / "a"))
    read = no_reading(monkeypatch, allowed=("encounters.csv", "service_lines.csv"))
    files = with_row("encounters.csv", 0, "E1,P1,G1,Ada Lovelace,2026-01-10,C-7,0,1")

    result = run(uow, admin, write_folder(tmp_path / "b", files))

    assert read == ["encounters.csv", "service_lines.csv"]
    assert result.files["encounters.csv"].updated == 1
    assert result.files["service_lines.csv"].updated == 2  # L1 and L2 carry their encounter's case id
    assert by_sid(uow, ServiceLine, "L2").case_id == "C-7"


# --- changes ----------------------------------------------------------------------------------------

def test_a_changed_row_updates_and_only_it(uow, admin, tmp_path: Path) -> None:
    run(uow, admin, write_folder(tmp_path / "a"))
    changed = with_row("guarantors.csv", 0, "G1,P1,patient,Ada King,1980-12-10,2 New St,Springfield,IL,62701,Y")
    result = run(uow, admin, write_folder(tmp_path / "b", changed))
    assert result.files["guarantors.csv"].as_dict() == {"inserted": 0, "updated": 1, "unchanged": 2}
    g1 = guarantor(uow, "G1")
    assert (g1.name, g1.address1, g1.returned_mail, g1.version) == ("Ada King", "2 New St", True, 2)
    assert guarantor(uow, "G2").version == 1


def test_a_changed_line_amount_posts_a_charge_correction(uow, admin, tmp_path: Path) -> None:
    run(uow, admin, write_folder(tmp_path / "a"))
    lower = with_row("service_lines.csv", 0, "L1,E1,2026-01-10,99213,75.00,2026-01-12,guarantor,2026-01-12")
    result = run(uow, admin, write_folder(tmp_path / "b", lower))
    assert (result.money.charge_corrections, result.money.txns) == (-2500, 1)
    l1 = by_sid(uow, ServiceLine, "L1")
    assert (l1.amount_cents, l1.ar_cents, l1.version) == (7500, 4500, 2)
    assert guarantor(uow, "G1").ar_cents == 4500
    assert_verified(uow)


def test_a_line_moving_to_insurance_moves_its_balance_in_the_caches(uow, admin, tmp_path: Path) -> None:
    run(uow, admin, write_folder(tmp_path / "a"))
    moved = with_row("service_lines.csv", 0, "L1,E1,2026-01-10,99213,100.00,2026-01-12,insurance,")
    result = run(uow, admin, write_folder(tmp_path / "b", moved))
    assert result.money.txns == 0
    e1, g1 = by_sid(uow, Encounter, "E1"), guarantor(uow, "G1")
    assert (e1.ar_cents, e1.ins_ar_cents, g1.ar_cents, g1.ins_ar_cents) == (0, 27000, 0, 27000)
    assert_verified(uow)


def test_a_changed_transaction_is_reversed_and_posted_again(uow, admin, tmp_path: Path) -> None:
    run(uow, admin, write_folder(tmp_path / "a"))
    original = by_sid(uow, LedgerTxn, "T1")
    changed = write_folder(tmp_path / "b", with_row("transactions.csv", 0, "T1,G1,L1,2026-02-01,payment,patient,45.00,"))

    result = run(uow, admin, changed)

    assert result.files["transactions.csv"].as_dict() == {"inserted": 0, "updated": 1, "unchanged": 3}
    assert (result.money.reversals, result.money.payments, result.money.txns) == (-3000, 4500, 2)
    with uow() as u:
        kept = u.session.get(LedgerTxn, original.id)
        journal = u.session.get(Journal, result.journal_id)
        reversal = u.session.exec(select(LedgerTxn).where(LedgerTxn.journal_id == journal.id,
                                                          LedgerTxn.amount_cents < 0)).one()
    assert (kept.amount_cents, kept.line_id, kept.source_id) == (3000, original.line_id, None)
    assert "T1" in kept.memo
    assert (reversal.kind, reversal.amount_cents, reversal.line_id, reversal.date) == (
        "payment", -3000, original.line_id, TODAY)
    current = by_sid(uow, LedgerTxn, "T1")
    assert (current.amount_cents, current.journal_id) == (4500, journal.id)
    assert by_sid(uow, ServiceLine, "L1").ar_cents == 5500
    assert_verified(uow)
    assert run(uow, admin, changed).money.txns == 0  # the id now points at the version in force


def test_a_transaction_moved_to_escrow(uow, admin, tmp_path: Path) -> None:
    run(uow, admin, write_folder(tmp_path / "a"))
    unapplied = with_row("transactions.csv", 0, "T1,G1,,2026-02-01,payment,patient,30.00,")
    run(uow, admin, write_folder(tmp_path / "b", unapplied))
    g1 = guarantor(uow, "G1")
    assert (g1.ar_cents, g1.escrow_cents) == (10000, 4500)
    assert_verified(uow)


def test_files_with_only_the_required_columns(uow, admin, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_csv(folder, "practices.csv", ["P1,North"])
    write_csv(folder, "guarantors.csv", ["G1,P1,patient,Ada"], header="guarantor_id,practice_id,kind,name")
    write_csv(folder, "encounters.csv", ["E1,P1,G1,2026-01-10"], header="encounter_id,practice_id,guarantor_id,dos")
    write_csv(folder, "service_lines.csv", ["L1,E1,40.00,2026-01-12,guarantor"],
              header="line_id,encounter_id,amount,posted_date,responsibility")
    write_csv(folder, "transactions.csv", ["T1,G1,2026-02-01,payment,10.00"],
              header="transaction_id,guarantor_id,date,kind,amount")
    write_csv(folder, "statements.csv", ["S1,G1,2026-02-01"], header="statement_id,guarantor_id,date")
    run(uow, admin, folder)
    g1, e1, l1 = guarantor(uow, "G1"), by_sid(uow, Encounter, "E1"), by_sid(uow, ServiceLine, "L1")
    assert (g1.returned_mail, g1.ar_cents, g1.escrow_cents) == (False, 4000, 1000)
    assert (e1.dunning_count, e1.statements_sent, str(l1.dos)) == (0, 0, "2026-01-10")
    assert (by_sid(uow, LedgerTxn, "T1").source, by_sid(uow, Statement, "S1").dunning_level) == ("other", 0)
    assert_verified(uow)


def test_a_statement_can_lose_its_encounter(uow, admin, tmp_path: Path) -> None:
    run(uow, admin, write_folder(tmp_path / "a"))
    result = run(uow, admin, write_folder(tmp_path / "b", with_row("statements.csv", 0, "S1,G1,,2026-02-01,2")))
    assert result.files["statements.csv"].as_dict() == {"inserted": 0, "updated": 1, "unchanged": 1}
    s1 = by_sid(uow, Statement, "S1")
    assert (s1.encounter_id, s1.dunning_level) == (None, 2)


def test_a_transaction_id_taken_by_another_kind_of_posting_is_refused(uow, admin, tmp_path: Path) -> None:
    run(uow, admin, write_folder(tmp_path / "a"))
    g1, l1 = guarantor(uow, "G1"), by_sid(uow, ServiceLine, "L1")
    with uow() as u:
        j = ledger.open_journal(u, "write_off", "tester", TODAY, g1.practice_id)
        ledger.post(u, j, practice_id=g1.practice_id, guarantor_id=g1.id, line_id=l1.id, date=TODAY,
                    kind="write_off", amount_cents=500, source_id="W1")
        ledger.close_journal(u, j)
        u.commit()
    taken = with_row("transactions.csv", 4, "W1,G1,L1,2026-05-01,payment,patient,5.00,")
    assert_rejected(uow, admin, write_folder(tmp_path / "b", taken),
                    "transactions.csv:6: transaction_id: 'W1' is already used by a write_off transaction")


def test_an_absent_optional_column_keeps_existing_values(uow, admin, tmp_path: Path) -> None:
    run(uow, admin, write_folder(tmp_path / "a"))
    narrow = tmp_path / "b"
    write_csv(narrow, "guarantors.csv", ["G1,P1,patient,Ada Lovelace"], header="guarantor_id,practice_id,kind,name")
    result = run(uow, admin, narrow)
    assert result.files["guarantors.csv"].unchanged == 1
    assert guarantor(uow, "G1").address1 == "1 Main St"


def test_same_ids_in_two_practices_need_a_practice_id(uow, admin, tmp_path: Path) -> None:
    files = {k: list(v) for k, v in GOOD.items() if k in ("practices.csv", "guarantors.csv", "encounters.csv")}
    files["guarantors.csv"].append("G1,P2,patient,Other Ada,,,,,,N")
    files["encounters.csv"].append("E1,P2,G1,Other Ada,2026-05-01,,,")
    files["service_lines.csv"] = ["L9,E1,,,10.00,2026-05-02,guarantor,"]
    assert_rejected(uow, admin, write_folder(tmp_path / "a", files),
                    "service_lines.csv:2: encounter_id: encounter 'E1' exists in several practices (P1, P2)")
    header = "line_id,encounter_id,practice_id,amount,posted_date,responsibility"
    write_csv(tmp_path / "a", "service_lines.csv", ["L9,E1,P2,10.00,2026-05-02,guarantor"], header=header)
    run(uow, admin, tmp_path / "a")
    assert guarantor(uow, "G1", "P2").ar_cents == 1000
    assert guarantor(uow, "G1", "P1").ar_cents == 0
    assert_verified(uow)


def test_a_line_naming_another_practice_than_its_encounters_is_refused(uow, admin, tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "in")
    write_csv(folder, "service_lines.csv", ["L1,E1,P1,100.00,2026-01-12,guarantor", "L9,E1,P2,10.00,2026-01-12,guarantor"],
              header="line_id,encounter_id,practice_id,amount,posted_date,responsibility")
    assert_rejected(uow, admin, folder,
                    "service_lines.csv:3: encounter_id: encounter 'E1' is not in practice 'P2' (it is in P1)")


# --- bad input: file:line and nothing written -----------------------------------------------------

BAD_ROWS = [
    ("service_lines.csv", 1, "L2,E1,,80053,12,50,2026-01-12,insurance,",
     "service_lines.csv:3: has 9 fields, the header has 8"),
    ("service_lines.csv", 1, 'L2,E1,,80053,"12,50",2026-01-12,insurance,', "service_lines.csv:3: amount: not an amount (write it like 1234.56"),
    ("transactions.csv", 2, "T2,G1,,2026-02-02,payment,patient,ten,", "transactions.csv:4: amount: not an amount (write it like 1234.56"),
    ("transactions.csv", 2, "T2,G1,,2026-02-02,payment,patient,1.005,", "transactions.csv:4: amount: not an amount"),
    ("encounters.csv", 0, "E1,P1,G1,Ada,2026-02-30,,,", "encounters.csv:2: dos: not a date (no such day)"),
    ("encounters.csv", 0, "E1,P1,G1,Ada,01/10/2026,,,", "encounters.csv:2: dos: not a date (write it as YYYY-MM-DD)"),
    ("guarantors.csv", 1, "G2,P1,company,Acme Corp,,,,,,", "guarantors.csv:3: kind: not one of: patient, employer"),
    ("guarantors.csv", 1, "G2,P1,employer,Acme Corp,,,,,,maybe", "guarantors.csv:3: returned_mail: not Y or N"),
    ("guarantors.csv", 1, "G2,P1,employer," + "x" * 121 + ",,,,,,", "guarantors.csv:3: name: is 121 characters long; at most 120 fit"),
    ("guarantors.csv", 1, "G2,P1,employer,,,,,,,", "guarantors.csv:3: name: a value is required"),
    ("guarantors.csv", 2, "G3,P9,patient,Grace Hopper,,,,,,", "guarantors.csv:4: practice_id: unknown practice 'P9'"),
    ("transactions.csv", 2, "T2,G1,,2026-02-02,refund,patient,15.00,", "transactions.csv:4: kind: not one of: payment, adjustment"),
    ("transactions.csv", 2, "T2,G1,,2026-02-02,payment,bank,15.00,", "transactions.csv:4: source: not one of"),
    ("service_lines.csv", 2, "L3,E2,,,80,2026-02-05,patient,", "service_lines.csv:4: responsibility: not one of: guarantor, insurance"),
    ("encounters.csv", 1, "E2,P1,G2,Bob,2026-02-03,,-1,", "encounters.csv:3: dunning_count: not a whole number (write it like 0, 1, 2)"),
    ("encounters.csv", 1, "E2,P1,G7,Bob,2026-02-03,,,", "encounters.csv:3: guarantor_id: unknown guarantor 'G7' in practice 'P1'"),
    ("service_lines.csv", 3, "L4,E8,,,1.00,2026-03-16,guarantor,", "service_lines.csv:5: encounter_id: unknown encounter 'E8'"),
    ("transactions.csv", 0, "T1,G1,L8,2026-02-01,payment,patient,30.00,", "transactions.csv:2: line_id: unknown line 'L8' in practice 'P1'"),
    ("transactions.csv", 0, "T1,G9,,2026-02-01,payment,patient,30.00,", "transactions.csv:2: guarantor_id: unknown guarantor 'G9'"),
    ("transactions.csv", 0, "T1,G2,L1,2026-02-01,payment,patient,30.00,", "transactions.csv:2: line_id: line 'L1' belongs to guarantor 'G1', not 'G2'"),
    ("statements.csv", 1, "S2,G3,E1,2026-04-02,", "statements.csv:3: encounter_id: unknown encounter 'E1' in practice 'P2'"),
    ("statements.csv", 1, "S2,G2,E1,2026-04-02,", "statements.csv:3: encounter_id: encounter 'E1' belongs to guarantor 'G1', not 'G2'"),
    ("service_lines.csv", 4, "L1,E1,,,5.00,2026-01-12,guarantor,", "service_lines.csv:6: line_id 'L1' in practice 'P1' appears twice in the file (first on line 2)"),
    ("practices.csv", 2, "P1,Again", "practices.csv:4: practice_id 'P1' appears twice in the file (first on line 2)"),
    ("transactions.csv", 4, "T4,G3,,2026-04-01,payment,patient,1.00,", "transactions.csv:6: transaction_id 'T4' in practice 'P2' appears twice"),
]


@pytest.mark.parametrize("name,index,row,expected", BAD_ROWS, ids=[b[3].split(": ", 1)[0] + " " + b[3].split(": ")[1][:30] for b in BAD_ROWS])
def test_a_bad_row_names_file_and_line_and_writes_nothing(uow, admin, tmp_path: Path, name: str,
                                                          index: int, row: str, expected: str) -> None:
    assert_rejected(uow, admin, write_folder(tmp_path / "in", with_row(name, index, row)), expected)


def test_a_bad_row_in_a_second_import_changes_nothing(uow, admin, tmp_path: Path) -> None:
    run(uow, admin, write_folder(tmp_path / "a"))
    files = with_row("transactions.csv", 4, "T5,G1,L1,2026-05-01,payment,patient,5.00,")
    files["service_lines.csv"][0] = "L1,E1,2026-01-10,99213,999.00,2026-01-12,guarantor,"
    files["guarantors.csv"][0] = "G1,P1,patient,Renamed,,,,,,N"
    files["transactions.csv"][1] = "T2,G1,,2026-13-01,payment,patient,15.00,"
    assert_rejected(uow, admin, write_folder(tmp_path / "b", files), "transactions.csv:3: date: not a date")
    assert guarantor(uow, "G1").name == "Ada Lovelace"
    assert by_sid(uow, ServiceLine, "L1").amount_cents == 10000


def test_every_problem_is_reported_not_just_the_first(uow, admin, tmp_path: Path) -> None:
    files = with_row("guarantors.csv", 1, "G2,P1,firm,Acme Corp,,,,,,")
    files["transactions.csv"][3] = "T4,G3,L4,2026-04-01,payment,patient,12,50,"
    files["statements.csv"][0] = "S1,G1,E1,yesterday,1"
    problems = assert_rejected(uow, admin, write_folder(tmp_path / "in", files),
                               "guarantors.csv:3: kind", "transactions.csv:5: has 9 fields",
                               "statements.csv:2: date")
    assert len(problems) == 3


def test_a_flood_of_problems_is_capped(uow, admin, tmp_path: Path) -> None:
    files = {"practices.csv": [f"P{i},{'n' * 130}" for i in range(150)]}
    problems = assert_rejected(uow, admin, write_folder(tmp_path / "in", files), "practices.csv:2: name")
    assert len(problems) == 101 and problems[-1] == "... and 50 more problems"


def test_a_missing_required_column_names_file_and_column(uow, admin, tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "in")
    write_csv(folder, "service_lines.csv", ["L1,E1,100.00,2026-01-12"],
              header="line_id,encounter_id,amount,posted_date")
    assert_rejected(uow, admin, folder, "service_lines.csv:1: required column 'responsibility' is missing")


def test_an_unknown_column_is_refused(uow, admin, tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "in")
    write_csv(folder, "transactions.csv", ["T1,G1,2026-02-01,adjustment,5.00,CO45"],
              header="transaction_id,guarantor_id,date,kind,amount,ajustment_code")
    assert_rejected(uow, admin, folder, "transactions.csv:1: unknown column 'ajustment_code'")


def test_bad_encoding_names_the_file_and_line(uow, admin, tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "in")
    write_csv(folder, "guarantors.csv", ["G1,P1,patient,José Núñez,,,,,,N"], encoding="latin-1")
    assert_rejected(uow, admin, folder, "guarantors.csv:2: not UTF-8 text")


def test_a_byte_order_mark_and_blank_lines_are_fine(uow, admin, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "practices.csv").write_bytes("\ufeffpractice_id,name\n\nP1,Clínica Norte\n".encode())
    run(uow, admin, folder)
    with uow() as u:
        assert u.session.execute(text("SELECT name FROM practice")).scalar_one() == "Clínica Norte"


def test_an_encounter_cannot_move_to_another_guarantor(uow, admin, tmp_path: Path) -> None:
    run(uow, admin, write_folder(tmp_path / "a"))
    moved = with_row("encounters.csv", 0, "E1,P1,G2,Ada Lovelace,2026-01-10,C-1,0,1")
    assert_rejected(uow, admin, write_folder(tmp_path / "b", moved),
                    "encounters.csv:2: guarantor_id: encounter 'E1' belongs to guarantor 'G1'")


def test_a_folder_without_import_files_or_with_a_stranger(uow, admin, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(BadInput, match="no import files"):
        run(uow, admin, tmp_path / "empty")
    folder = write_folder(tmp_path / "in")
    (folder / "payments.csv").write_text("x\n")
    assert_rejected(uow, admin, folder, "payments.csv: not an import file")


def test_importing_needs_the_supervisor_role(uow, admin, tmp_path: Path) -> None:
    with uow() as u:
        security.add_user(u, admin, "clerk", "collector")
    with pytest.raises(Refused, match="supervisor"):
        run(uow, security.Actor("clerk", "collector"), write_folder(tmp_path / "in"))


# --- the command line ------------------------------------------------------------------------------

def test_cli_import_exit_0_then_exit_2_with_file_and_line(cli, admin, tmp_path: Path) -> None:
    code, out, err = cli("--json", "import", str(write_folder(tmp_path / "good")))
    assert code == 0, err
    assert json.loads(out)["files"]["transactions.csv"]["inserted"] == 4

    code, out, err = cli("import", str(write_folder(tmp_path / "good")))
    assert code == 0 and "service_lines.csv" in out and "transactions_posted: 0" in out
    assert "nothing to import: every file is unchanged since its last import" in out

    bad = write_folder(tmp_path / "bad", with_row("service_lines.csv", 1, 'L2,E1,,80053,"12,50",2026-01-12,insurance,'))
    code, out, err = cli("import", str(bad))
    assert code == 2
    assert "service_lines.csv:3: amount: not an amount (write it like 1234.56" in err
