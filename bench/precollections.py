"""Benchmark: Pre-Collections use cases against the bare SQL floor, measured in the same run.

    python bench/precollections.py [--encounters 100000 ...] [--db URL]
    python bench/precollections.py --db sqlite:////tmp/pc_bench.db --practice DEMO-FAM   # a copy of the large demo

On a generated practice (one guarantor per four encounters, two charged lines each):
  * Add Pre-Collection Tasks over all encounters  vs  one bare INSERT ... SELECT of the same rows
  * Apply Send to Collections on every task        vs  one bare UPDATE of those rows, and vs every
    row Apply must write (history, transfers, the three balance caches, the tasks) as bare SQL
  * an agency spreadsheet of up to 50,000 rows: seconds and peak memory
The bare statements run in transactions that are rolled back; the floor and Apply are each the
best of --repeat runs (Apply on fresh copies of the SQLite file), so a busy machine skews the
ratio less. Prints ratios; goals from issue 4:
at most 5x, 5x, and 2.5 s / 100 MB.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from bench import scratch
from bench.growth import Growth
from core import ledger
from core import precollections as pc
from core.exchange import agency_files
from core.precollections.criteria import Criteria
from core.security import Actor
from db import schema
from db.engine import make_engine
from db.uow import SqlUnitOfWork

AS_OF = dt.date(2026, 11, 23)
BOSS = Actor("bench", "support")
SERIES = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :n)"


def generate(engine, encounters: int) -> int:
    """A practice with `encounters` patient encounters, charged through one journal, set-based."""
    guarantors = max(1, encounters // 4)
    with SqlUnitOfWork(engine) as u:
        s = u.session
        s.execute(text("INSERT INTO practice (source_id, name, employer_collections, precollections_on, external_on, "
                       "roster_on, aging_basis, write_off_code, version) VALUES ('BENCH', 'Bench', FALSE, TRUE, TRUE, "
                       "TRUE, 'patient', 'WO', 1)"))
        p = s.execute(text("SELECT id FROM practice WHERE source_id = 'BENCH'")).scalar_one()
        s.execute(text(f"""{SERIES} INSERT INTO guarantor (practice_id, source_id, kind, name, returned_mail,
            dunning_level, version, ar_cents, ins_ar_cents, collections_cents, escrow_cents, address1, city, state, zip)
            SELECT :p, 'G' || i, 'patient', 'Guarantor ' || i, FALSE, 0, 1, 0, 0, 0, 0, i || ' Main St', 'Springfield',
                   'IL', '62701' FROM n"""), {"n": guarantors, "p": p})
        s.execute(text("ANALYZE guarantor"))  # else PostgreSQL scans them for each encounter below (quadratic)
        s.execute(text(f"""{SERIES} INSERT INTO encounter (practice_id, source_id, guarantor_id, patient_name, dos,
            dunning_count, statements_sent, version, ar_cents, ins_ar_cents, collections_cents)
            SELECT :p, 'E' || i,
                   (SELECT id FROM guarantor WHERE practice_id = :p AND source_id = 'G' || ((i - 1) / 4 + 1)),
                   'Patient ' || i, :dos, i % 4, 2, 1, 0, 0, 0 FROM n"""),
                  {"n": encounters, "p": p, "dos": "2026-03-01"})
        for k in (1, 2):
            s.execute(text("""INSERT INTO service_line (practice_id, source_id, encounter_id, guarantor_id, dos,
                procedure_code, amount_cents, posted_date, responsibility, version, ar_cents, collections_cents)
                SELECT e.practice_id, e.source_id || '-' || :k, e.id, e.guarantor_id, e.dos, '99213',
                       1000 + (e.id * 37 * :k) % 50000, e.dos, 'guarantor', 1, 0, 0 FROM encounter e
                WHERE e.practice_id = :p"""), {"k": k, "p": p})
        j = ledger.open_journal(u, "bench.charges", "bench", AS_OF, p)
        s.execute(text("""INSERT INTO ledger_txn (practice_id, journal_id, guarantor_id, line_id, date, kind, source,
            bucket_from, bucket_to, amount_cents) SELECT l.practice_id, :j, l.guarantor_id, l.id, l.posted_date,
            'charge', 'other', 'charge', 'ar', l.amount_cents FROM service_line l WHERE l.practice_id = :p"""),
                  {"j": j.id, "p": p})
        ledger.close_journal(u, j)
        u.commit()
    return int(p)


@dataclass(frozen=True)
class Clock:
    """Wall and CPU seconds of one call. On SQLite the database works in this process, so the CPU
    ratio holds steady on a busy machine where the wall ratio does not; on PostgreSQL the server
    does the work and only the wall figure means anything."""
    wall: float
    cpu: float

    def __str__(self) -> str:
        return f"{self.wall:.3f} s"

    def ratio(self, floor: Clock, engine) -> str:  # type: ignore[no-untyped-def]
        cpu = f", {self.cpu / floor.cpu:.1f}x in CPU time" if engine.dialect.name == "sqlite" else ""
        return f"{self.wall / floor.wall:.1f}x{cpu}"

    def within(self, floor: Clock, goal: float, engine) -> bool:  # type: ignore[no-untyped-def]
        """At most `goal` times the floor: by CPU on SQLite (the database works in this process, so
        CPU is the steadier figure on a shared machine), by wall time on PostgreSQL."""
        if engine.dialect.name == "sqlite":
            return self.cpu <= goal * floor.cpu
        return self.wall <= goal * floor.wall

    @staticmethod
    def best(clocks: Iterable[Clock]) -> Clock:
        clocks = list(clocks)
        return Clock(min(c.wall for c in clocks), min(c.cpu for c in clocks))


def timed(fn) -> Clock:  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return Clock(time.perf_counter() - wall, time.process_time() - cpu)


def bare(engine, sql: str | list[str], params: dict) -> Clock:
    """Statements in one transaction that is rolled back: a floor."""
    statements = [sql] if isinstance(sql, str) else sql
    with SqlUnitOfWork(engine) as u:
        return timed(lambda: [u.session.execute(text(s), params) for s in statements])


APPLIED = ("SELECT encounter_id FROM precollection_task "
           "WHERE practice_id = :p AND on_list AND action = 'send-to-collections'")
# The rows Apply Send to Collections must write, as the plainest SQL that writes them: a history row
# per task, a transfer per guarantor line with a balance, the three balance caches moved from A/R
# to collections, and the task itself (the one-UPDATE floor, last: the others select by its action).
SAME_WRITES = [
    """INSERT INTO precollection_history (practice_id, task_id, encounter_id, run_id, from_state, to_state, action,
        amount_cents, business_date, at, operator)
       SELECT t.practice_id, t.id, t.encounter_id, t.run_id, t.state, 'not_sent', t.action, e.ar_cents, :d, :at, 'bench'
       FROM precollection_task t JOIN encounter e ON e.id = t.encounter_id
       WHERE t.practice_id = :p AND t.on_list AND t.action = 'send-to-collections'""",
    f"""INSERT INTO ledger_txn (practice_id, journal_id, guarantor_id, line_id, date, kind, source, bucket_from,
        bucket_to, amount_cents)
       SELECT l.practice_id, (SELECT MIN(id) FROM journal), l.guarantor_id, l.id, :d, 'transfer', 'system', 'ar',
              'collections', l.ar_cents
       FROM service_line l WHERE l.responsibility = 'guarantor' AND l.ar_cents > 0 AND l.encounter_id IN ({APPLIED})""",
    f"""UPDATE service_line SET collections_cents = collections_cents + ar_cents, ar_cents = 0
       WHERE responsibility = 'guarantor' AND ar_cents > 0 AND encounter_id IN ({APPLIED})""",
    f"UPDATE encounter SET collections_cents = collections_cents + ar_cents, ar_cents = 0 WHERE id IN ({APPLIED})",
    f"""UPDATE guarantor SET collections_cents = collections_cents + ar_cents, ar_cents = 0
       WHERE id IN (SELECT guarantor_id FROM encounter WHERE id IN ({APPLIED}))""",
    "UPDATE precollection_task SET state = 'not_sent', version = version + 1, action = NULL "
    "WHERE practice_id = :p AND on_list AND action = 'send-to-collections'",
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--encounters", type=int, nargs="+", default=[100_000],
                    help="practice sizes to generate (each in a new database); cost must grow linearly")
    ap.add_argument("--db", default=None, help="with --practice: that database (a COPY: it is changed); else a "
                                               "PostgreSQL server URL for a new database per size (default: SQLite)")
    ap.add_argument("--practice", metavar="ID", help="use this practice of --db (e.g. DEMO-FAM of the large "
                                                     "demo) instead of generating one")
    ap.add_argument("--repeat", type=int, default=3, help="best of N for the floors and Apply (SQLite)")
    ap.add_argument("--apply-tasks", type=int, default=100_000, metavar="N", help="Apply on the first N tasks")
    args = ap.parse_args()
    growth: Growth | None = None
    for encounters in args.encounters if args.practice is None else [0]:
        with contextlib.ExitStack() as stack:
            url = args.db if args.practice else stack.enter_context(scratch.database(args.db))
            engine = make_engine(url)
            schema.upgrade(engine)
            growth = growth or Growth.for_dialect(engine.dialect.name)
            one_size(engine, encounters, args, Path(stack.enter_context(tempfile.TemporaryDirectory())), growth)
            engine.dispose()
    if growth is not None:
        growth.report()


def one_size(engine, encounters: int, args: argparse.Namespace, tmp: Path,  # type: ignore[no-untyped-def]
             growth: Growth) -> None:
    """Add Pre-Collection Tasks, Apply and the spreadsheet on one practice (generated, or --practice)."""
    source = args.practice or "BENCH"
    if args.practice is None:
        t = timed(lambda: generate(engine, encounters))
        print(f"{engine.dialect.name}: generated {encounters} encounters in {t}")
        with SqlUnitOfWork(engine) as u:  # as the nightly maintenance would: fresh tables have no statistics
            u.session.execute(text("ANALYZE"))
            u.commit()
    with SqlUnitOfWork(engine) as u:
        p = u.session.execute(text("SELECT id FROM practice WHERE source_id = :s"), {"s": source}).scalar_one()
        n = u.session.execute(text("SELECT COUNT(*) FROM encounter WHERE practice_id = :p"), {"p": p}).scalar_one()
        # the bench starts from an empty list; on a copy of the demo that means deleting its history,
        # which the append-only trigger refuses (the copy only: --db is documented as changed)
        on = " ON precollection_history" if engine.dialect.name == "postgresql" else ""
        u.session.execute(text(f"DROP TRIGGER IF EXISTS append_only_precollection_history_delete{on}"))
        u.session.execute(text("DELETE FROM precollection_history WHERE practice_id = :p"), {"p": p})
        u.session.execute(text("DELETE FROM precollection_task WHERE practice_id = :p"), {"p": p})
        u.commit()
    print(f"{engine.dialect.name}: practice {source}, {n:,} encounters{server_memory(engine)}")
    size = f"{n:,} encounters"

    floor = bare(engine, """INSERT INTO precollection_task (practice_id, task_no, encounter_id, guarantor_id, on_list,
        state, state_date, version) SELECT e.practice_id, ROW_NUMBER() OVER (ORDER BY e.id), e.id, e.guarantor_id, TRUE,
        'pre', :d, 1 FROM encounter e JOIN guarantor g ON g.id = e.guarantor_id
        WHERE e.practice_id = :p AND e.ar_cents > 0 AND e.collections_cents = 0 AND g.kind = 'patient'""",
                 {"p": p, "d": AS_OF.isoformat()})
    vacuum_after_rollback(engine)
    with SqlUnitOfWork(engine) as u:
        t = timed(lambda: pc.add_tasks(u, BOSS, p, Criteria(balance_for="patient"), AS_OF))
    with SqlUnitOfWork(engine) as u:
        added = u.session.execute(text("SELECT COUNT(*) FROM precollection_task WHERE practice_id = :p"),
                                  {"p": p}).scalar_one()
    report(f"Add Pre-Collection Tasks (all encounters: {added:,} tasks)", t, floor, 5, engine)
    growth.add("Add Pre-Collection Tasks, per task", size, added, t.wall, t.cpu, floor)

    with SqlUnitOfWork(engine) as u:
        pc.set_action(u, BOSS, p, "send-to-collections", AS_OF, filt=pc.TaskFilter())
    with SqlUnitOfWork(engine) as u:
        u.session.execute(text("UPDATE precollection_task SET action = NULL WHERE practice_id = :p AND task_no > :n"),
                          {"p": p, "n": args.apply_tasks})  # Apply takes the first N tasks
        u.commit()
    floor = Clock.best(bare(engine, SAME_WRITES[-1], {"p": p}) for _ in range(args.repeat))
    engine, writes, t = writes_and_apply(engine, p, args.repeat)
    applied = min(added, args.apply_tasks)
    report(f"Apply Send to Collections ({applied:,} tasks, with postings), vs one UPDATE", t, floor, None, engine)
    print(f"    every row Apply must write, as bare SQL in one transaction{COMMITTED[engine.dialect.name]}: {writes}, "
          f"itself "
          f"{writes.ratio(floor, engine)} of the one-UPDATE floor; Apply takes {t.ratio(writes, engine)} of it "
          f"(goal <= 2x) {'✔' if t.within(writes, 2, engine) else '✘'}")
    growth.add("Apply Send to Collections, per task", size, applied, t.wall, t.cpu, writes)

    spreadsheet(engine, p, tmp, min(50_000, n))


def server_memory(engine) -> str:  # type: ignore[no-untyped-def]
    """PostgreSQL: the database's size beside the server's buffers and WAL budget. Once the tables
    outgrow shared_buffers, the very same statements read and evict pages and a batch's WAL passes
    checkpoints (full-page images): the per-row cost of the bare floors grows with it (the growth
    report weighs the batch against that)."""
    if engine.dialect.name != "postgresql":
        return ""
    with engine.connect() as c:
        size, buffers, wal = c.execute(text("SELECT pg_size_pretty(pg_database_size(current_database())), "
                                            "current_setting('shared_buffers'), current_setting('max_wal_size')")).one()
    return f"; database {size}, shared_buffers {buffers}, max_wal_size {wal}"


COMMITTED = {"sqlite": " committed", "postgresql": " rolled back"}


def vacuum_after_rollback(engine) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL: clear what the floors rolled back before the product runs, as autovacuum would
    (it is off on the bench server). Each rolled-back floor leaves a dead version of every row it
    wrote, and the batch after it then walked those in the tables and their indexes: Apply at 100k
    ran over three dead copies of each task, line, encounter and guarantor, which its floor never saw."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("VACUUM ANALYZE"))


def writes_and_apply(engine, p: int, repeat: int):  # type: ignore[no-untyped-def]
    """Apply's floor (every row it writes, as bare SQL) and Apply, best of `repeat` each. On SQLite
    both run on fresh copies of the file, alternating, and both commit: the commit copies every
    changed page to the write-ahead log, a quarter of the floor's CPU at 100,000 tasks, so a floor
    rolled back did less work than Apply. On PostgreSQL the rows are already in the log when the
    statements end (a commit only flushes it): the floor is rolled back and Apply runs once (it
    cannot be undone: its postings are append-only). Returns the engine to go on with."""
    params = {"p": p, "d": AS_OF, "at": dt.datetime(2026, 11, 23, 12)}
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if path is None or repeat <= 1:
        writes = Clock.best(bare(engine, SAME_WRITES, params) for _ in range(repeat))
        vacuum_after_rollback(engine)
        with SqlUnitOfWork(engine) as u:
            return engine, writes, timed(lambda: pc.apply(u, BOSS, p, AS_OF, confirmed=True))
    with engine.connect() as c:
        c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    floors, applies = [], []
    for i in range(repeat):
        floor_engine = _copy(path, f"{path}.floor{i}")
        with SqlUnitOfWork(floor_engine) as u:
            floors.append(timed(lambda: ([u.session.execute(text(s), params) for s in SAME_WRITES], u.commit())))
        floor_engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}.floor{i}{suffix}").unlink(missing_ok=True)
        engine = _copy(path, f"{path}.apply{i}")
        with SqlUnitOfWork(engine) as u:
            applies.append(timed(lambda: pc.apply(u, BOSS, p, AS_OF, confirmed=True)))
    return engine, Clock.best(floors), Clock.best(applies)


def _copy(path: str, copy: str):  # type: ignore[no-untyped-def]
    shutil.copyfile(path, copy)
    return make_engine(f"sqlite:///{copy}")


def spreadsheet(engine, p: int, tmp: Path, rows: int) -> None:
    with SqlUnitOfWork(engine) as u:
        agency_files.save_agency(u, BOSS, p, "AG", AS_OF, name="Bench Agency")
    with SqlUnitOfWork(engine) as u:  # keep `rows` Not Sent items; the rest go to another agency's state
        u.session.execute(text("UPDATE precollection_task SET state = 'sent', batch_no = 0 WHERE practice_id = :p "
                               "AND state = 'not_sent' AND task_no > :n"), {"p": p, "n": rows})
        u.commit()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with SqlUnitOfWork(engine) as u:
        start = time.perf_counter()
        r = pc.create_spreadsheet(u, BOSS, p, "AG", AS_OF, tmp / "out", confirmed=True)  # no BAA on file: go on
        t = time.perf_counter() - start
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss) / 1024
    print(f"  agency spreadsheet: {r.file.rows} rows in {t:.2f} s (goal <= 2.5 s) {'✔' if t <= 2.5 else '✘'}; "
          f"peak RSS grew {grown:.0f} MB "
          f"(process peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; "
              f"goal <= 100 MB) {'✔' if grown <= 100 else '✘'}")


def report(what: str, t: Clock, floor: Clock, goal: float | None, engine) -> None:  # type: ignore[no-untyped-def]
    """One figure against its floor: with its goal and mark, or (goal None) for the record."""
    mark = "" if goal is None else "✔" if t.within(floor, goal, engine) else "✘"
    judged = "(for the record)" if goal is None else f"(goal <= {goal:g}x) {mark}"
    print(f"  {what}: {t} vs bare SQL {floor} = {t.ratio(floor, engine)} {judged}")


if __name__ == "__main__":
    main()
