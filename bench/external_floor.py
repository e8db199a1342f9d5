"""The like-for-like floor of the nightly external run: the rows it writes, written bare.

Issue 20: a floor must do the same work as the product, no more and no less. An UPDATE of every
line over the lowest thresholds (the old `--large` floor) touched 26 times the lines the run
places; one UPDATE of exactly the placed lines leaves out the placement, history, ledger and
cache rows the run must write. So the floor here is what the run wrote, step by step, as the
plainest SQL that writes it:

  * select   an INSERT of each placement (an upsert: a denied or released line is placed again)
             and its history row
  * post     a transfer per line (A/R -> collections), the line, encounter and guarantor caches,
             the placement's new state and its history row
  * file     the placement's new state and batch, its history row, and the agency's file written
             with the csv module or xlsxwriter directly (the same rows and columns)
  * release, reassign: the placement's new state or agency and its history row

Which lines each step moved comes from a rehearsal of the run (the preview's unit of work, rolled
back), so the floor and the run start from the same database and move the same lines. The floor
runs in one transaction that is rolled back.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from bench.precollections import Clock, timed
from core import external
from core.external.states import enter
from core.models.agencies import ExternalRun
from core.security import Actor
from db.uow import SqlUnitOfWork

STEPS = ("release", "select", "post", "file", "reassign")
OPS = {"release": "release", "post": "approve", "file": "file", "reassign": "reassign"}  # history step -> move
TRACE = bool(os.environ.get("RECOUP_BENCH_TRACE"))
MOVED = "CREATE TEMP TABLE bench_moved (step VARCHAR(20), line_id BIGINT, agency_id BIGINT, batch_no INTEGER)"


def rehearse(engine: Engine, actor: Actor, practice_id: int, as_of: dt.date, tmp: Path) -> list[tuple[Any, ...]]:
    """The lines each step of tonight's run moves, with their agency and batch: the run itself on
    a unit of work that rolls back (its files go to a folder that is removed)."""
    out = tmp / "rehearsal"
    out.mkdir(exist_ok=True)
    try:
        with SqlUnitOfWork(engine, rehearsal=True) as u:
            run = external.run(u, actor, practice_id, as_of, out)
            return list(u.session.execute(text(
                "SELECT h.step, x.line_id, h.agency_id, x.batch_no FROM external_history h "
                "JOIN external_placement x ON x.id = h.placement_id WHERE h.run_id = :r"), {"r": run.run_id}).all())
    finally:
        shutil.rmtree(out, ignore_errors=True)


def _moved(step: str) -> str:
    return f"SELECT line_id FROM bench_moved WHERE step = '{step}'"


def _history(step: str) -> str:
    return f"""INSERT INTO external_history (practice_id, placement_id, run_id, step, from_state, to_state,
            from_agency_id, agency_id, amount_cents, business_date, at, operator)
        SELECT x.practice_id, x.id, :run, '{step}', x.prev_state, x.state, x.prev_agency_id, x.agency_id,
               l.ar_cents + l.collections_cents, :d, :at, 'bench'
        FROM external_placement x JOIN service_line l ON l.id = x.line_id
        WHERE x.line_id IN ({_moved(step)})"""


def _move(step: str, sets: str = "") -> list[str]:
    extra = f", {sets}" if sets else ""
    return [f"""UPDATE external_placement SET prev_state = state, prev_agency_id = agency_id, {enter(OPS[step])},
                 last_run_id = :run, last_step = '{step}', version = version + 1{extra}
             WHERE line_id IN ({_moved(step)})""", _history(step)]


SELECT = ["""INSERT INTO external_placement (practice_id, line_id, encounter_id, guarantor_id, state, active,
            agency_id, reason, returned_mail, selected_date, state_date, last_run_id, last_step, version)
        SELECT l.practice_id, l.id, l.encounter_id, l.guarantor_id, 'pending', TRUE, m.agency_id, 'rule', FALSE,
               :d, :d, :run, 'select', 1
        FROM bench_moved m JOIN service_line l ON l.id = m.line_id WHERE m.step = 'select'
        ON CONFLICT (line_id) DO UPDATE SET prev_state = external_placement.state, state = 'pending',
            agency_id = excluded.agency_id, selected_date = excluded.selected_date,
            state_date = excluded.state_date, last_run_id = excluded.last_run_id, last_step = 'select',
            version = external_placement.version + 1""", _history("select")]
POST = [
    f"""INSERT INTO ledger_txn (practice_id, journal_id, guarantor_id, line_id, date, kind, source, bucket_from,
            bucket_to, amount_cents, memo)
        SELECT l.practice_id, (SELECT MIN(id) FROM journal), l.guarantor_id, l.id, :d, 'transfer', 'system', 'ar',
               'collections', l.ar_cents, 'bench'
        FROM service_line l WHERE l.id IN ({_moved('post')}) AND l.ar_cents <> 0""",
    f"""UPDATE service_line SET collections_cents = collections_cents + ar_cents, ar_cents = 0
        WHERE id IN ({_moved('post')})""",
    f"""UPDATE encounter SET collections_cents = collections_cents + ar_cents, ar_cents = 0
        WHERE id IN (SELECT encounter_id FROM service_line WHERE id IN ({_moved('post')}))""",
    f"""UPDATE guarantor SET collections_cents = collections_cents + ar_cents, ar_cents = 0
        WHERE id IN (SELECT guarantor_id FROM service_line WHERE id IN ({_moved('post')}))""",
    *_move("post", "posted_date = :d"),
]
REASSIGN = _move("reassign", "agency_id = (SELECT m.agency_id FROM bench_moved m WHERE m.step = 'reassign' "
                             "AND m.line_id = external_placement.line_id)")
FILE_ROWS = """SELECT l.source_id, g.source_id, g.name, g.address1, g.city, g.state, g.zip,
        e.source_id, l.dos, l.procedure_code, l.collections_cents, a.source_id
    FROM bench_moved m JOIN service_line l ON l.id = m.line_id JOIN encounter e ON e.id = l.encounter_id
    JOIN guarantor g ON g.id = l.guarantor_id JOIN agency a ON a.id = m.agency_id
    WHERE m.step = 'file' AND m.agency_id = :ag ORDER BY l.id"""


def _write(rows: list[Any], path: Path, fmt: str) -> None:
    if fmt == "xlsx":
        import xlsxwriter
        book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        sheet = book.add_worksheet()
        for r, row in enumerate(rows):
            sheet.write_row(r, 0, [str(v) if isinstance(v, dt.date) else v for v in row])
        book.close()
    else:
        with path.open("w", newline="") as f:
            csv.writer(f).writerows(rows)


def floor(engine: Engine, moved: list[tuple[Any, ...]], as_of: dt.date, tmp: Path) -> Clock:
    """The run's writes for exactly these moves, bare, in one transaction rolled back."""
    out = tmp / "floor-files"
    out.mkdir(exist_ok=True)
    with SqlUnitOfWork(engine) as u:
        s = u.session
        s.execute(text(MOVED))
        if moved:  # (an empty list would be one row of no parameters)
            s.execute(text("INSERT INTO bench_moved VALUES (:s, :l, :a, :b)"),
                      [{"s": m[0], "l": m[1], "a": m[2], "b": m[3]} for m in moved])
        s.execute(text("CREATE INDEX bench_moved_step ON bench_moved (step, line_id)"))
        practice_id = s.execute(text("SELECT practice_id FROM service_line WHERE id = :l"),
                                {"l": moved[0][1]}).scalar_one() if moved else None
        run = ExternalRun(practice_id=practice_id or 0, kind="nightly", operator="bench", business_date=as_of,
                          started_at=dt.datetime.now(dt.UTC))
        s.add(run)
        s.flush()
        run_id = run.id
        params = {"d": as_of, "at": dt.datetime.now(dt.UTC), "run": run_id}
        agencies = s.execute(text("SELECT DISTINCT m.agency_id, a.file_format FROM bench_moved m "
                                  "JOIN agency a ON a.id = m.agency_id WHERE m.step = 'file'")).all()

        def work() -> None:
            present = {m[0] for m in moved}
            for step in STEPS:
                if step not in present:
                    continue
                statements = {"select": SELECT, "post": POST, "reassign": REASSIGN}.get(step) or _move(step)
                for sql in statements:
                    c = timed(lambda: s.execute(text(sql), params))  # noqa: B023 (called at once)
                    if TRACE:
                        print(f"      {c}  {' '.join(sql.split())[:90]}")
                if step == "file":
                    for agency_id, fmt in agencies:
                        c = timed(lambda: _write(list(s.execute(text(FILE_ROWS), {"ag": agency_id}).all()),  # noqa: B023
                                                 out / f"floor-{agency_id}.{fmt}", fmt))  # noqa: B023
                        if TRACE:
                            print(f"      {c}  the {fmt} file of agency {agency_id}")
        clock = timed(work)
        s.execute(text("DROP TABLE bench_moved"))
    shutil.rmtree(out, ignore_errors=True)
    return clock
