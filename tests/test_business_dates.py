"""Business dates go forward (SPEC 14): a batch for a date earlier than the latest committed batch of
the same kind and practice is refused (exit 4) naming that batch's date, with nothing written; the
same date again stays allowed (every batch is idempotent per business date)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

from core import external, roster, runs
from core import precollections as pc
from core.precollections.criteria import Criteria
from core.runs import DateBehind, refuse_earlier
from tests import roster_data as rd
from tests.pc_helpers import COLLECTOR

DAY5 = dt.date(2026, 3, 5)
DAY10 = dt.date(2026, 3, 10)


def row_counts(uow: Callable[..., Any]) -> dict[str, int]:
    """Every table's row count: a refused batch leaves all of them as they were."""
    with uow(write=False) as u:
        return {t: int(u.session.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one())
                for t in sorted(SQLModel.metadata.tables)}


@pytest.fixture
def practice(uow, admin) -> int:  # type: ignore[no-untyped-def]
    """A practice with two accounts past due since well before either business date."""
    with uow() as u:
        p = rd.practice(u, "P1")
        for source, cents in (("G1", 12345), ("G2", 50000)):
            rd.charge(u, p, rd.guarantor(u, p, source), cents, dt.date(2025, 11, 1))
        u.commit()
    return p


def _build(uow, admin, p: int, as_of: dt.date) -> Any:  # type: ignore[no-untyped-def]
    with uow() as u:
        return pc.add_tasks(u, COLLECTOR, p, Criteria(dunning_min=1), as_of)


def _external(tmp_path):  # type: ignore[no-untyped-def]
    def go(uow, admin, p: int, as_of: dt.date) -> Any:  # type: ignore[no-untyped-def]
        with uow() as u:
            return external.run(u, admin, p, as_of, tmp_path)
    return go


def _populate(uow, admin, p: int, as_of: dt.date) -> Any:  # type: ignore[no-untyped-def]
    with uow() as u:
        return roster.populate(u, admin, p, as_of)


BATCHES = {"build": ("Add Pre-Collection Tasks", lambda tmp: _build),
           "external": ("External collections run", _external),
           "populate": ("Populate Collection Roster", lambda tmp: _populate)}


@pytest.mark.parametrize("kind", sorted(BATCHES))
def test_earlier_date_refused_same_date_allowed(kind, uow, admin, practice, tmp_path) -> None:
    label, make = BATCHES[kind]
    batch = make(tmp_path)
    batch(uow, admin, practice, DAY10)
    before = row_counts(uow)
    with pytest.raises(DateBehind) as refused:
        batch(uow, admin, practice, DAY5)
    assert refused.value.exit_code == 4 and refused.value.latest == DAY10
    message = refused.value.message
    assert message.startswith(f"{label} for 2026-03-05 refused") and "2026-03-10" in message
    assert "practice P1" in message
    assert row_counts(uow) == before  # nothing written
    batch(uow, admin, practice, DAY10)  # the same date again: allowed (idempotent)
    batch(uow, admin, practice, DAY10 + dt.timedelta(days=1))  # and forward


def test_other_practice_not_affected(uow, admin, practice) -> None:
    """The latest batch is per practice: P1's day 10 does not stop P2's day 5."""
    with uow() as u:
        p2 = rd.practice(u, "P2")
        u.commit()
    _populate(uow, admin, practice, DAY10)
    _populate(uow, admin, p2, DAY5)
    _build(uow, admin, practice, DAY10)
    _build(uow, admin, p2, DAY5)


def test_populate_only_completed_runs_count(uow, admin, practice) -> None:
    """A populate that never completed (outcome not 'done') is no committed batch."""
    _populate(uow, admin, practice, DAY5)
    with uow() as u:
        u.session.execute(text("UPDATE roster_run SET outcome = 'failed' WHERE practice_id = :p"), {"p": practice})
        u.commit()
    _populate(uow, admin, practice, DAY5 - dt.timedelta(days=1))


def test_rule_itself() -> None:
    refuse_earlier("Populate Collection Roster", DAY10, None)
    refuse_earlier("Populate Collection Roster", DAY10, DAY10)
    refuse_earlier("Populate Collection Roster", DAY10, DAY5)
    with pytest.raises(DateBehind, match="the latest one of this practice is dated 2026-03-10"):
        refuse_earlier("Populate Collection Roster", DAY5, DAY10)


def test_claimed_run_refused_leaves_no_claim(uow, admin, practice) -> None:
    """Under the run claim (worker, command line, screens) a refused date withdraws its claim."""
    def claimed(as_of: dt.date) -> Any:
        return runs.run_claimed(uow, practice, "roster", as_of, "tester@host:1",
                                lambda u: roster.populate(u, admin, practice, as_of), lambda r: r.run_record())
    claimed(DAY10)
    before = row_counts(uow)
    with pytest.raises(DateBehind):
        claimed(DAY5)
    assert row_counts(uow) == before
    with uow(write=False) as u:
        assert [(r.business_date, r.outcome) for r in runs.recorded(u, practice, "roster")] == [(DAY10, "done")]


@pytest.mark.parametrize("argv", [("roster", "populate"), ("external", "run", "--practice", "P1"),
                                  ("precollections", "add", "--dunning-min", "1", "--practice", "P1")])
def test_cli_earlier_date_exits_4(argv, cli, practice) -> None:
    code, _out, err = cli("--as-of", DAY10.isoformat(), *argv)
    assert code == 0, err
    code, _out, err = cli("--as-of", DAY5.isoformat(), *argv)
    assert code == 4
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "2026-03-05 refused" in lines[0] and "dated 2026-03-10" in lines[0], err
    assert cli("--as-of", DAY10.isoformat(), *argv)[0] == 0


def test_worker_skips_a_date_behind(cli, uow, admin, practice, caplog) -> None:
    """A practice whose latest populate is newer than a date the worker wants (an operator ran
    day 10 already): the worker skips that date with a log line, records no failure and no claim."""
    _populate(uow, admin, practice, DAY10)
    caplog.set_level("INFO", logger="recoup.worker")
    code, _out, err = cli("worker", "--once", "--now", "2026-03-06T03:00")
    assert code == 0, err
    assert "kind=roster date=2026-03-06 reason=DateBehind latest=2026-03-10" in caplog.text
    assert "event=run.failed" not in caplog.text
    with uow(write=False) as u:
        assert runs.recorded(u, practice, "roster") == []


def test_nightly_runs_the_other_practices_and_exits_4(cli, uow, admin, practice) -> None:
    """`recoup nightly` over every practice: one practice ahead of the date is refused (one line,
    exit 4) and the others still run."""
    with uow() as u:
        rd.practice(u, "P2")
        u.commit()
    _populate(uow, admin, practice, DAY10)
    code, _out, err = cli("--as-of", DAY5.isoformat(), "nightly", "--json")
    assert code == 4
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Populate Collection Roster for 2026-03-05 refused" in lines[0], err
    assert "practice P1" in lines[0] and "dated 2026-03-10" in lines[0]
    with uow(write=False) as u:
        done = {(r.practice_id, r.kind) for r in runs.recorded(u) if r.outcome == "done"}
    assert any(kind == "roster" and pid != practice for pid, kind in done)
    assert (practice, "roster") not in done


def test_a_later_date_waits_while_an_earlier_one_runs(uow, practice) -> None:
    """Two catching-up processes take turns: no claim for day 11 while day 10 still runs elsewhere
    (day 11 finishing first would leave day 10 refused for ever); once day 10 is done, day 11 runs."""
    with uow() as u:
        ten = runs.claim(u, practice, "roster", rd.day(10), "worker@host:1")
    with uow() as u, pytest.raises(runs.AlreadyRunning, match=r"still running .* waits for it"):
        runs.claim(u, practice, "roster", rd.day(11), "nightly@host:2")
    with uow() as u:  # a holder known to be gone does not block
        eleven = runs.claim(u, practice, "roster", rd.day(11), "nightly@host:2",
                            holder_gone=lambda h: h == "worker@host:1")
    for claim in (ten, eleven):
        with uow() as u:
            runs.finish(u, claim, "done", {})
    with uow() as u:
        assert runs.claim(u, practice, "roster", rd.day(12), "nightly@host:2").holder == "nightly@host:2"


def test_the_command_line_waits_for_an_earlier_date_then_runs_its_own(cli, uow, practice, monkeypatch) -> None:
    """`recoup nightly` for day 11 while another process still runs day 10: it says it waits, runs
    day 11 once day 10 is done, and exits 0 — refusing would leave day 11 unrun for good once
    day 12 lands (business dates go forward)."""
    from tui.commands import runclaim
    with uow() as u:
        ten = runs.claim(u, practice, "roster", rd.day(10), "worker@another-host:1")
    waiting = threading.Event()   # the command has said it waits and sleeps before trying again

    def pause(seconds: float) -> None:
        waiting.set()
        time.sleep(seconds)

    monkeypatch.setattr(runclaim, "time", type("Clock", (), {"sleep": staticmethod(pause),
                                                            "monotonic": staticmethod(time.monotonic)}))

    def finish_ten() -> None:
        # day 10 ends once the command waits for it (a fixed sleep here lost the race on a busy
        # machine: day 10 was done before the command started, so it never had to wait)
        waiting.wait(300)
        with uow() as u:
            runs.finish(u, ten, "done", {})

    finisher = threading.Thread(target=finish_ten)
    finisher.start()
    code, _out, err = cli("--as-of", rd.day(11).isoformat(), "nightly", "--json")
    finisher.join()
    assert code == 0, err
    assert "still running" in err and "waits for it" in err
    with uow(write=False) as u:
        done = [r.business_date for r in runs.recorded(u, practice, "roster") if r.outcome == "done"]
    assert sorted(done) == [rd.day(10), rd.day(11)]
