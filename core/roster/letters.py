"""Print Collection Letters: the queue, one letter per guarantor per run, streamed to one PDF.

A print run looks at every letter waiting (queued, not printed, not superseded) and decides each
one in one set-based statement per practice:
- superseded: the account has left the status the letter was queued for (it moved on, left the
  roster or was turned over). Only the letter of the status the account is in now can be
  current, so a run prints at most one letter per guarantor (SPEC 15, 18.2). Superseded letters
  are marked, never printed, and counted.
- excluded (left waiting, counted by reason): a hold on the whole account; a protected guarantor
  (a minor with no responsible party, deceased with no estate representative, bankruptcy, as
  SPEC 14 defines them in core.protections); no mailing address; returned mail.
- printed: everything else. The rows are marked first (with the run's file), then read back in
  pages and streamed into the PDF, so what is marked is exactly what is printed, and memory
  stays flat however many letters there are. Each page of rows reads the itemizations of its
  accounts' placed debts in one go (core.itemization.by_guarantor) for the letters to print.
The same run prints the financial-assistance "missing information" letters (core.roster.fap_letter:
one per application, never held back by a hold, superseded once the application is complete or
decided), after the collection letters, in the same file and the same tally.
Letters are merged at print time (the balance on a letter is the balance on the day it prints).
A practice whose profile lacks an address or phone gets a validation warning before its letters
print without them (Save & Continue / --yes).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from core import audit, eligibility, itemization
from core.eligibility import Rules
from core.errors import BadInput, NeedsConfirmation, Summary, SummaryLine
from core.exchange import names
from core.models.ledger import Practice
from core.models.roster import RosterFile
from core.money import format_plain
from core.practices import all_practices
from core.private_files import private_folder, record_file
from core.protections import AGENCY_ONLY, PROTECTIONS, protected_sql
from core.roster import fap_letter
from core.roster.admin import DEFAULT_LETTERS
from core.roster.letter_content import compose
from core.roster.letter_pdf import write_letters
from core.runs import latest_business_date, refuse_earlier
from core.security import Actor, require
from core.sql import as_date, execute, q
from core.tallies import Counter
from core.uow import UnitOfWork

STREAM_ROWS = 500
FALLBACK_BODY = ("Dear {guarantor_name},\n\nYour balance with {practice_name} is {balance}.\n\n"
                 "Sincerely,\n{practice_name} Billing Office")
WAITING = "q.printed_date IS NULL AND q.superseded_date IS NULL"
REASONS = {"superseded": "the account has moved on from the letter's status",
           "hold": "a hold on the whole account",
           **{f"protected:{k}": v for k, v in (("minor", "a minor with no responsible party on file"),
                                               ("deceased", "deceased, with no estate representative on file"),
                                               ("bankruptcy", "in bankruptcy"))},
           "no_address": "no mailing address on file",
           "returned_mail": "mail to the address on file came back"}

QUEUE_SQL = """
    SELECT q.id, q.guarantor_id, p.source_id AS practice, p.name AS practice_name, p.address1 AS p_address1,
           p.address2 AS p_address2, p.city AS p_city, p.state AS p_state, p.zip AS p_zip, p.phone AS p_phone,
           p.remit_to, p.letter_due_days, g.source_id AS guarantor, g.name, g.address1 AS g_address1,
           g.address2 AS g_address2, g.city AS g_city, g.state AS g_state, g.zip AS g_zip, g.birth_date,
           g.date_of_death, g.responsible_party_name, g.responsible_party_address, g.ar_cents, g.escrow_cents,
           q.status_code AS status, cs.description AS status_description, q.template AS letter,
           q.queued_date AS queued, q.printed_date AS printed, q.superseded_date AS superseded, q.printed_by,
           t.body, pp.amount_cents AS plan_cents, pp.every_days AS plan_every, pp.start_date AS plan_start
    FROM letter_queue q JOIN guarantor g ON g.id = q.guarantor_id JOIN practice p ON p.id = q.practice_id
    LEFT JOIN collection_status cs ON cs.practice_id = q.practice_id AND cs.code = q.status_code
    LEFT JOIN letter_template t ON t.practice_id = q.practice_id AND t.name = q.template
    LEFT JOIN payment_plan pp ON pp.guarantor_id = q.guarantor_id AND pp.active = TRUE"""


def _where(practice_id: int | None, printed: bool | None) -> str:
    conds = ["1 = 1"]
    if practice_id is not None:
        conds.append("q.practice_id = :p")
    if printed is True:
        conds.append("q.printed_date IS NOT NULL")
    elif printed is False:
        conds.append(WAITING)
    return " AND ".join(conds)


def list_queue(uow: UnitOfWork, actor: Actor, practice_id: int | None = None,
               printed: bool | None = None, limit: int = 10_000) -> list[dict[str, Any]]:
    """`recoup letters list`: guarantor, status, letter, queued, printed (and superseded).
    printed=False lists the letters still waiting. Ordered by day, practice and guarantor, not by id:
    one populate queues its letters in a single INSERT … SELECT whose id order the database chooses."""
    require(actor, "viewer", "see the letter queue")
    order = "ORDER BY {0}.queued_date, p.source_id, g.source_id, {0}.id LIMIT :limit"
    rows = execute(uow, f"{QUEUE_SQL} WHERE {_where(practice_id, printed)} {order.format('q')}",
                   p=practice_id, limit=limit).all()
    fap_where = _where(practice_id, printed).replace("q.", "fl.")
    info = execute(uow, f"{fap_letter.LETTER_SQL} WHERE {fap_where} {order.format('fl')}",
                   p=practice_id, limit=limit).all()
    return [*({"practice": r.practice, "guarantor": r.guarantor, "name": r.name, "status": r.status,
               "letter": r.letter, "queued": as_date(r.queued), "printed": as_date(r.printed),
               "superseded": as_date(r.superseded)} for r in rows),
            *({"practice": r.practice, "guarantor": r.guarantor, "name": r.name, "status": fap_letter.STATUS,
               "letter": fap_letter.TITLE, "application": int(r.application), "queued": as_date(r.queued),
               "printed": as_date(r.printed), "superseded": as_date(r.superseded)} for r in info)]


def render(row: Any, as_of: dt.date) -> str:
    """One letter's merged text (the template part), as printed on `as_of`."""
    return compose(row, as_of, DEFAULT_LETTERS.get(row.letter) or FALLBACK_BODY).body


# --------------------------------------------------------------------------------- the print run

def outcome_sql(rules: Rules) -> str:
    """SQL (over letter_queue q, guarantor g) naming what the run does with a waiting letter:
    'print', 'superseded' or an exclusion reason (params: rules.params(), :as_of)."""
    current = """EXISTS (SELECT 1 FROM roster_account ra WHERE ra.guarantor_id = q.guarantor_id
                 AND ra.active = TRUE AND ra.turned_over = FALSE AND ra.episode = q.episode
                 AND ra.status_code = q.status_code)"""
    protected = protected_sql(rules.income, "g")
    cases = [f"WHEN NOT {current} THEN 'superseded'"]
    if rules.any_holds:
        cases.append(f"WHEN {eligibility.account_on_hold('q.guarantor_id')} THEN 'hold'")
    cases += [f"WHEN {protected[k]} THEN 'protected:{k}'" for k in PROTECTIONS if k not in AGENCY_ONLY]
    cases += ["""WHEN COALESCE(g.address1, '') = '' AND COALESCE(g.responsible_party_address, '') = ''
                 THEN 'no_address'""", "WHEN g.returned_mail = TRUE THEN 'returned_mail'"]
    return f"CASE {' '.join(cases)} ELSE 'print' END"


def _last(uow: UnitOfWork) -> tuple[int, int]:
    """The last letter waiting when a run starts, of each queue (collection letters, then the
    financial-assistance letters): a letter queued while printing waits for the next run."""
    return (int(execute(uow, "SELECT COALESCE(MAX(id), 0) FROM letter_queue").scalar_one()),
            int(execute(uow, "SELECT COALESCE(MAX(id), 0) FROM fap_letter").scalar_one()))


def _decide(uow: UnitOfWork, rules: Rules, as_of: dt.date, actor: str, last: tuple[int, int], *,
            mark: bool = False, file_id: int | None = None) -> dict[str, tuple[int, int]]:
    """One practice's waiting letters (up to the ids in `last`) counted by outcome. With `mark`,
    the run is recorded: its tally (core.tallies: superseded and excluded letters' accounts by
    reason, printed ones by letter), the superseded letters marked, and with a `file_id` the
    printable ones marked printed into it (a financial-assistance letter with its reply date)."""
    params = dict(rules.params(), p=rules.practice_id, as_of=as_of, last=last[0], last_fap=last[1], op=actor,
                  f=file_id, reply_by=fap_letter.reply_by(as_of))
    decided = f"""SELECT q.id, q.guarantor_id, q.template, {outcome_sql(rules)} AS outcome,
                         g.ar_cents - g.escrow_cents AS cents, 'roster' AS src
                  FROM letter_queue q JOIN guarantor g ON g.id = q.guarantor_id
                  WHERE q.practice_id = :p AND q.id <= :last AND {WAITING}
                  UNION ALL {fap_letter.decided_sql()}"""
    rows = execute(uow, f"""SELECT d.outcome, d.template, COUNT(*), SUM(d.cents) FROM ({decided}) d
                        GROUP BY d.outcome, d.template""", **params).all()
    tally = _merge([{str(o): (int(n), int(c or 0))} for o, _t, n, c in rows])
    if not mark or not tally:
        return tally
    _record_tally(uow, rules, as_of, actor, decided, params, [(str(t), int(n), int(c or 0))
                                                              for o, t, n, c in rows if o == "print"])
    for table, src in (("letter_queue", "roster"), ("fap_letter", "fap")):
        execute(uow, f"""UPDATE {table} SET superseded_date = :as_of WHERE id IN (
                     SELECT d.id FROM ({decided}) d WHERE d.outcome = 'superseded' AND d.src = '{src}')""", **params)
    if file_id is not None:
        execute(uow, f"""UPDATE letter_queue SET printed_date = :as_of, printed_by = :op, file_id = :f WHERE id IN (
                     SELECT d.id FROM ({decided}) d WHERE d.outcome = 'print' AND d.src = 'roster')""", **params)
        execute(uow, f"""UPDATE fap_letter SET printed_date = :as_of, printed_by = :op, file_id = :f,
                     respond_by = :reply_by, version = version + 1 WHERE id IN (
                     SELECT d.id FROM ({decided}) d WHERE d.outcome = 'print' AND d.src = 'fap')""", **params)
    return tally


def _record_tally(uow: UnitOfWork, rules: Rules, as_of: dt.date, actor: str, decided: str,
                  params: dict[str, Any], printed: list[tuple[str, int, int]]) -> None:
    """The practice's letters_print tally: every letter not printed under its reason (superseded
    first), one account row each, and the printed letters by letter name."""
    counter = Counter(uow, "letters_print", rules.practice_id, as_of, actor)
    candidates = f"""SELECT d.guarantor_id, CAST(NULL AS BIGINT) AS encounter_id, d.cents, d.outcome
                     FROM ({decided}) d"""
    counter.exclude(candidates, params, [(code, f"c.outcome = '{code}'") for code in REASONS])
    for letter, n, cents in printed:
        counter.took(letter, n, cents)
    counter.finish()


def _printed(uow: UnitOfWork, file_id: int, as_of: dt.date) -> Iterator[Any]:
    """The letters marked into the file, composed one page of rows at a time: the collection
    letters (each page's itemizations read in one go), then the financial-assistance letters."""
    sql = f"{QUEUE_SQL} WHERE q.file_id = :f ORDER BY p.source_id, g.source_id, q.id"
    result = uow.session.execute(q(sql, {"f": file_id}).execution_options(yield_per=STREAM_ROWS))
    for rows in result.partitions(STREAM_ROWS):
        items = itemization.by_guarantor(uow, [int(r.guarantor_id) for r in rows], as_of)
        for row in rows:
            owed = tuple(i for i in items.get(int(row.guarantor_id), ()) if i.current)
            yield compose(row, as_of, DEFAULT_LETTERS.get(row.letter) or FALLBACK_BODY, owed)
    sql = f"{fap_letter.LETTER_SQL} WHERE fl.file_id = :f ORDER BY p.source_id, g.source_id, fl.id"
    for row in uow.session.execute(q(sql, {"f": file_id}).execution_options(yield_per=STREAM_ROWS)):
        yield fap_letter.compose(row, as_of)


def latest_printed(uow: UnitOfWork, practice_id: int | None) -> dt.date | None:
    """The business date of the latest print run of the practice (of every practice when
    printing for all: such a run prints each practice's letters)."""
    done = "COALESCE(printed_date, superseded_date)"
    where, params = f"{done} IS NOT NULL", {}
    if practice_id is not None:
        where, params = f"practice_id = :p AND {where}", {"p": practice_id}
    found = [latest_business_date(uow, table, where, params, column=done) for table in ("letter_queue", "fap_letter")]
    return max((d for d in found if d is not None), default=None)


def summary(tally: dict[str, tuple[int, int]], path: Path | None, sha256: str | None,
            pages: int = 0, runs: list[int] | None = None) -> dict[str, Any]:
    """The run's tally: considered, printed, superseded and excluded by reason (count, dollars)."""
    printed = tally.get("print", (0, 0))
    superseded = tally.get("superseded", (0, 0))
    excluded: dict[str, dict[str, Any]] = {k: {"count": n, "dollars": format_plain(c), "why": REASONS.get(k, k)}
                for k, (n, c) in sorted(tally.items()) if k not in ("print", "superseded")}
    considered = sum(n for n, _ in tally.values())
    if not considered:
        message = "No letters are waiting to be printed."
    else:
        parts = [f"{printed[0]} printed", f"{superseded[0]} superseded",
                 f"{sum(n for k, (n, _) in tally.items() if k in excluded)} excluded"]
        message = f"{considered} letter(s) considered: " + ", ".join(parts) + "."
    return {"letters": printed[0], "assistance_letters": 0, "file": str(path) if path else None, "sha256": sha256,
            "pages": pages,
            "considered": considered, "printed": printed[0], "printed_dollars": format_plain(printed[1]),
            "superseded": superseded[0], "excluded": excluded, "runs": runs or [], "notes": [], "message": message}


def profile_missing(p: Practice) -> list[str]:
    """What a practice's profile lacks of what every letter carries: its address, its phone."""
    return [what for what, ok in (("address", p.address1 and p.city and p.zip), ("phone", p.phone)) if not ok]


def _gaps(practices: list[Practice], tallies: list[dict[str, tuple[int, int]]]) -> list[tuple[Practice, list[str],
                                                                                                 int, int]]:
    """(practice, what its profile lacks, letters, cents) for each practice with letters to print
    and a gap in its profile."""
    out = []
    for p, tally in zip(practices, tallies, strict=True):
        n, cents = tally.get("print", (0, 0))
        if n and (missing := profile_missing(p)):
            out.append((p, missing, n, cents))
    return out


def _gap_words(p: Practice, missing: list[str]) -> str:
    return f"Practice {p.source_id} has no {' and no '.join(missing)} in its practice profile"


def _with_gaps(result: dict[str, Any], gaps: list[tuple[Practice, list[str], int, int]], done: bool) -> dict[str, Any]:
    """The gaps as notes on a preview (what F2 will warn about) or on a run that printed past the warning."""
    verb = "printed" if done else "would print"
    notes = [f"{_gap_words(p, missing)}: {n:,} letter(s) {verb} without "
             f"{'it' if len(missing) == 1 else 'them'}." for p, missing, n, _c in gaps]
    result["notes"] = notes
    if notes:
        result["message"] = " ".join([result["message"], *notes])
    return result


def _confirm_profile(gaps: list[tuple[Practice, list[str], int, int]], confirmed: bool) -> None:
    """The validation warning before letters print without the practice's address or phone."""
    if not gaps or confirmed:
        return
    lines = [SummaryLine(n, cents, f"will print without the practice's {' and '.join(missing)} "
                                   f"(practice {p.source_id})", noun="letter")
             for p, missing, n, cents in gaps]
    notes = [f"{_gap_words(p, missing)}: a patient could not write back or call about the letter."
             for p, missing, _n, _c in gaps]
    notes.append("An admin fills it in under Admin > Practice Profile (or `recoup practice profile`); "
                 "or go ahead and print without it.")
    raise NeedsConfirmation(Summary("Print collection letters without the practice's address or phone", lines,
                                    notes))


def preview(uow: UnitOfWork, actor: Actor, as_of: dt.date, practice_id: int | None = None) -> dict[str, Any]:
    """What a print run on `as_of` would do, writing nothing: the same tally it would record."""
    require(actor, "viewer", "see the letter queue")
    last = _last(uow)
    practices = [p for p in all_practices(uow) if practice_id is None or p.id == practice_id]
    tallies = [_decide(uow, eligibility.rules_for(uow, p, as_of), as_of, actor.name, last) for p in practices]
    return _with_gaps(summary(_merge(tallies), None, None), _gaps(practices, tallies), done=False)


def print_letters(uow: UnitOfWork, actor: Actor, as_of: dt.date, out: Path | None = None,
                  out_dir: Path | None = None, practice_id: int | None = None,
                  confirmed: bool = False) -> dict[str, Any]:
    """Print the waiting letters (of one practice, or all) into one PDF, one per guarantor (and
    one per incomplete financial-assistance application).

    Nothing waiting is not an error: the summary says so and no file is written. Only letters up
    to the last one waiting when the run starts are decided, so a letter queued while printing
    waits for the next run. Letters of a practice with no address or phone in its profile print
    only past a validation warning (`confirmed`)."""
    require(actor, "collector", "print collection letters")
    uow.lock("letters.print")
    refuse_earlier("Print Collection Letters", as_of, latest_printed(uow, practice_id),
                   "this practice" if practice_id is not None else "any practice")
    last = _last(uow)
    practices = [p for p in all_practices(uow) if practice_id is None or p.id == practice_id]
    rules = [eligibility.rules_for(uow, p, as_of) for p in practices]
    tallies = [_decide(uow, r, as_of, actor.name, last) for r in rules]
    preview = _merge(tallies)
    if not preview:
        return summary({}, None, None)
    gaps = _gaps(practices, tallies)
    _confirm_profile(gaps, confirmed)
    if "print" not in preview:  # only superseded or excluded letters: mark, write no file
        before = _last_tally(uow)
        tally = _merge([_decide(uow, r, as_of, actor.name, last, mark=True) for r in rules])
        _audit(uow, actor, as_of, None, tally)
        runs = _runs_since(uow, before)
        uow.commit()
        return summary(tally, None, None, runs=runs)
    return _with_gaps(_print_run(uow, actor, as_of, rules, last, out, out_dir, practice_id), gaps, done=True)


def _print_run(uow: UnitOfWork, actor: Actor, as_of: dt.date, rules: list[Rules], last: tuple[int, int],
               out: Path | None, out_dir: Path | None, practice_id: int | None) -> dict[str, Any]:
    path, fd = _open_pdf(uow, as_of, out, out_dir)
    try:
        with os.fdopen(fd, "wb") as fh:
            row = record_file(uow, practice_id=practice_id, kind="letters", path=path, rows=0, total_cents=0,
                              sha256="", operator=actor.name, as_of=as_of)
            assert row.id is not None
            before = _last_tally(uow)
            tally = _merge([_decide(uow, r, as_of, actor.name, last, mark=True, file_id=row.id) for r in rules])
            runs = _runs_since(uow, before)
            count, pages, digest = write_letters(fh, _printed(uow, row.id, as_of), "Collection letters")
            assistance = int(execute(uow, "SELECT COUNT(*) FROM fap_letter WHERE file_id = :f",
                                     f=row.id).scalar_one())
        _finish(uow, row, count, tally, digest)
        _audit(uow, actor, as_of, row, tally, path, digest, assistance)
        uow.commit()
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return {**summary(tally, path, digest, pages, runs), "assistance_letters": assistance}


def _open_pdf(uow: UnitOfWork, as_of: dt.date, out: Path | None, out_dir: Path | None) -> tuple[Path, int]:
    """The new PDF, created owner-only: the operator's --out (refused if it exists), else a new
    name with the database identity in the letters folder (made on first use; never overwritten)."""
    if out is None:
        folder = private_folder(Path(out_dir or "."))
        return names.open_new(folder / f"{names.stamped(uow, f'letters-{as_of.isoformat()}')}.pdf")
    path = Path(out)
    if not path.parent.is_dir():
        raise BadInput(f"out: folder {path.parent} does not exist", field="out")
    try:
        return path, os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BadInput(f"out: {path} already exists; choose another name", field="out") from None


def _finish(uow: UnitOfWork, row: RosterFile, count: int, tally: dict[str, tuple[int, int]], digest: str) -> None:
    row.row_count, row.total_cents, row.sha256 = count, tally.get("print", (0, 0))[1], digest
    uow.session.add(row)
    uow.session.flush()


def _audit(uow: UnitOfWork, actor: Actor, as_of: dt.date, row: RosterFile | None,
           tally: dict[str, tuple[int, int]], path: Path | None = None, digest: str | None = None,
           assistance: int = 0) -> None:
    record = summary(tally, path, digest)
    audit.record(uow, actor.name, "letters.print", "letter_queue", [f"file:{row.id}" if row else "no file"], None,
                 {**{k: record[k] for k in ("considered", "printed", "superseded", "excluded", "file", "sha256")},
                  "assistance_letters": assistance}, business_date=as_of)


def _last_tally(uow: UnitOfWork) -> int:
    return int(execute(uow, "SELECT COALESCE(MAX(id), 0) FROM tally").scalar_one())


def _runs_since(uow: UnitOfWork, before: int) -> list[int]:
    """The tallies this run recorded (one per practice): `recoup runs show RUN` opens each."""
    return [int(i) for i in execute(uow, """SELECT id FROM tally WHERE id > :b AND kind = 'letters_print'
                                        ORDER BY id""", b=before).scalars()]


def _merge(tallies: list[dict[str, tuple[int, int]]]) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for tally in tallies:
        for k, (n, c) in tally.items():
            n0, c0 = out.get(k, (0, 0))
            out[k] = (n0 + n, c0 + c)
    return out
