"""`recoup precollections ...`: the automation contract of SPEC 10 (names, JSON fields, exit codes)."""

from __future__ import annotations

import json

import factories as f
from conftest import TODAY


def _world(uow):
    with uow() as u:
        p = f.practice(u)
        g = f.guarantor(u, p, "G1")
        for i, amount in enumerate((10000, 25050, 5000), start=1):
            f.encounter(u, p, g, [amount], source_id=f"E{i}", dunning=i - 1)
        u.commit()


def test_cli_workflow(cli, uow, admin, tmp_path):
    _world(uow)
    day = ["--as-of", TODAY.isoformat()]
    code, out, err = cli("precollections", "add", "--dunning-min", "1", "--json", *day)
    assert code == 0, err
    assert json.loads(out)["added"] == 2
    code, out, _ = cli("precollections", "list", "--json")
    rows = json.loads(out)
    assert rows == [{"task": 1, "encounter": "E2", "guarantor": "G1", "balance": "250.50", "state": "pre",
                     "action": None},
                    {"task": 2, "encounter": "E3", "guarantor": "G1", "balance": "50.00", "state": "pre",
                     "action": None}]
    assert cli("precollections", "set-action", "send-to-collections", "--tasks", "1,2")[0] == 0
    code, out, _ = cli("precollections", "apply", *day)
    assert code == 3
    assert "2 items will be sent to Collections, $300.50" in out and "--yes" in out
    assert json.loads(cli("precollections", "list", "--state", "not-sent", "--json")[1]) == []
    code, out, err = cli("precollections", "apply", "--yes", *day)
    assert code == 0, err
    rows = json.loads(cli("precollections", "list", "--state", "not-sent", "--json")[1])
    assert [(r["task"], r["state"], r["action"]) for r in rows] == [(1, "not-sent", None), (2, "not-sent", None)]
    assert cli("precollections", "agency", "--agency", "AG1", "--name", "First Recovery")[0] == 0
    code, out, _ = cli("precollections", "spreadsheet", "--agency", "AG1", "--update-as-sent", "--out", str(tmp_path))
    assert code == 3
    code, out, err = cli("precollections", "spreadsheet", "--agency", "AG1", "--update-as-sent", "--yes",
                         "--out", str(tmp_path), "--json", *day)
    assert code == 0, err
    result = json.loads(out)
    assert result["batch"] == 1 and result["file"]["rows"] == 2 and result["file"]["dollars"] == "300.50"
    code, out, _ = cli("precollections", "explain", "E1", "--json", *day)
    x = json.loads(out)
    assert x["on_list"] is False and {"criterion": "dunning (message count) >=", "actual": 0, "threshold": 1,
                                      "pass": False} in x["criteria"]
    assert cli("verify")[0] == 0


def test_cli_refusals_and_bad_input(cli, uow, admin):
    _world(uow)
    code, _, err = cli("precollections", "add", "--encounter-balance-min", "12,50")
    assert code == 2 and "encounter-balance-min" in err
    code, _, err = cli("precollections", "set-action", "remove", "--tasks", "1,x")
    assert code == 2 and "tasks" in err
    code, _, err = cli("precollections", "employer-collections", "on")
    assert code == 4 and "support" in err
    code, _, err = cli("precollections", "add", "--practice", "NOPE")
    assert code == 2 and "practice" in err
