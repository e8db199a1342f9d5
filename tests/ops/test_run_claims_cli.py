"""Manual batch runs take the worker's run claim (issue 8): `recoup external run`, `recoup roster
populate` and `recoup nightly` never double a practice's business date.

Done already -> "already done", exit 0, nothing recorded (the batches were idempotent before);
running elsewhere -> refused, exit 4; failed -> may run again. Both back ends.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from core import runs
from tests.conftest import TODAY
from tests.factories import practice as make_practice

DAY = ["--as-of", TODAY.isoformat()]


@pytest.fixture
def pid(uow, admin) -> int:
    with uow() as u:
        p = make_practice(u, external_on=True, roster_on=True)
        u.commit()
        return int(p.id)


def _audit_count(uow) -> int:
    with uow(write=False) as u:
        return int(u.session.execute(text("SELECT COUNT(*) FROM audit_entry")).scalar_one())


@pytest.mark.parametrize("argv,kind", [(("external", "run"), "external"), (("roster", "populate"), "roster")])
def test_a_second_run_of_a_done_date_says_already_done_and_changes_nothing(cli, uow, pid, tmp_path, argv,
                                                                          kind) -> None:
    extra = ["--out", str(tmp_path)] if kind == "external" else []
    code, _out, err = cli(*argv, "--practice", "P1", *extra, *DAY)
    assert code == 0, err
    with uow(write=False) as u:
        assert [(r.kind, r.outcome) for r in runs.recorded(u, pid)] == [(kind, "done")]
    before = _audit_count(uow)
    code, _out, err = cli(*argv, "--practice", "P1", *extra, *DAY)
    assert code == 0, err
    assert f"the {kind} run of {TODAY.isoformat()} is already done" in err
    assert _audit_count(uow) == before


@pytest.mark.parametrize("argv", [("external", "run"), ("roster", "populate"), ("nightly",)])
def test_a_run_held_by_another_process_is_refused_with_exit_4(cli, uow, pid, tmp_path, argv) -> None:
    kind = "roster" if argv[0] == "roster" else "external"
    with uow() as u:
        runs.claim(u, pid, kind, TODAY, "worker@elsewhere:1")       # another machine's worker
    before = _audit_count(uow)
    extra = [] if argv[0] == "roster" else ["--out", str(tmp_path)]
    code, _out, err = cli(*argv, "--practice", "P1", *extra, *DAY)
    assert code == 4
    assert "already running (by worker@elsewhere:1" in err
    assert _audit_count(uow) == before


def test_nightly_reports_each_batch_already_done_and_a_failed_run_may_run_again(cli, uow, pid, tmp_path) -> None:
    with uow() as u:
        c = runs.claim(u, pid, "external", TODAY, "worker@elsewhere:1")
    with uow() as u:
        runs.finish(u, c, "failed", {"error": "X"})
    code, out, err = cli("nightly", "--practice", "P1", "--out", str(tmp_path), "--json", *DAY)
    assert code == 0, err
    assert {r["batch"] for r in json.loads(out) if r["run"] is not None} == {"external", "roster"}
    code, out, err = cli("nightly", "--practice", "P1", "--out", str(tmp_path), "--json", *DAY)
    assert code == 0, err
    assert [(r["batch"], "already done" in r["summary"]) for r in json.loads(out)] == [("external", True),
                                                                                     ("roster", True)]
    with uow(write=False) as u:
        assert sorted((r.kind, r.outcome) for r in runs.recorded(u, pid)) == [("external", "done"), ("roster", "done")]


def test_help_says_what_a_second_run_does(cli, capsys) -> None:
    for argv in (("nightly",), ("external", "run"), ("roster", "populate")):
        with pytest.raises(SystemExit):
            cli(*argv, "--help")
        text_ = " ".join(capsys.readouterr().out.split())
        assert "'already done' and exits 0" in text_ and "refused with exit 4" in text_, argv
