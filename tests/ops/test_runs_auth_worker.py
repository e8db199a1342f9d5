"""Batch-run claims, the worker's schedule, and the idle rules, on both back ends (sign-in and its
lockout: tests/ops/test_sign_in.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from core import auth, practices, roster, runs, worker
from core.errors import BadInput
from tests.conftest import TODAY
from tests.factories import practice as make_practice


def _practice(uow: Callable[..., Any]) -> int:
    with uow() as u:
        pid = make_practice(u).id
        u.commit()
    return pid


def test_a_second_claim_of_the_same_run_is_refused_and_a_failed_one_may_run_again(uow, admin) -> None:
    pid = _practice(uow)
    with uow() as u:
        first = runs.claim(u, pid, "external", TODAY, "host:1")
    with uow() as u, pytest.raises(runs.AlreadyRunning, match="already running"):
        runs.claim(u, pid, "external", TODAY, "host:2")
    with uow() as u:
        runs.finish(u, first, "failed", {"error": "X"})
    with uow() as u:
        again = runs.claim(u, pid, "external", TODAY, "host:2")
    with uow() as u:
        runs.finish(u, again, "done", {"selected": 3})
    with uow() as u, pytest.raises(runs.AlreadyDone, match="already done"):
        runs.claim(u, pid, "external", TODAY, "host:3")
    with uow(write=False) as u:
        assert [(r.outcome, r.holder) for r in runs.recorded(u, pid)] == [("done", "host:2")]


def test_a_claim_left_by_a_dead_process_is_taken_over(uow, admin) -> None:
    pid = _practice(uow)
    with uow() as u:
        runs.claim(u, pid, "roster", TODAY, "host:1")
    with uow() as u:
        c = runs.claim(u, pid, "roster", TODAY, "host:2", holder_gone=lambda h: h == "host:1")
    assert c.holder == "host:2"


def test_run_claimed_records_the_outcome_and_a_failure_may_run_again(uow, admin) -> None:
    pid = _practice(uow)

    def broken(u: Any) -> Any:
        raise RuntimeError("disk full")
    with pytest.raises(RuntimeError):
        runs.run_claimed(uow, pid, "external", TODAY, "host:1", broken, lambda r: {})
    started: list[str] = []
    got = runs.run_claimed(uow, pid, "external", TODAY, "host:2", lambda u: 7, lambda r: {"n": r},
                           started=lambda c: started.append(c.holder))
    assert (got, started) == (7, ["host:2"])
    with pytest.raises(runs.AlreadyDone, match="already done"):
        runs.run_claimed(uow, pid, "external", TODAY, "host:3", lambda u: 8, lambda r: {})
    with uow(write=False) as u:
        assert [(r.outcome, r.holder, r.summary) for r in runs.recorded(u, pid)] == [("done", "host:2", '{"n": 7}')]
        assert runs.running(u, pid, "external", TODAY) is None


def test_due_practices_is_the_one_nightly_selection(uow, admin) -> None:
    with uow() as u:
        both = make_practice(u, "P1").id                                # both on (the defaults)
        ext = make_practice(u, "P2", roster_on=False).id
        manual = make_practice(u, "P3", external_on=False).id
        make_practice(u, "P4", external_on=False, roster_on=False)
        u.commit()
    with uow() as u:
        roster.update_settings(u, admin, manual, {"auto_populate": False, "auto_time": "01:30"})
    with uow(write=False) as u:
        assert [p.id for p in practices.due_practices(u, "external")] == [both, ext]
        assert [p.id for p in practices.due_practices(u, "roster")] == [both]          # P3 populates by hand
        assert [p.id for p in practices.due_practices(u, "roster", automatic=False)] == [both, manual]
        assert practices.due_practices(u, "external", "P3") == []
        assert roster.auto_practices(u) == [both]
        assert [(s.source_id, s.kind, s.at) for s in runs.schedules(u, dt.time(3, 0))] == [
            ("P1", "external", dt.time(3, 0)), ("P1", "roster", dt.time(2, 0)), ("P2", "external", dt.time(3, 0))]
        with pytest.raises(BadInput, match="no practice 'P9'"):
            practices.due_practices(u, "roster", "P9")


def test_missed_nights_are_due_once_each_in_order() -> None:
    s = [worker.Schedule(1, "P1", "roster", dt.time(2, 0)), worker.Schedule(1, "P1", "external", dt.time(2, 0))]
    done = {(1, "external"): {dt.date(2026, 11, 20)}, (1, "roster"): {dt.date(2026, 11, 20)}}
    got = worker.due(s, done, dt.datetime(2026, 11, 23, 1, 0))   # before 02:00: the 23rd is not due yet
    assert [(d.business_date.day, d.kind) for d in got] == [(21, "external"), (21, "roster"),
                                                            (22, "external"), (22, "roster")]
    assert worker.due(s, done, dt.datetime(2026, 11, 23, 2, 0))[-1].business_date == dt.date(2026, 11, 23)


def test_a_first_run_does_not_replay_history_and_catch_up_is_capped() -> None:
    assert worker.dates_due([], dt.time(2, 0), dt.datetime(2026, 11, 23, 3, 0)) == [dt.date(2026, 11, 23)]
    long_ago = worker.dates_due([dt.date(2025, 1, 1)], dt.time(2, 0), dt.datetime(2026, 11, 23, 3, 0), 5)
    assert long_ago == [dt.date(2026, 11, 19) + dt.timedelta(days=i) for i in range(5)]


def test_bad_times_are_named() -> None:
    with pytest.raises(ValueError, match="external-time"):
        worker.parse_time("25:99x", "external-time")


def test_idle_rules() -> None:
    assert auth.idle_minutes(None) == 15
    assert auth.idle_expired(15 * 60, 15) and not auth.idle_expired(15 * 60 - 1, 15)
    assert not auth.idle_expired(10**9, 0)


def test_the_worker_runs_each_missed_date_once_in_order(cli, uow, admin) -> None:
    import json
    with uow() as u:
        make_practice(u, roster_on=True, external_on=False)
        u.commit()
    code, out, err = cli("worker", "--once", "--json", "--now", "2026-11-21T03:00")
    assert code == 0, err
    assert [r["date"] for r in json.loads(out)] == ["2026-11-21"]
    code, out, err = cli("worker", "--once", "--json", "--now", "2026-11-23T03:00")
    assert [(r["date"], r["kind"], r["outcome"]) for r in json.loads(out)] == [
        ("2026-11-22", "roster", "done"), ("2026-11-23", "roster", "done")]
    code, out, err = cli("worker", "--once", "--json", "--now", "2026-11-23T03:00")
    assert json.loads(out) == []
    assert cli("verify")[0] == 0
