"""Benchmark: agency exchange files against their floors, measured in the same run.

    python bench/exchange.py [--placements 100000] [--db URL]

On a generated practice (bench.precollections.generate, two lines per encounter) whose lines are
all filed with one agency in batch 1 (placements inserted directly: setup, not measured):
  * writing the `new` file of every placement (core.exchange.outgoing: the CSV with its trailer
    and the xlsx for people)   vs  the same SELECT written with the csv module alone
  * importing a `returns` file of one 1.00 payment per placement (checked, warned, posted)
                               vs  reading the file with the csv module + one bare UPDATE of the
                                   same lines (rolled back)
Peak memory growth (ru_maxrss) is printed for each: it should not grow with the rows.
Goal (exchange issue): at most 3x.
"""

from __future__ import annotations

import argparse
import csv
import resource
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from bench.precollections import AS_OF, BOSS, bare, generate, timed
from core import external
from core.exchange import agency_files, envelope, outgoing
from db import schema
from db.engine import make_engine
from db.uow import SqlUnitOfWork


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def place_all(engine, p: int) -> int:
    """Every guarantor line filed with agency AG in batch 1 (its balance moved to collections)."""
    with SqlUnitOfWork(engine) as u:
        agency_files.save_agency(u, BOSS, p, "AG", AS_OF, baa_signed=AS_OF, file_format="csv")
    with SqlUnitOfWork(engine) as u:
        s = u.session
        ag = s.execute(text("SELECT id FROM agency WHERE practice_id = :p"), {"p": p}).scalar_one()
        s.execute(text("UPDATE service_line SET collections_cents = ar_cents, ar_cents = 0 WHERE practice_id = :p "
                       "AND responsibility = 'guarantor'"), {"p": p})
        s.execute(text("""INSERT INTO external_placement (practice_id, line_id, encounter_id, guarantor_id, state,
                active, agency_id, reason, returned_mail, selected_date, posted_date, state_date, batch_no, version)
            SELECT l.practice_id, l.id, l.encounter_id, l.guarantor_id, 'filed', TRUE, :ag, 'rule', FALSE, :d, :d, :d,
                   1, 1 FROM service_line l WHERE l.practice_id = :p AND l.responsibility = 'guarantor'"""),
                  {"p": p, "ag": ag, "d": AS_OF})
        n = s.execute(text("SELECT COUNT(*) FROM external_placement WHERE practice_id = :p"), {"p": p}).scalar_one()
        u.commit()
    return int(n)


def csv_floor(engine, p: int, out: Path) -> object:
    kind = outgoing.KINDS["new"]
    sql = f"SELECT {', '.join(s for _, _, s in kind.columns)} FROM {kind.from_sql} WHERE {kind.where}"

    params = {"p": p, "ag": ag_id(engine, p), "batch": 1}

    def run() -> None:
        with SqlUnitOfWork(engine, write=False) as u, open(out, "w", newline="") as fh:
            w = csv.writer(fh)
            result = u.session.execute(text(sql), params)
            while chunk := result.fetchmany(2000):
                w.writerows(chunk)
    return timed(run)


def ag_id(engine, p: int) -> int:
    with SqlUnitOfWork(engine) as u:
        return int(u.session.execute(text("SELECT id FROM agency WHERE practice_id = :p"), {"p": p}).scalar_one())


def returns_file(engine, p: int, path: Path) -> int:
    with SqlUnitOfWork(engine) as u:
        lines = [r[0] for r in u.session.execute(text(
            "SELECT l.source_id FROM external_placement x JOIN service_line l ON l.id = x.line_id "
            "WHERE x.practice_id = :p ORDER BY x.id"), {"p": p})]
    with open(path, "w", newline="") as fh:
        envelope.write(fh, envelope.Header("BENCH", "AG", 1, "returns", AS_OF),
                       ["record", "line", "placement", "date", "amount", "fee", "reference"],
                       ((["payment", line, "", AS_OF.isoformat(), "1.00", "0.00", ""], 100) for line in lines))
    return len(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--placements", type=int, default=100_000)
    ap.add_argument("--db", default=None, help="database URL (default: a new SQLite file); it is changed")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="recoup-bench-exchange-"))
    engine = make_engine(args.db or f"sqlite:///{tmp / 'bench.db'}")
    schema.upgrade(engine)
    p = generate(engine, args.placements // 2)
    n = place_all(engine, p)
    with SqlUnitOfWork(engine) as u:
        u.session.execute(text("ANALYZE"))
        u.commit()
    print(f"{engine.dialect.name}: {n:,} placements filed with AG")
    floor = csv_floor(engine, p, tmp / "floor.csv")
    before = rss_mb()
    made: list[dict] = []
    with SqlUnitOfWork(engine) as u:
        t = timed(lambda: made.append(outgoing.write(u, BOSS, p, "AG", "new", AS_OF, tmp / "out", batch=1,
                                                     confirmed=True)))
    print(f"write new file ({made[0]['rows']:,} rows, CSV + xlsx): {t} vs csv module {floor} "
          f"= {t.ratio(floor, engine)} (goal <= 3x); peak memory +{rss_mb() - before:.0f} MB")
    path = tmp / "returns.csv"
    returns_file(engine, p, path)

    def read_only() -> None:
        with open(path, newline="") as fh:
            for _ in csv.reader(fh):
                pass
    read = timed(read_only)
    update = bare(engine, "UPDATE service_line SET collections_cents = collections_cents - 100 "
                          "WHERE practice_id = :p AND responsibility = 'guarantor'", {"p": p})
    print(f"  floor: csv read {read} + bare UPDATE {update}")
    before = rss_mb()
    with SqlUnitOfWork(engine) as u:
        t = timed(lambda: external.import_returns(u, BOSS, p, "AG", path, AS_OF, confirmed=True))
    both = type(read)(read.wall + update.wall, read.cpu + update.cpu)
    print(f"import returns ({n:,} payments): {t} vs csv read + bare UPDATE {both} = {t.ratio(both, engine)} "
          f"(goal <= 3x); peak memory +{rss_mb() - before:.0f} MB")


if __name__ == "__main__":
    main()
