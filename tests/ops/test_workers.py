"""The nightly across `recoup worker` processes (issue 20 item 7), real processes on both back
ends: two workers at once never run one practice's batch twice, and a worker killed with SIGKILL
mid-practice leaves its claim to another, which takes it over once the lease has passed and
finishes it — the result equal, row for row and cent for cent, to an uninterrupted run of the same
office in a database of its own, and `recoup verify` clean. The lease rules in process, with an
injected clock: tests/ops/test_worker_leases.py.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from core.models.operations import RunLock
from db import schema
from db.engine import make_engine
from tests.conftest import PG_URL
from tests.ops._procs import recoup, stop, wait_for
from tests.ops.worker_world import build_office, digest, worker
from tests.pg_scratch import scratch_database

pytestmark = pytest.mark.slow  # worker processes, each a second or more to start, and leases to wait out

LEASE = 3    # seconds: the shortest a test can wait out without flaking on a loaded machine


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def reference(engine: Engine, tmp_path: Path) -> Iterator[str]:
    """A second, empty database on the same back end, for the uninterrupted run."""
    if engine.dialect.name == "sqlite":
        url = f"sqlite:///{tmp_path / 'reference.db'}"
        ref = make_engine(url)
        schema.upgrade(ref)
        ref.dispose()
        yield url
    else:
        assert PG_URL
        with scratch_database(PG_URL, "recoup_ref") as url:
            yield url


def _claims(url: str) -> list[RunLock]:
    eng = make_engine(url)
    with Session(eng) as s:
        rows = list(s.exec(select(RunLock).order_by(RunLock.id)))  # type: ignore[arg-type]
    eng.dispose()
    return rows


def _batches_recorded(url: str) -> Counter[tuple[str, str]]:
    """How often each practice's batch ran (the run rows each batch writes, whoever ran it)."""
    eng = make_engine(url)
    with eng.connect() as conn:
        found = Counter({(str(s), "external"): int(n) for s, n in conn.execute(text(
            "SELECT p.source_id, COUNT(*) FROM external_run r JOIN practice p ON p.id = r.practice_id "
            "WHERE r.kind = 'nightly' GROUP BY p.source_id"))})
        found.update({(str(s), "roster"): int(n) for s, n in conn.execute(text(
            "SELECT p.source_id, COUNT(*) FROM roster_run r JOIN practice p ON p.id = r.practice_id "
            "GROUP BY p.source_id"))})
    eng.dispose()
    return found


def _verify_clean(url: str) -> None:
    done = recoup("--db", url, "verify")
    assert done.returncode == 0, done.stdout + done.stderr


def test_two_workers_at_once_never_run_one_practice_twice(engine: Engine, tmp_path: Path) -> None:
    url = _url(engine)
    # SQLite runs one batch at a time (its write lock), each stalled past the lease: two practices
    # prove the point there; PostgreSQL's four let each worker take practices of its own.
    practices = build_office(url, practices=4 if engine.dialect.name == "postgresql" else 2, guarantors=12)
    # Each batch holds its transaction open for longer than the lease: only the heartbeat (and, on
    # SQLite, the write lock) keeps the other worker from taking the practice over meanwhile.
    args = ("--once", "--json", "--lease", str(LEASE), "--stall", str(LEASE + 1))
    procs = [worker(url, *args, log=tmp_path / f"w{i}.log") for i in (1, 2)]
    outs = [p.communicate(timeout=600)[0] for p in procs]
    logs = [(tmp_path / f"w{i}.log").read_text() for i in (1, 2)]
    print("\n".join(logs))     # shown when the test fails
    assert [p.returncode for p in procs] == [0, 0], logs
    ran = [json.loads(out) for out in outs]
    done = Counter((r["practice"], r["kind"]) for rows in ran for r in rows if r["outcome"] == "done")
    expected = Counter({(p, k): 1 for p in practices for k in ("external", "roster")})
    assert done == expected, logs
    assert _batches_recorded(url) == expected
    # A batch may lose its lease (on SQLite a wait for the write lock can outlast a 3 s lease on a busy
    # machine): the fence rolls it back and the other worker runs it, once, as counted above.
    assert all("run.failed" not in log for log in logs), logs
    if engine.dialect.name == "postgresql":     # SQLite's write lock lets one batch run at a time
        assert all(rows for rows in ran), "each worker took practices of its own"
    assert {(c.outcome, c.holder.rpartition(":")[2] != "") for c in _claims(url)} == {("done", True)}
    _verify_clean(url)


def test_workers_sharing_one_slot_run_one_batch_at_a_time(engine: Engine, tmp_path: Path) -> None:
    """--slots 1: three workers, and never two batches running at once (the claims table is watched
    while they work); the ones that found the slot taken waited for it, and every batch ran once."""
    url = _url(engine)
    practices = build_office(url, practices=3, guarantors=8)
    watcher = make_engine(url)
    procs = [worker(url, "--once", "--json", "--slots", "1", "--stall", "1", log=tmp_path / f"w{i}.log")
             for i in (1, 2, 3)]
    most = 0
    with watcher.connect() as conn:
        while any(p.poll() is None for p in procs):
            most = max(most, int(conn.execute(text("SELECT COUNT(*) FROM run_lock WHERE outcome = 'running'"))
                                 .scalar_one()))
            conn.rollback()
            time.sleep(0.05)
    watcher.dispose()
    outs = [p.communicate(timeout=600)[0] for p in procs]
    logs = [(tmp_path / f"w{i}.log").read_text() for i in (1, 2, 3)]
    print("\n".join(logs))     # shown when the test fails
    assert [p.returncode for p in procs] == [0, 0, 0], logs
    assert most == 1, logs
    assert any("event=run.waiting" in log and "reason=Full slots=1" in log for log in logs), logs
    done = Counter((r["practice"], r["kind"]) for out in outs for r in json.loads(out) if r["outcome"] == "done")
    assert done == Counter({(p, k): 1 for p in practices for k in ("external", "roster")})
    _verify_clean(url)


def test_a_killed_workers_practice_is_finished_by_another_after_its_lease(engine: Engine, reference: str,
                                                                         tmp_path: Path) -> None:
    url = _url(engine)
    assert build_office(url) == build_office(reference)
    uninterrupted = worker(reference, "--once", log=tmp_path / "reference.log")
    uninterrupted.communicate(timeout=600)
    assert uninterrupted.returncode == 0, (tmp_path / "reference.log").read_text()

    log_a, log_b = tmp_path / "a.log", tmp_path / "b.log"
    a = worker(url, "--host", "box-a", "--lease", str(LEASE), "--stall", "120", "--poll", "1", log=log_a)
    try:
        wait_for(lambda: "event=run.start" in log_a.read_text(), 120, "worker A to claim a practice")
        time.sleep(1.0)            # well into its batch (which waits 120 s before it commits)
    finally:
        a.kill()                   # SIGKILL: no handler, no cleanup, its transaction dies with it
        a.wait(30)
    [held] = _claims(url)
    assert (held.outcome, held.holder.split(":")[0]) == ("running", "box-a")
    assert held.lease_until is not None

    b = worker(url, "--host", "box-b", "--lease", str(LEASE), "--poll", "1", log=log_b)
    try:
        wait_for(lambda: len(claims := _claims(url)) == 6 and all(c.outcome == "done" for c in claims), 300,
                 "worker B to finish the office")
    finally:
        stop(b)
    taken = next(c for c in _claims(url) if c.id == held.id)
    assert taken.holder.split(":")[0] == "box-b"
    assert taken.started_at >= held.lease_until      # not before the dead worker's lease had passed
    assert _batches_recorded(url) == Counter({(p, k): 1 for p in ("OFF01", "OFF02", "OFF03")
                                              for k in ("external", "roster")})
    _verify_clean(url)
    _verify_clean(reference)
    mine, theirs = digest(url), digest(reference)
    assert mine.keys() == theirs.keys()
    assert {t: mine[t] for t in mine if mine[t] != theirs[t]} == {}, \
        {t: (mine[t] - theirs[t], theirs[t] - mine[t]) for t in mine if mine[t] != theirs[t]}
