"""Worker leases (issue 20 item 7), in process with an injected clock, on both back ends: a claim
with a lease is refused to others until the lease passes, then taken over; the old holder can no
longer renew it, and its batch, if it still commits, is rolled back (LeaseLost) instead of writing
the practice's date a second time. The processes themselves: tests/ops/test_workers.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, text

from core import runs
from db.uow import SqlUnitOfWork
from tests.conftest import TODAY
from tests.factories import practice as make_practice

LEASE = dt.timedelta(seconds=60)
T0 = dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def at(engine: Engine, clock: Clock) -> Callable[..., SqlUnitOfWork]:
    """Units of work on the test database whose clock is `clock`."""
    return lambda write=True: SqlUnitOfWork(engine, write=write, clock=clock)


def _practice(at: Callable[..., SqlUnitOfWork], source_id: str = "P1") -> int:
    with at() as u:
        pid = make_practice(u, source_id).id
        u.commit()
    return int(pid)


def test_a_leased_claim_is_refused_until_its_lease_passes_then_taken_over(at, clock, admin) -> None:
    pid = _practice(at)
    with at() as u:
        first = runs.claim(u, pid, "external", TODAY, "box-a:1", lease=LEASE)
    clock.now += LEASE - dt.timedelta(seconds=1)
    with at() as u, pytest.raises(runs.AlreadyRunning, match="its lease runs to"):
        runs.claim(u, pid, "external", TODAY, "box-b:2", lease=LEASE)
    with at() as u:                                   # a renewal moves the end of the lease on
        assert runs.renew(u, first, LEASE)
    clock.now += LEASE - dt.timedelta(seconds=1)
    with at() as u, pytest.raises(runs.AlreadyRunning):
        runs.claim(u, pid, "external", TODAY, "box-b:2", lease=LEASE)
    clock.now += dt.timedelta(seconds=2)              # no renewal for a whole lease: box-a is presumed dead
    with at() as u:
        second = runs.claim(u, pid, "external", TODAY, "box-b:2", lease=LEASE)
    assert (second.id, second.holder) == (first.id, "box-b:2")
    with at() as u:
        assert not runs.renew(u, first, LEASE)        # box-a, if it wakes up, no longer holds it
    with at() as u:
        runs.finish(u, second, "done", {"n": 1})
    clock.now += LEASE * 10
    with at() as u, pytest.raises(runs.AlreadyDone):
        runs.claim(u, pid, "external", TODAY, "box-c:3", lease=LEASE)


def test_a_claim_without_a_lease_never_expires_by_time(at, clock, admin) -> None:
    pid = _practice(at)
    with at() as u:
        runs.claim(u, pid, "roster", TODAY, "operator@box-a:1")
    clock.now += dt.timedelta(days=3)
    with at() as u, pytest.raises(runs.AlreadyRunning):
        runs.claim(u, pid, "roster", TODAY, "box-b:2", lease=LEASE)


def test_an_expired_earlier_date_no_longer_holds_back_the_next(at, clock, admin) -> None:
    pid = _practice(at)
    with at() as u:
        runs.claim(u, pid, "roster", TODAY - dt.timedelta(days=1), "box-a:1", lease=LEASE)
    with at() as u, pytest.raises(runs.AlreadyRunning, match="waits for it"):
        runs.claim(u, pid, "roster", TODAY, "box-b:2", lease=LEASE)
    clock.now += LEASE * 2
    with at() as u:
        assert runs.claim(u, pid, "roster", TODAY, "box-b:2", lease=LEASE).holder == "box-b:2"


def _marks(at: Callable[..., SqlUnitOfWork]) -> int:
    with at(write=False) as u:
        return int(u.session.execute(text("SELECT COUNT(*) FROM practice WHERE name LIKE 'written by %'"))
                   .scalar_one())


def test_a_worker_whose_claim_was_taken_over_rolls_its_batch_back(at, clock, admin) -> None:
    """box-a claims, then stalls past its lease before its batch commits (a pause, a lost network);
    box-b takes the claim over. box-a's batch then writes, and its commit finds the claim gone:
    LeaseLost, nothing of it written, and box-b's claim left as it is."""
    pid = _practice(at)

    def stalled(c: runs.Claim) -> None:
        clock.now += LEASE * 2
        with at() as u:
            runs.claim(u, pid, "external", TODAY, "box-b:2", lease=LEASE)

    def batch(u: SqlUnitOfWork) -> int:
        u.session.execute(text("UPDATE practice SET name = 'written by box-a' WHERE id = :p"), {"p": pid})
        u.commit()
        return 1

    with pytest.raises(runs.LeaseLost, match="taken over by another worker"):
        runs.run_claimed(at, pid, "external", TODAY, "box-a:1", batch, lambda r: {"n": r}, started=stalled,
                         lease=LEASE)
    with at(write=False) as u:
        assert u.session.execute(text("SELECT name FROM practice WHERE id = :p"), {"p": pid}).scalar_one() \
            != "written by box-a"
        [rec] = runs.recorded(u, pid)
    assert (rec.holder, rec.outcome) == ("box-b:2", "running")   # box-a's failure did not close box-b's claim



def test_a_live_batch_is_never_taken_over_and_nobody_waits_on_it(engine, at, clock, admin) -> None:
    """PostgreSQL: the batch's transaction holds its claim's row; a claimer finds it locked (FOR
    UPDATE SKIP LOCKED) and is refused at once even with the lease long past, and a renewal does
    not wait on it either. (SQLite: the batch holds the write lock, so nobody gets that far.)"""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers: a claim cannot run beside a batch at all")
    pid = _practice(at)
    with at() as u:
        c = runs.claim(u, pid, "external", TODAY, "box-a:1", lease=LEASE)
    with at() as batch:
        runs.hold(batch, c)
        clock.now += LEASE * 5                      # no renewal got through: the lease is long past
        with at() as u, pytest.raises(runs.AlreadyRunning, match="being run right now"):
            runs.claim(u, pid, "external", TODAY, "box-b:2", lease=LEASE)
        with at(write=False) as u:
            assert runs.renew(u, c, LEASE)          # left as it is, and still ours
        runs.fence(batch, c)
        batch.commit()
    with at() as u, pytest.raises(runs.AlreadyDone):
        runs.claim(u, pid, "external", TODAY, "box-b:2", lease=LEASE)


def test_with_a_limit_of_slots_no_more_batches_than_that_are_claimed_at_once(at, clock, admin) -> None:
    """`slots`: a claim is refused (Full, nothing written) while that many batches run in the
    database, whoever runs them; a batch ending frees its slot, and so does a lease that passed."""
    a, b, c = (_practice(at, f"P{n}") for n in (1, 2, 3))
    with at() as u:
        first = runs.claim(u, a, "external", TODAY, "box-a:1", lease=LEASE, slots=2)
    with at() as u:
        runs.claim(u, b, "roster", TODAY, "box-b:2", lease=LEASE, slots=2)
    with at() as u, pytest.raises(runs.Full, match="2 batches are running and the workers' limit is 2"):
        runs.claim(u, c, "external", TODAY, "box-c:3", lease=LEASE, slots=2)
    with at(write=False) as u:
        assert runs.recorded(u, c) == []
    with at() as u:
        runs.finish(u, first, "done", {"n": 1})
    with at() as u:
        third = runs.claim(u, c, "external", TODAY, "box-c:3", lease=LEASE, slots=2)
    with at() as u, pytest.raises(runs.Full):
        runs.claim(u, a, "roster", TODAY, "box-a:1", lease=LEASE, slots=2)
    clock.now += LEASE / 2
    with at() as u:
        assert runs.renew(u, third, LEASE)
    clock.now += LEASE / 2 + dt.timedelta(seconds=1)  # box-b's lease has passed unrenewed: no slot held
    with at() as u:
        runs.claim(u, a, "roster", TODAY, "box-a:1", lease=LEASE, slots=2)
    with at() as u:                                  # no limit: claimed whatever runs
        runs.claim(u, c, "roster", TODAY, "box-c:3", lease=LEASE)


def test_the_lease_is_a_setting_with_a_range(cli, admin, monkeypatch, caplog) -> None:
    code, _, err = cli("worker", "--once", "--lease", "1")
    assert code == 2 and "--lease: must be a whole number of seconds from 2 to 3600" in err
    monkeypatch.setenv("RECOUP_WORKER_LEASE", "99999")
    code, _, err = cli("worker", "--once")
    assert code == 2 and "--lease: must be a whole number of seconds from 2 to 3600" in err
    monkeypatch.setenv("RECOUP_WORKER_LEASE", "30")
    caplog.set_level("INFO", logger="recoup.worker")
    code, _, err = cli("worker", "--once", "--as-of", TODAY.isoformat())
    assert code == 0 and "lease=30s" in caplog.text


def test_the_slots_are_a_setting_with_a_range(cli, admin, monkeypatch) -> None:
    code, _, err = cli("worker", "--once", "--slots", "-1")
    assert code == 2 and "--slots: must be a whole number of batches from 0 to 999" in err
    monkeypatch.setenv("RECOUP_WORKER_SLOTS", "two")
    code, _, err = cli("worker", "--once")
    assert code == 2 and "--slots: must be a whole number of batches from 0 to 999" in err and "Traceback" not in err
