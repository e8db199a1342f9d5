"""Crashes: kill -9 `recoup nightly` and a large `recoup precollections apply --yes` at random
points; afterwards `recoup verify` passes and running again gives exactly the state an
uninterrupted run gives (fingerprint: counts and sums per table and state, no timestamps or ids
of runs). Fast profile: a few trials on the small demo; long (RECOUP_LONG=1): 20 trials each on
the medium demo."""

from __future__ import annotations

import random
import shutil
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from db.engine import make_engine
from tests.integrity.support import build_demo, copy_db, fingerprint, run_cli, run_process

pytestmark = pytest.mark.slow  # kill -9 trials on the medium demo

DAY = "2026-11-23"
COMPARED = tuple(t for t in __import__("tests.integrity.support", fromlist=["FINGERPRINT"]).FINGERPRINT
                 if t != "audit_entry")  # a rerun after a crash may audit its (empty) second pass
TRIALS = {"nightly": 0, "apply": 0, "killed_mid_run": 0}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, long_profile: bool, small_demo: Path) -> Path:
    if not long_profile:
        return small_demo
    return build_demo(tmp_path_factory.mktemp("demo-medium"), "medium")


def _fp(db: Path) -> dict:
    engine = make_engine(f"sqlite:///{db}")
    try:
        return fingerprint(engine, COMPARED)
    finally:
        engine.dispose()


def _copy(src: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "recoup.db"
    copy_db(src, db)
    return db


def _out(argv: tuple[str, ...], db: Path) -> tuple[str, ...]:
    return tuple(str(db.parent) if a == "{out}" else a for a in argv)


def _timed(db: Path, argv: tuple[str, ...]) -> float:
    start = time.monotonic()
    p = run_process(db, *argv)
    out, err = p.communicate(timeout=600)
    assert p.returncode == 0, (out + err).decode()
    return time.monotonic() - start


def _kill_at(db: Path, argv: tuple[str, ...], after: float) -> bool:
    """Start the command, SIGKILL it after `after` seconds; True when it was still running."""
    p = run_process(db, *argv)
    time.sleep(after)
    alive = p.poll() is None
    if alive:
        p.send_signal(signal.SIGKILL)
    p.communicate(timeout=600)
    return alive


def _trials(db_template: Path, tmp: Path, argv: tuple[str, ...], n: int, kind: str, seed: int) -> None:
    """argv's "{out}" is each trial's own folder for agency files (its database's folder)."""
    want_db = _copy(db_template, tmp / "uninterrupted")
    duration = _timed(want_db, _out(argv, want_db))
    want = _fp(want_db)
    rng = random.Random(seed)
    for i in range(n):
        db = _copy(db_template, tmp / f"{kind}{i}")
        TRIALS["killed_mid_run"] += _kill_at(db, _out(argv, db), rng.uniform(0.2, 1.0) * duration)
        TRIALS[kind] += 1
        code, out, err = run_cli(db, "verify")
        assert code == 0, f"trial {i}: verify after kill -9\n{out}{err}"
        code, out, err = run_cli(db, *_out(argv, db))
        assert code == 0, out + err
        assert _fp(db) == want, f"trial {i}: the rerun differs from an uninterrupted run"
        shutil.rmtree(db.parent)


def test_kill_nightly(base: Path, tmp_path: Path, long_profile: bool) -> None:
    _trials(base, tmp_path, ("--as-of", DAY, "nightly", "--out", "{out}"), 20 if long_profile else 2,
            "nightly", 9)


def _with_actions_set(base: Path, folder: Path) -> Path:
    """A copy where every Pre-Collections task of every practice has Send to Collections set."""
    db = _copy(base, folder)
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as c:
        practices = c.execute(text("""SELECT p.source_id, t.task_no FROM precollection_task t JOIN practice p
            ON p.id = t.practice_id JOIN encounter e ON e.id = t.encounter_id
            WHERE t.on_list AND t.state = 'pre' AND e.ar_cents > 0 AND t.action IS NULL""")).all()
    engine.dispose()
    by: dict[str, list[str]] = {}
    for p, n in practices:
        by.setdefault(p, []).append(str(n))
    assert by, "the demo has no Pre-Collections tasks to apply"
    for p, nos in by.items():
        code, out, err = run_cli(db, "--as-of", DAY, "precollections", "set-action", "send-to-collections",
                                 "--practice", p, "--tasks", ",".join(nos))
        assert code in (0, 4), out + err  # 4: an employer task the practice may not send
    return db


def test_kill_apply(base: Path, tmp_path: Path, long_profile: bool) -> None:
    template = _with_actions_set(base, tmp_path / "template")
    engine = make_engine(f"sqlite:///{template}")
    with engine.connect() as c:
        practice = c.execute(text("""SELECT p.source_id FROM precollection_task t
            JOIN practice p ON p.id = t.practice_id WHERE t.action IS NOT NULL
            GROUP BY p.source_id ORDER BY COUNT(*) DESC""")).scalars().first()
    engine.dispose()
    _trials(template, tmp_path, ("--as-of", DAY, "precollections", "apply", "--practice", practice, "--yes",
                                 "--out", "{out}"), 20 if long_profile else 2, "apply", 11)
    print(f"\ncrash trials: {TRIALS}")


def test_nightly_reruns_after_a_kill_between_file_and_commit(small_demo: Path, tmp_path: Path) -> None:
    """Deterministic twin of the random kill: the leftovers of a run killed after writing its
    agency files but before committing are those files, with the database rolled back."""
    done = copy_db(small_demo, tmp_path / "done" / "recoup.db")
    assert run_cli(done, "--as-of", DAY, "nightly", "--out", str(done.parent))[0] == 0
    written = [p.name for p in done.parent.iterdir() if p.suffix in (".xlsx", ".csv")]
    assert written, "the demo's nightly wrote no agency file"
    db = copy_db(small_demo, tmp_path / "killed" / "recoup.db")
    for name in written:
        (db.parent / name).write_bytes(b"partial")
    code, out, err = run_cli(db, "--as-of", DAY, "nightly", "--out", str(db.parent))
    assert code == 0, out + err
