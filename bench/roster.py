"""Benchmark: Populate Collection Roster against its own writes done bare, same run.

    python bench/roster.py [--guarantors 100000] [--db URL]
    python bench/roster.py --large /tmp/recoup_large.db [--runs 3]

A generated practice: each guarantor has two charged lines, aged 0-119 days on day 0 (so about
half are delinquent at the default 60 days), and every tenth delinquent guarantor pays part on
day 10. Measured: the day 0 populate (entries, letters, notes), the day 15 populate (every account
moves 1 -> 2, partial payments) and an idempotent rerun. With --large: each roster practice of
copies of the large demo, the day after its last populate.

The floor (issue 20: like for like) is the populate's own writes done bare: a rehearsal of the
populate, rolled back, shows every row it inserts or changes; those rows are written again with one
statement per table in a transaction that is rolled back (bench/replay.py). One bare statement
over the same accounts is printed too, for the record. Goal: at most 15x.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from bench import replay, scratch
from bench.growth import Growth
from bench.precollections import Clock
from core import ledger, roster
from core.security import Actor
from db import schema
from db.engine import make_engine
from db.uow import SqlUnitOfWork

DAY0 = dt.date(2026, 6, 1)
BOSS = Actor("bench", "support")
SERIES = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :n)"


def generate(engine, guarantors: int) -> int:  # type: ignore[no-untyped-def]
    """The practice, its guarantors, encounters and lines, charged through one journal, set-based."""
    with SqlUnitOfWork(engine) as u:
        s = u.session
        s.execute(text("INSERT INTO practice (source_id, name, employer_collections, precollections_on, external_on, "
                       "roster_on, aging_basis, write_off_code, version) VALUES ('RBENCH', 'Roster Bench', FALSE, "
                       "TRUE, TRUE, TRUE, 'patient', 'WO', 1)"))
        p = s.execute(text("SELECT id FROM practice WHERE source_id = 'RBENCH'")).scalar_one()
        s.execute(text(f"""{SERIES} INSERT INTO guarantor (practice_id, source_id, kind, name, returned_mail,
            dunning_level, version, ar_cents, ins_ar_cents, collections_cents, escrow_cents, address1, city, state, zip)
            SELECT :p, 'G' || i, 'patient', 'Guarantor ' || i, FALSE, 0, 1, 0, 0, 0, 0, i || ' Main St',
                   'Springfield', 'IL', '62701' FROM n"""), {"n": guarantors, "p": p})
        for k in (1, 2):
            s.execute(text("""INSERT INTO encounter (practice_id, source_id, guarantor_id, patient_name, dos,
                dunning_count, statements_sent, version, ar_cents, ins_ar_cents, collections_cents)
                SELECT g.practice_id, g.source_id || '-E' || :k, g.id, g.name, :d0, 0, 1, 1, 0, 0, 0
                FROM guarantor g WHERE g.practice_id = :p"""), {"p": p, "k": k, "d0": DAY0.isoformat()})
        s.execute(text("""INSERT INTO service_line (practice_id, source_id, encounter_id, guarantor_id, dos,
            procedure_code, amount_cents, posted_date, responsibility, version, ar_cents, collections_cents)
            SELECT e.practice_id, e.source_id || '-L', e.id, e.guarantor_id, e.dos, '99213',
                   1000 + (e.id * 37) % 50000, e.dos, 'guarantor', 1, 0, 0
            FROM encounter e WHERE e.practice_id = :p"""),
                  {"p": p})
        # age the lines: guarantor i's lines were posted (i mod 120) days before day 0 (one UPDATE per
        # age keeps the date arithmetic out of SQL, which differs between the two databases)
        for back in range(120):
            s.execute(text("UPDATE service_line SET posted_date = :d, dos = :d WHERE practice_id = :p "
                           "AND guarantor_id % 120 = :b"), {"p": p, "b": back,
                                                            "d": (DAY0 - dt.timedelta(days=back)).isoformat()})
        j = ledger.open_journal(u, "bench.charges", "bench", DAY0, p)
        s.execute(text("""INSERT INTO ledger_txn (practice_id, journal_id, guarantor_id, line_id, date, kind, source,
            bucket_from, bucket_to, amount_cents) SELECT l.practice_id, :j, l.guarantor_id, l.id, l.posted_date,
            'charge', 'other', 'charge', 'ar', l.amount_cents FROM service_line l WHERE l.practice_id = :p"""),
                  {"j": j.id, "p": p})
        ledger.close_journal(u, j)
        u.commit()
    return int(p)


def partial_payments(engine, p: int, on: dt.date) -> None:  # type: ignore[no-untyped-def]
    with SqlUnitOfWork(engine) as u:
        j = ledger.open_journal(u, "bench.payments", "bench", on, p)
        u.session.execute(text("""INSERT INTO ledger_txn (practice_id, journal_id, guarantor_id, line_id, date, kind,
            source, bucket_from, bucket_to, amount_cents)
            SELECT l.practice_id, :j, l.guarantor_id, l.id, :on, 'payment', 'patient', 'ar', 'paid', l.ar_cents / 2
            FROM service_line l JOIN roster_account ra ON ra.guarantor_id = l.guarantor_id AND ra.active = TRUE
            WHERE l.practice_id = :p AND l.guarantor_id % 10 = 0 AND l.source_id LIKE '%-E1-L'"""),
                          {"j": j.id, "p": p, "on": on.isoformat()})
        ledger.close_journal(u, j)
        u.commit()


def timed(fn) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def bare(engine, sql: str, params: dict) -> float:  # type: ignore[no-untyped-def,type-arg]
    """One statement in a transaction that is rolled back: the floor."""
    with SqlUnitOfWork(engine) as u:
        return timed(lambda: u.session.execute(text(sql), params))[0]


def populate(engine, p: int, on: dt.date):  # type: ignore[no-untyped-def]
    with SqlUnitOfWork(engine) as u:
        return timed(lambda: roster.populate(u, BOSS, p, on))


# The tables a populate writes, parents first: those it updates are compared within the practice,
# the append-only ones above their highest id before the run (bench/replay.py).
UPDATED = ["roster_account", "payment_plan"]
APPENDED = ["roster_run", "roster_history", "letter_queue", "account_note", "journal", "ledger_txn", "tally",
            "tally_count", "tally_account", "audit_entry"]


def same_writes(engine, p: int, on: dt.date) -> tuple[Clock, Clock, str, int]:  # type: ignore[no-untyped-def]
    """The populate's own writes done bare (bench/replay.py), then the populate: (run, floor, what
    was written, rows written), wall and CPU."""
    params = {"p": p, **replay.maxima(engine, APPENDED)}
    tables = {t: (f"id > :{t}_max" if t in APPENDED else "practice_id = :p") for t in ["roster_run", *UPDATED,
                                                                                    *APPENDED[1:]]}
    written = replay.rehearse(engine, tables, params, lambda u: roster.populate(u, BOSS, p, on))
    bare_writes = replay.floor(engine, written)
    cpu = time.process_time()
    t, _ = populate(engine, p, on)
    run = Clock(t, time.process_time() - cpu)
    return run, bare_writes, replay.describe(written), sum(w.rows for w in written.values())


def large_demo(source: str, runs: int) -> None:
    """Each roster practice of copies of the large demo, on the day after its last populate: the
    populate against its own writes done bare, `runs` times (each on a new copy)."""
    for i in range(runs):
        with scratch.copy_of(source) as url:
            engine = make_engine(url)
            schema.upgrade(engine)
            with SqlUnitOfWork(engine) as u:
                practices = u.session.execute(text(
                    "SELECT p.id, p.source_id, MAX(r.business_date) FROM practice p LEFT JOIN roster_run r "
                    "ON r.practice_id = p.id WHERE p.roster_on GROUP BY p.id, p.source_id ORDER BY p.id")).all()
            for p, source_id, last in practices:
                on = (dt.date.fromisoformat(str(last)) if last else DAY0) + dt.timedelta(days=1)
                t, floor, what, _rows = same_writes(engine, p, on)
                print(f"{engine.dialect.name} run {i + 1}, {source_id} on {on}: populate {t} vs its writes bare "
                      f"{floor} = {t.ratio(floor, engine)} (goal <= 15x) "
                      f"{'✔' if t.within(floor, 15, engine) else '✘'}  [{what}]")
            engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--guarantors", type=int, nargs="+", default=[10_000, 100_000],
                    help="practice sizes (each in a new database); cost must grow linearly")
    ap.add_argument("--db", default=None, help="a PostgreSQL server URL: a new database on it per size "
                                               "(default: a new SQLite file per size)")
    ap.add_argument("--large", metavar="DEMO",
                    help="instead: each roster practice of copies of this large demo (a SQLite file, or a "
                         "PostgreSQL URL)")
    ap.add_argument("--runs", type=int, default=3, help="with --large: how many copies to run on")
    args = ap.parse_args()
    if args.large:
        large_demo(args.large, args.runs)
        return
    growth = None
    for guarantors in args.guarantors:
        with scratch.database(args.db) as url:
            engine = make_engine(url)
            schema.upgrade(engine)
            growth = growth or Growth.for_dialect(engine.dialect.name)
            generated(engine, guarantors, growth)
            engine.dispose()
    if growth is not None:
        growth.report()


def generated(engine, guarantors: int, growth: Growth) -> None:  # type: ignore[no-untyped-def]
    t, p = timed(lambda: generate(engine, guarantors))
    print(f"{engine.dialect.name}: generated {guarantors:,} guarantors ({2 * guarantors:,} lines) in {t:.2f} s")
    with SqlUnitOfWork(engine) as u:
        roster.ensure_defaults(u, p)
        u.commit()
    cutoff = (DAY0 - dt.timedelta(days=60)).isoformat()
    one = bare(engine, """INSERT INTO roster_account (practice_id, guarantor_id, active, status_code, status_since,
        episode, entered_date, past_due_cents, turned_over, version)
        SELECT g.practice_id, g.id, TRUE, '1', :d, 1, :d, g.ar_cents, FALSE, 1 FROM guarantor g
        WHERE g.practice_id = :p AND EXISTS (SELECT 1 FROM service_line l WHERE l.guarantor_id = g.id
                                             AND l.posted_date <= :cutoff)""",
               {"p": p, "d": DAY0.isoformat(), "cutoff": cutoff})
    size = f"{guarantors:,} guarantors"
    compare("day 0 populate (accounts enter, letters, notes)", engine, p, DAY0, one, growth, size)
    partial_payments(engine, p, DAY0 + dt.timedelta(days=10))
    day15 = DAY0 + dt.timedelta(days=15)
    one = bare(engine, "UPDATE roster_account SET prev_status = status_code, status_code = '2', status_since = :d, "
                       "version = version + 1 WHERE practice_id = :p AND active = TRUE",
               {"p": p, "d": day15.isoformat()})
    compare("day 15 populate (every account moves 1 -> 2, partial payments)", engine, p, day15, one, growth, size)
    t, r = populate(engine, p, day15)
    print(f"  day 15 rerun (idempotent): {r.moved[0]} moves, {t:.3f} s")  # type: ignore[attr-defined]


def compare(what: str, engine, p: int, on: dt.date, one: float,  # type: ignore[no-untyped-def]
            growth: Growth, size: str) -> None:
    t, floor, written, rows = same_writes(engine, p, on)
    growth.add(what, size, rows, t.wall, t.cpu, floor)
    print(f"  {what}: {t}, {1e6 * t.wall / max(rows, 1):.0f} ms per 1,000 rows written; "
          f"vs its own writes bare {floor} = {t.ratio(floor, engine)} (goal <= 15x) "
          f"{'✔' if t.within(floor, 15, engine) else '✘'}; vs one bare statement {one:.3f} s = {t.wall / one:.1f}x "
          f"(for the record)\n    [{written}]")


if __name__ == "__main__":
    main()
