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
    assert "considered 3 (300.00), taken 1 (100.00), left out 2" in out
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
    code, _, err = cli("runs", "show", str(run["run"]), "--reason", "protected:minor")
    assert code == 2 and err.count("\n") == 1 and "left nothing out for 'protected:minor'" in err
    code, _, err = cli("runs", "show", "999")
    assert (code, err.strip()) == (2, "recoup: run: there is no batch run 999")
    code, _, err = cli("runs", "show", str(run["run"]), "--reason", "hold:dispute", "--limit", "0")
    assert code == 2 and "--limit" in err
