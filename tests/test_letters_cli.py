"""`recoup letters print`, `recoup practice profile` and the letter-related bad input, end to end
through the command line, on both databases."""

from __future__ import annotations

import json
import stat

import pytest

from tests import roster_data as rd
from tests.roster_data import day


@pytest.fixture
def data(uow, admin):  # type: ignore[no-untyped-def]
    with uow() as u:
        p = rd.practice(u, "P1")
        g = rd.guarantor(u, p, "G1")
        rd.charge(u, p, g, 12345, day(-90))
        u.commit()
    return p


def test_print_makes_its_folder_and_nothing_waiting_exits_0(cli, data, tmp_path, monkeypatch) -> None:
    folder = tmp_path / "fresh" / "roster-files"
    monkeypatch.setenv("RECOUP_ROSTER_FILES", str(folder))
    code, out, err = cli("--as-of", day(0).isoformat(), "letters", "print")
    assert (code, out.strip(), err) == (0, "No letters are waiting to be printed.", "")
    assert not folder.exists()
    assert cli("--as-of", day(0).isoformat(), "roster", "populate")[0] == 0
    assert cli("--as-of", day(15).isoformat(), "roster", "populate")[0] == 0
    code, out, err = cli("--as-of", day(16).isoformat(), "letters", "print")
    assert (code, err) == (3, "")  # the practice has no address or phone: a validation warning, nothing printed
    assert out.splitlines() == [
        "Validation warning: Print collection letters without the practice's address or phone",
        "  1 letter will print without the practice's address and phone (practice P1), $123.45",
        "  Note: Practice P1 has no address and no phone in its practice profile: a patient could not write back "
        "or call about the letter.",
        "  Note: An admin fills it in under Admin > Practice Profile (or `recoup practice profile`); or go ahead and "
        "print without it.",
        "Nothing was changed. Run again with --yes to go ahead."]
    assert not folder.exists()
    code, out, _ = cli("letters", "list", "--json")
    assert [(r["printed"], r["superseded"]) for r in json.loads(out)] == [(None, None), (None, None)]
    code, out, err = cli("--as-of", day(16).isoformat(), "letters", "print", "--yes")
    assert code == 0, err
    assert out.startswith("2 letter(s) considered: 1 printed, 1 superseded, 0 excluded. Practice P1 has no address "
                          "and no phone in its practice profile: 1 letter(s) printed without them. File: ")
    assert "tally: recoup runs show " in out
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    (pdf,) = folder.glob("letters-2026-03-17_*.pdf")
    assert stat.S_IMODE(pdf.stat().st_mode) == 0o600
    code, out, _ = cli("letters", "list", "--json")
    assert [(r["status"], r["printed"], r["superseded"]) for r in json.loads(out)] == [
        ("1", None, "2026-03-17"), ("2", "2026-03-17", None)]
    code, out, _ = cli("--as-of", day(16).isoformat(), "letters", "print", "--json")
    assert code == 0 and json.loads(out)["considered"] == 0


def test_a_profile_missing_only_its_phone_is_named(cli, data, tmp_path) -> None:
    assert cli("practice", "profile", "--practice", "P1", "--address1", "1 Main St", "--city", "Springfield",
               "--state", "IL", "--zip", "62701")[0] == 0
    assert cli("--as-of", day(0).isoformat(), "roster", "populate")[0] == 0
    folder = tmp_path / "letters"
    code, out, _ = cli("--as-of", day(0).isoformat(), "--json", "letters", "print", "--out-dir", str(folder))
    warning = json.loads(out)
    assert code == 3 and warning["warning"].startswith("Print collection letters without")
    assert [ln["text"] for ln in warning["summary"]["lines"]] == [
        "1 letter will print without the practice's phone (practice P1), $123.45"]
    assert not folder.exists()
    code, out, _ = cli("--as-of", day(0).isoformat(), "--json", "letters", "print", "--out-dir", str(folder),
                       "--yes")
    assert code == 0 and json.loads(out)["printed"] == 1


def test_practice_profile_command(cli, data) -> None:
    code, out, err = cli("practice", "profile", "--practice", "P1", "--address1", "1 Clinic Way", "--city",
                         "Peoria", "--state", "IL", "--zip", "61602", "--phone", "(309) 555-0100",
                         "--remit-to", "PO Box 9 | Peoria, IL 61601", "--letter-due-days", "21", "--json")
    assert code == 0, err
    shown = json.loads(out)
    assert (shown["address1"], shown["remit_to"], shown["letter_due_days"]) == \
        ("1 Clinic Way", "PO Box 9 | Peoria, IL 61601", 21)
    code, _, err = cli("practice", "profile", "--letter-due-days", "soon")
    assert code == 2 and err.strip() == "recoup: --letter-due-days: a whole number of days from 1 to 365"
    code, _, err = cli("practice", "profile", "--phone", "1" * 31)
    assert code == 2 and "phone: at most 30 characters" in err
    code, out, _ = cli("practice", "profile", "--address2", "none", "--json")
    assert json.loads(out)["address2"] is None and json.loads(out)["phone"] == "(309) 555-0100"


def test_installment_above_the_balance_needs_yes(cli, data) -> None:
    assert cli("--as-of", day(0).isoformat(), "roster", "populate")[0] == 0
    args = ("--as-of", day(1).isoformat(), "roster", "plan", "--guarantor", "G1", "--amount", "500.00",
            "--every-days", "30", "--start", day(1).isoformat())
    code, out, _ = cli(*args)
    assert code == 3 and "more than the balance of $123.45" in out
    code, out, _ = cli("roster", "list", "--json")
    assert json.loads(out)[0]["status"] == "1"
    assert cli(*args, "--yes")[0] == 0


def test_template_with_an_unknown_merge_field_writes_nothing(cli, data, tmp_path) -> None:
    body = tmp_path / "odd.txt"
    body.write_text("Dear {guarantor_name}, please pay {amount_owed} by {due_date}.")
    code, _, err = cli("roster", "letter", "Odd", "--practice", "P1", "--body-file", str(body))
    assert code == 2 and err.startswith("recoup: body: unknown merge field(s) amount_owed;")
    assert err.count("\n") == 1
    code, _, err = cli("roster", "status", "set", "1", "--practice", "P1", "--letter", "Odd")
    assert code == 2 and "letter: no letter template named 'Odd'" in err


def test_practice_profile_imports(cli, data, tmp_path) -> None:
    (tmp_path / "practices.csv").write_text(
        "practice_id,name,address1,city,state,zip,phone,remit_to\n"
        "P1,North Clinic,1 Clinic Way,Peoria,IL,61602,(309) 555-0100,PO Box 9 | Peoria IL 61601\n")
    code, _, err = cli("import", str(tmp_path))
    assert code == 0, err
    code, out, _ = cli("practice", "profile", "--json")
    shown = json.loads(out)
    assert (shown["name"], shown["address1"], shown["city"], shown["phone"], shown["remit_to"]) == \
        ("North Clinic", "1 Clinic Way", "Peoria", "(309) 555-0100", "PO Box 9 | Peoria IL 61601")
