"""`recoup roster ...` and `recoup letters ...` end to end through the command line."""

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
        g2 = rd.guarantor(u, p, "G2")
        rd.charge(u, p, g2, 50000, day(-90))
        u.commit()
    return p


def test_status_table_commands(cli, data) -> None:
    code, out, err = cli("roster", "status", "set", "4", "--practice", "P1", "--description", "Attorney")
    assert code == 0, err
    code, out, err = cli("roster", "status", "set", "3", "--practice", "P1", "--days", "10", "--transfer-to", "9")
    assert code == 2 and "transfer-to: status '9' does not exist" in err
    code, out, err = cli("roster", "status", "set", "2", "--practice", "P1", "--days", "15", "--transfer-to", "1")
    assert code == 2 and "loop with no exit" in err
    code, out, err = cli("roster", "status", "remove", "1", "--practice", "P1")
    assert code == 4 and "in use" in err
    code, out, err = cli("roster", "status", "remove", "4", "--practice", "P1")
    assert code == 0
    code, out, _ = cli("roster", "status", "list", "--practice", "P1", "--json")
    rows = json.loads(out)
    assert {r["code"] for r in rows} == {"1", "2", "3", "R", "A", "P", "PF", "N", "NF", "PP"}
    assert next(r for r in rows if r["code"] == "1")["letter"] == "Past Due Reminder"


def test_settings_command(cli, data) -> None:
    code, out, err = cli("roster", "settings", "--practice", "P1", "--age-to-enter", "30", "--min-balance", "10.00",
                         "--aging", "acct", "--initial-status", "2", "--no-auto-populate", "--fee-pct", "25",
                         "--time", "01:15", "--json")
    assert code == 0, err
    shown = json.loads(out)
    assert (shown["age_to_enter"], shown["min_balance"], shown["aging_basis"], shown["initial_status"],
            shown["auto_populate"], shown["fee_pct"], shown["auto_time"]) == \
        (30, "10.00", "acct", "2", False, "25.00", "01:15")
    code, _, err = cli("roster", "settings", "--practice", "P1", "--partial-status", "ZZ")
    assert code == 2 and "partial-status: status 'ZZ' does not exist" in err
    code, _, err = cli("roster", "settings", "--practice", "P1", "--min-balance", "12,50")
    assert code == 2 and "min-balance" in err


@pytest.mark.slow
def test_populate_list_plan_letters(cli, data, tmp_path) -> None:
    code, out, err = cli("--as-of", day(0).isoformat(), "roster", "populate", "--json")
    assert code == 0, err
    assert json.loads(out)[0]["entered"] == 2
    code, out, _ = cli("roster", "list", "--json")
    rows = json.loads(out)
    assert [(r["guarantor"], r["status"], r["since"], r["balance"]) for r in rows] == \
        [("G1", "1", "2026-03-01", "123.45"), ("G2", "1", "2026-03-01", "500.00")]
    code, out, err = cli("--as-of", day(1).isoformat(), "roster", "plan", "--guarantor", "G2", "--amount", "50.00",
                         "--every-days", "30", "--start", day(1).isoformat())
    assert code == 0, err
    code, out, _ = cli("roster", "list", "--status", "P", "--json")
    assert [r["guarantor"] for r in json.loads(out)] == ["G2"]
    code, out, _ = cli("letters", "list", "--json")
    letters = json.loads(out)
    assert [(r["guarantor"], r["status"], r["letter"], r["queued"], r["printed"]) for r in letters] == [
        ("G1", "1", "Past Due Reminder", "2026-03-01", None), ("G2", "1", "Past Due Reminder", "2026-03-01", None),
        ("G2", "P", "Payment Plan Confirmation", "2026-03-02", None)]
    code, out, err = cli("--as-of", day(1).isoformat(), "letters", "print", "--out", str(tmp_path / "l.pdf"),
                         "--yes")  # the test practice has no address or phone: past that warning
    assert code == 0, err
    assert (tmp_path / "l.pdf").read_bytes().startswith(b"%PDF") and \
        stat.S_IMODE((tmp_path / "l.pdf").stat().st_mode) == 0o600
    code, out, _ = cli("letters", "list", "--unprinted", "--json")
    assert json.loads(out) == []
    code, out, err = cli("--as-of", day(2).isoformat(), "roster", "note", "--guarantor", "G1", "--text", "Called")
    assert code == 0 and "2026-03-10" in out
    code, out, _ = cli("roster", "work", "--practice", "P1", "--json")
    assert json.loads(out)[0]["guarantor"] == "G1"
    code, out, err = cli("roster", "plan", "--guarantor", "NOPE", "--amount", "5", "--every-days", "30",
                         "--start", "2026-03-01")
    assert code == 2 and "guarantor" in err


def test_review_and_turnover_need_yes(cli, data, tmp_path) -> None:
    for n in (0, 15, 30, 45):
        assert cli("--as-of", day(n).isoformat(), "roster", "populate")[0] == 0
    code, out, _ = cli("roster", "review", "--practice", "P1", "--json")
    assert {r["guarantor"] for r in json.loads(out)} == {"G1", "G2"}
    code, out, _ = cli("--as-of", day(46).isoformat(), "roster", "approve", "--practice", "P1")
    assert code == 3 and "2 items will move from R to A, $623.45" in out
    code, out, _ = cli("--as-of", day(46).isoformat(), "roster", "approve", "--practice", "P1", "--yes")
    assert code == 0
    code, out, _ = cli("--as-of", day(47).isoformat(), "roster", "turnover", "--practice", "P1",
                       "--out-dir", str(tmp_path))
    assert code == 3 and "Validation warning" in out and "$623.45" in out
    code, out, err = cli("--as-of", day(47).isoformat(), "roster", "turnover", "--practice", "P1",
                         "--out-dir", str(tmp_path), "--yes", "--json")
    assert code == 0, err
    assert json.loads(out)["written_off"] == "623.45"
    assert cli("verify")[0] == 0
    code, out, _ = cli("roster", "list", "--turned-over", "--json")
    assert {r["guarantor"] for r in json.loads(out)} == {"G1", "G2"}
