"""Benchmark: print 10,000 collection letters into one PDF, against fpdf2 in the same run.

Three measurements, each in a fresh subprocess so its peak memory (max RSS) is its own:
- floor: fpdf2 writing the same number of plain pages (each page the letter's lines of text at
  fixed places, no wrapping, no layout) into one PDF;
- letters: Recoup's letters (compose + layout + the streaming writer, core.roster.letter_pdf);
- print run: `print_letters` end to end on a SQLite file holding that many waiting letters (the
  outcome SQL, the marking, the tally, reading the rows back in pages, the PDF).
Memory is measured at N and N/10 letters too: streamed, it should stay flat in the number of
letters (fpdf2 keeps every page until it writes the file).

Run: python -m bench.letters [N]   (default 10000)
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

AS_OF = dt.date(2026, 11, 23)


def _row(i: int) -> Any:
    """A queued letter as QUEUE_SQL returns it."""
    return SimpleNamespace(
        id=i, practice="P1", practice_name="Maple Grove Family Medicine", p_address1="1200 Maple Grove Parkway",
        p_address2="Suite 210", p_city="Springfield", p_state="IL", p_zip="62704", p_phone="(217) 555-0142",
        remit_to="Billing Office | PO Box 4410 | Springfield, IL 62708", letter_due_days=30,
        guarantor=f"G{i:07d}", name=f"Person{i}, Carol C", g_address1=f"{i} Main St", g_address2=None,
        g_city="Peoria", g_state="IL", g_zip="61602", birth_date=None, date_of_death=None,
        responsible_party_name=None, responsible_party_address=None, ar_cents=10000 + i, escrow_cents=0,
        status="2", status_description="Seriously Past Due", letter="Second Notice", queued=AS_OF, printed=None,
        superseded=None, printed_by=None, body=None, plan_cents=None, plan_every=None, plan_start=None)


def _letters(n: int) -> Any:
    from core.roster.admin import DEFAULT_LETTERS
    from core.roster.letter_content import compose
    return (compose(_row(i), AS_OF, DEFAULT_LETTERS["Second Notice"]) for i in range(n))


def run_ours(n: int, out: Path) -> dict[str, Any]:
    from core.roster.letter_pdf import letter_pages, write_letters
    for letter in _letters(1):  # imports and font metrics loaded before the clock starts, as in fpdf2's case
        letter_pages(letter)
    start = time.perf_counter()
    with out.open("wb") as fh:
        count, pages, _digest = write_letters(fh, _letters(n), "bench")
    return {"seconds": time.perf_counter() - start, "pages": pages, "letters": count}


def run_fpdf2(n: int, out: Path) -> dict[str, Any]:
    """fpdf2, plain pages: the same lines of text per page, placed without any layout."""
    from fpdf import FPDF

    from core.pdf import latin1
    from core.roster.letter_pdf import letter_pages
    texts = []
    for letter in _letters(1):  # the text of one letter's page, as lines
        texts = [op.split("(", 1)[1].rsplit(")", 1)[0] for op in letter_pages(letter)[0].ops if " Tj " in op]
    start = time.perf_counter()
    pdf = FPDF(format="Letter", unit="pt")
    pdf.set_font("Helvetica", size=10)
    for i in range(n):
        pdf.add_page()
        for j, line in enumerate(texts):
            pdf.text(54, 60 + 14 * j, latin1(line.replace("G0000000", f"G{i:07d}")))
    pdf.output(str(out))
    return {"seconds": time.perf_counter() - start, "pages": n}


def run_print(n: int, folder: Path) -> dict[str, Any]:
    """print_letters on a SQLite file with n waiting letters (one per guarantor)."""
    from core import security
    from core.roster import letters as letters_mod
    from core.roster.admin import ensure_defaults
    from core.roster.letter_pdf import letter_pages
    from core.sql import execute
    from db import schema
    from db.engine import make_engine
    from db.uow import SqlUnitOfWork
    for letter in _letters(1):  # the same warm-up as run_ours
        letter_pages(letter)
    engine = make_engine(f"sqlite:///{folder / 'bench.db'}")
    schema.upgrade(engine)
    with SqlUnitOfWork(engine, write=True) as u:
        admin = security.bootstrap_admin(u, "bench")
        execute(u, """INSERT INTO practice (source_id, name, employer_collections, precollections_on, external_on,
                      roster_on, aging_basis, write_off_code, wait_for_insurance, letter_due_days, address1, city,
                      state, zip, phone, version)
                      VALUES ('P1', 'Maple Grove Family Medicine', FALSE, TRUE, TRUE, TRUE, 'patient', 'WO', TRUE,
                              30, '1200 Maple Grove Parkway', 'Springfield', 'IL', '62704', '(217) 555-0142', 1)""")
        pid = int(execute(u, "SELECT id FROM practice").scalar_one())
        ensure_defaults(u, pid)
        u.commit()
    with SqlUnitOfWork(engine, write=True) as u:
        rows = [{"p": pid, "s": f"G{i:07d}", "n": f"Person{i}, Carol C", "a": f"{i} Main St", "c": 10000 + i}
                for i in range(n)]
        u.session.execute(_insert_guarantor(), rows)
        execute(u, """INSERT INTO roster_account (practice_id, guarantor_id, active, status_code, status_since, episode,
                      entered_date, past_due_cents, turned_over, version)
                      SELECT practice_id, id, TRUE, '2', :d, 1, :d, ar_cents, FALSE, 1 FROM guarantor""", d=AS_OF)
        execute(u, """INSERT INTO letter_queue (practice_id, guarantor_id, status_code, template, episode, queued_date)
                      SELECT practice_id, id, '2', 'Second Notice', 1, :d FROM guarantor""", d=AS_OF)
        u.commit()
    start = time.perf_counter()
    with SqlUnitOfWork(engine, write=True) as u:
        out = letters_mod.print_letters(u, admin, AS_OF, out_dir=folder / "out")
    seconds = time.perf_counter() - start
    engine.dispose()
    return {"seconds": seconds, "pages": out["pages"], "letters": out["printed"]}


def _insert_guarantor() -> Any:
    from sqlalchemy import text
    return text("""INSERT INTO guarantor (practice_id, source_id, kind, name, address1, city, state, zip,
                   returned_mail, dunning_level, version, ar_cents, ins_ar_cents, collections_cents, escrow_cents)
                   VALUES (:p, :s, 'patient', :n, :a, 'Peoria', 'IL', '61602', FALSE, 0, 1, :c, 0, 0, 0)""")


def child(kind: str, n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        result = {"ours": lambda: run_ours(n, folder / "o.pdf"), "fpdf2": lambda: run_fpdf2(n, folder / "f.pdf"),
                  "print": lambda: run_print(n, folder)}[kind]()
        files = list(folder.rglob("*.pdf"))
        result["bytes"] = files[0].stat().st_size if files else 0
    result["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(kind: str, n: int) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "bench.letters", "--child", kind, str(n)], check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]))
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    rows = []
    for kind in ("fpdf2", "ours", "print"):
        for size in (n // 10, n):
            r = measure(kind, size)
            rows.append((kind, size, r))
            print(f"{kind:6} {size:>6} letters: {r['seconds']:6.2f} s, peak {r['peak_mib']:6.1f} MiB, "
                  f"{r['pages']} pages, {r['bytes'] / 1e6:.1f} MB", flush=True)
    big = {kind: r for kind, size, r in rows if size == n}
    small = {kind: r for kind, size, r in rows if size == n // 10}
    floor = big["fpdf2"]["seconds"]
    print(f"time vs fpdf2 plain pages (floor), {n} letters: letters {big['ours']['seconds'] / floor:.2f}x,"
          f" print run {big['print']['seconds'] / floor:.2f}x (goal <= 2x) "
          f"{'✔' if max(big['ours']['seconds'], big['print']['seconds']) <= 2 * floor else '✘'}")
    for kind in ("fpdf2", "ours", "print"):
        print(f"memory {kind}: {small[kind]['peak_mib']:.1f} MiB at {n // 10} -> {big[kind]['peak_mib']:.1f} MiB "
              f"at {n} letters")


if __name__ == "__main__":
    main()
