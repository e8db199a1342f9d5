"""recoup runs list | show (SPEC 14): a batch prints its tally, the tally is kept with the run, and
each reason opens the accounts it left out; bad references are one line, exit 2."""

from __future__ import annotations

import datetime as dt
import json

from tests import factories as f

DAY = dt.date(2026, 3, 1)


def test_a_batch_prints_its_tally_and_runs_show_opens_each_reason(cli, uow, admin) -> None:
    with uow() as u:
        p = f.practice(u)
        for sid, kw in (("PLAIN", {}), ("HELD", {}), ("INSURANCE", {"insurance_status": "open"})):
            g = f.guarantor(u, p, sid)
            f.encounter(u, p, g, [10_000], source_id=f"E-{sid}", posted=DAY - dt.timedelta(days=100), **kw)
        u.commit()
    at = ("--as-of", DAY.isoformat())
    assert cli(*at, "holds", "add", "--guarantor", "HELD", "--kind", "dispute", "--reason", "disputes it")[0] == 0
    code, out, err = cli(*at, "precollections", "add")
    assert code == 0, err
    assert "considered 3 encounters (300.00), taken 1 (100.00), left out 2" in out
    assert "left out: on hold (dispute) [hold:dispute]: 1 (100.00)" in out
    assert "left out: insurance still open [insurance_open]: 1 (100.00)" in out
    code, out, _ = cli("--json", "runs", "list")
    [run] = json.loads(out)
    assert (run["kind"], run["considered"], run["taken"]) == ("precollections_add", 3, 1)
    code, out, _ = cli("--json", "runs", "show", str(run["run"]), "--reason", "insurance_open")
    shown = json.loads(out)
    assert (shown["count"], shown["cents"]) == (1, 10_000)
    assert [(a["guarantor"], a["encounter"], a["amount"]) for a in shown["accounts"]] == [
        ("INSURANCE", "E-INSURANCE", "100.00")]
    code, out, _ = cli("runs", "show", str(run["run"]), "--reason", "hold:dispute")
    assert code == 0 and "HELD" in out and "E-HELD" in out and "PLAIN" not in out
    assert "1 encounter left out" in " ".join(out.split())  # the title wraps to the table
    code, _, err = cli("runs", "show", str(run["run"]), "--reason", "protected:minor")
    assert code == 2 and err.count("\n") == 1 and "left nothing out for 'protected:minor'" in err
    code, _, err = cli("runs", "show", "999")
    assert (code, err.strip()) == (2, "recoup: run: there is no batch run 999")
    code, _, err = cli("runs", "show", str(run["run"]), "--reason", "hold:dispute", "--limit", "0")
    assert code == 2 and err.count("\n") == 1 and "--limit: must be a whole number from 1 to 10000" in err


def test_the_external_runs_tally_counts_lines_and_says_so(cli, uow, admin, tmp_path) -> None:
    """The external run places service lines, so its tally counts lines, not accounts (one account
    may have lines taken and lines left out: considered = taken + left out holds only in lines),
    and says so in print and in JSON; Pre-Collections counts encounters, the roster accounts."""
    with uow() as u:
        p = f.practice(u)
        for sid, lines in (("HELD", [10_000, 5_000]), ("PLAIN", [10_000])):
            g = f.guarantor(u, p, sid)
            f.encounter(u, p, g, lines, source_id=f"E-{sid}", posted=DAY - dt.timedelta(days=100))
        u.commit()
    at = ("--as-of", DAY.isoformat())
    assert cli("agencies", "add", "--agency", "AG1", "--balance-gt", "10.00", "--age-gt", "45")[0] == 0
    assert cli(*at, "holds", "add", "--guarantor", "HELD", "--kind", "dispute", "--reason", "disputes it")[0] == 0
    code, out, err = cli(*at, "external", "run", "--out", str(tmp_path))
    assert code == 0, err
    assert "considered 3 lines (250.00), taken 1 (100.00), left out 2" in out
    assert "left out: on hold (dispute) [hold:dispute]: 2 (150.00)" in out
    code, out, _ = cli("--json", "runs", "list", "--kind", "external_run")
    [run] = json.loads(out)
    assert (run["unit"], run["considered"], run["taken"]) == ("lines", 3, 1)
    code, out, _ = cli("runs", "show", str(run["run"]), "--reason", "hold:dispute")
    assert code == 0 and "2 lines left out" in " ".join(out.split()) and "PLAIN" not in out
    code, out, _ = cli("--json", "runs", "show", str(run["run"]), "--reason", "hold:dispute")
    shown = json.loads(out)
    assert (shown["unit"], shown["count"], len(shown["accounts"])) == ("lines", 2, 2)
