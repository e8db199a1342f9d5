"""`recoup agencies ...`, `recoup external ...` and `recoup nightly`: the automation contract of
SPEC 10 (names, flags, JSON fields, exit codes)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from tests import factories as f
from tests.conftest import TODAY
from tests.exchange_files import write_returns
from tests.external_helpers import assert_verified, days_ago, snapshot


def _world(uow):
    with uow() as u:
        p = f.practice(u)
        g = f.guarantor(u, p, "G1")
        f.encounter(u, p, g, [15000], posted=days_ago(100), source_id="E1")
        f.encounter(u, p, g, [9950], posted=days_ago(50), source_id="E2")
        u.commit()


def test_agencies_commands(cli, uow, admin):
    _world(uow)
    code, out, err = cli("agencies", "add", "--practice", "P1", "--agency", "AG1", "--age-gt", "45", "--json")
    assert code == 0, err
    assert json.loads(out) == {"agency": "AG1", "name": "AG1", "balance_gt": "0.00", "age_gt": 45,
                               "auto_approve": False, "auto_file": False}
    code, _, err = cli("agencies", "add", "--practice", "P1", "--agency", "AG2", "--balance-gt", "50.00")
    assert code == 2 and "age-gt" in err and len(err.strip().splitlines()) == 1
    code, _, err = cli("agencies", "add", "--practice", "P1", "--agency", "MAN", "--auto-file")
    assert code == 2 and "auto-file" in err
    assert cli("agencies", "add", "--practice", "P1", "--agency", "AG2", "--balance-gt", "99.00", "--age-gt", "89",
               "--auto-approve", "--auto-file")[0] == 0
    assert cli("agencies", "update", "--practice", "P1", "--agency", "AG1", "--balance-gt", "99.00",
               "--auto-approve")[0] == 0
    code, out, _ = cli("agencies", "list", "--practice", "P1", "--json")
    assert json.loads(out) == [
        {"agency": "AG1", "name": "AG1", "balance_gt": "99.00", "age_gt": 45, "auto_approve": True, "auto_file": False},
        {"agency": "AG2", "name": "AG2", "balance_gt": "99.00", "age_gt": 89, "auto_approve": True, "auto_file": True}]
    code, out, err = cli("agencies", "rules", "--practice", "P1", "--exclude-days", "35", "--exclude-min", "20.00",
                         "--exclude-pct", "10", "--reassign", "--by-dos", "--json")
    assert code == 0, err
    assert json.loads(out) == {"exclude_days": 35, "exclude_min": "20.00", "exclude_pct": "10", "account_level": False,
                               "returned_mail": False, "reassign": True, "reage_denied": False, "by_dos": True}
    code, out, _ = cli("agencies", "rules", "--practice", "P1", "--no-by-dos", "--no-exclude", "--json")
    assert json.loads(out)["by_dos"] is False and json.loads(out)["exclude_days"] is None
    assert cli("agencies", "rules", "--practice", "P1", "--exclude-days", "10")[0] == 2
    assert cli("agencies", "remove", "--practice", "P1", "--agency", "AG1")[0] == 3
    assert cli("agencies", "remove", "--practice", "P1", "--agency", "AG1", "--yes")[0] == 0
    code, out, err = cli("agencies", "profile", "--practice", "P1", "--agency", "AG2", "--fee", "25",
                         "--format", "csv", "--contact", "ops@agency.example", "--baa-signed", "2026-01-15", "--json")
    assert code == 0, err
    assert json.loads(out)["fee"] == "25" and json.loads(out)["format"] == "csv"
    code, out, _ = cli("agencies", "profile", "--practice", "P1", "--agency", "AG2", "--json")
    assert json.loads(out)["baa_signed"] == "2026-01-15"  # not given: kept
    code, out, _ = cli("agencies", "profile", "--practice", "P1", "--agency", "AG2", "--baa-signed", "none", "--json")
    assert json.loads(out)["baa_signed"] is None
    assert cli("agencies", "profile", "--practice", "P1", "--agency", "AG2", "--baa-signed", "someday")[0] == 2


@pytest.mark.slow
def test_external_run_list_and_work(cli, uow, admin, tmp_path):
    _world(uow)
    day = ["--as-of", TODAY.isoformat()]
    cli("agencies", "add", "--agency", "AG1", "--balance-gt", "99.00", "--age-gt", "45")
    code, out, err = cli("external", "run", "--out", str(tmp_path), "--json", *day)
    assert code == 0, err
    assert json.loads(out)[0]["select"] == 2
    code, out, _ = cli("external", "list", "--state", "pending", "--json")
    assert sorted(json.loads(out), key=lambda r: r["line"]) == [  # listed in placement order
        {"line": "E1-1", "encounter": "E1", "guarantor": "G1", "agency": "AG1", "state": "pending",
         "balance": "150.00"},
        {"line": "E2-1", "encounter": "E2", "guarantor": "G1", "agency": "AG1", "state": "pending",
         "balance": "99.50"}]
    code, out, _ = cli("external", "approve", "--all", *day)
    assert code == 3 and "2 items will be posted to external collections" in out and "$249.50" in out
    code, out, err = cli("external", "approve", "--lines", "E1-1", "--yes", "--json", *day)
    assert code == 0, err and json.loads(out)["count"] == 1
    assert cli("external", "deny", "--lines", "E2-1", "--yes", *day)[0] == 0
    code, _, err = cli("external", "deny", "--lines", "E1-1", "--yes", *day)
    assert code == 4 and "E1-1" in err
    code, out, _ = cli("external", "file", "--agency", "AG1", "--out", str(tmp_path), "--yes", "--json", *day)
    made = json.loads(out)
    assert made["rows"] == 1 and made["dollars"] == "150.00"
    code, out, _ = cli("external", "list", "--state", "filed", "--json")
    assert [r["line"] for r in json.loads(out)] == ["E1-1"]
    assert cli("external", "sent", "--batch", str(made["batch"]), "--yes", *day)[0] == 0
    returns = tmp_path / "ag1.csv"
    write_returns(returns, [f"payment,E1-1,,{TODAY},50.00,10.00,"], agency="AG1")
    code, out, err = cli("external", "returns", str(returns), "--agency", "AG1", *day)
    assert code == 3 and "1 payment, $50.00" in out, out + err  # the validation warning; nothing posted yet
    code, out, err = cli("external", "returns", str(returns), "--agency", "AG1", "--yes", "--json", *day)
    assert code == 0, err
    assert json.loads(out)["net"] == "40.00"
    assert cli("external", "reverse", "--lines", "E1-1", "--yes", *day)[0] == 0
    code, out, _ = cli("verify")
    assert code == 0, out


def test_nightly_is_idempotent(cli, uow, admin, tmp_path):
    _world(uow)
    day = ["--as-of", TODAY.isoformat()]
    cli("agencies", "add", "--agency", "AG1", "--age-gt", "45", "--auto-approve", "--auto-file")
    assert cli("agencies", "profile", "--agency", "AG1", "--baa-signed", TODAY.isoformat(), *day)[0] == 0
    code, out, err = cli("nightly", "--out", str(tmp_path), "--json", *day)
    assert code == 0, err
    batches = {r["batch"] for r in json.loads(out)}
    assert "external" in batches
    before = snapshot(uow)
    with uow(write=False) as u:
        roster_before = u.session.execute(text("SELECT COUNT(*) FROM audit_entry")).scalar_one()
    code, out, err = cli("nightly", "--out", str(tmp_path), "--json", *day)
    assert code == 0, err
    assert snapshot(uow) == before
    assert len(list(tmp_path.glob("*_new0*"))) == 1
    with uow(write=False) as u:
        # the run claim: the date is already done, so the second nightly records nothing at all
        assert u.session.execute(text("SELECT COUNT(*) FROM audit_entry")).scalar_one() == roster_before
    assert all("already done" in r["summary"] for r in json.loads(out)), out
    assert_verified(uow)
