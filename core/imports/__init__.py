"""Importing a practice management system's CSV export (SPEC section 11).

`import_folder` reads whichever of the six files a folder holds (practices.csv, guarantors.csv,
encounters.csv, service_lines.csv, transactions.csv, statements.csv), checks all of them, and
writes them in one transaction, or writes nothing at all.

Choices, and why:
- Importing moves money, so it needs the supervisor role.
- Strict files. UTF-8 (a BOM is fine), a header row, ISO dates (YYYY-MM-DD), amounts only through
  core.money.parse (so "12,50" is refused, not guessed), enumerations and lengths as the tables
  define them. A required column missing, an unknown column, a repeated column, or an unknown .csv
  file in the folder is an error: a misspelt optional column ("ajustment_code") would otherwise
  be dropped silently and its data lost. Header names ignore case and surrounding spaces; cells
  are trimmed; blank lines (and rows of empty cells left by spreadsheets) are skipped.
- An optional column the file does not have leaves existing rows' values as they are; an optional
  column that is present but blank clears the value (or sets its default: N, 0). The export is the
  truth for the columns it carries.
- service_lines.csv, transactions.csv and statements.csv may carry an optional practice_id column
  (an addition to the SPEC): it is needed only when the same encounter or guarantor id exists in
  two practices, which is otherwise reported as ambiguous.
- Every problem is reported as `file:line: reason` (line 1 is the header; lines are physical).
  Cell problems of all files are reported together first; references between files and to the
  database are checked once every cell reads, so one bad row never causes a cascade of false
  "unknown guarantor" messages. The first 100 problems are shown, then a count of the rest.
- Upsert by source id (per practice; practices by practice_id). Unchanged rows are not written, so
  importing a folder twice changes no row and posts no money. Encounters never change guarantor and
  lines never change encounter (their money is kept on those rows); such a row is an error.
- Money: see core.imports.postings (charges, charge corrections, payments, adjustments, and the
  reversal of a transaction that comes back changed). One journal of kind "import" per import.
- One audit entry per import: action "import", the file names as record ids, the counts after.
- A file whose bytes are those of its last import, while the imported tables are as that import
  left them, is not read again (core.imports.unchanged): importing an unchanged folder reads no
  row and writes nothing but its audit entry, which lists the files as unchanged.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core import audit
from core.errors import BadInput
from core.imports import resolve, snapshot, unchanged, write
from core.imports.columns import FILES, FileSpec
from core.imports.reader import ParsedFile, Problems, read_file
from core.imports.result import FileCounts, ImportResult, Money
from core.security import Actor, require
from core.uow import UnitOfWork

__all__ = ["FILES", "FileCounts", "ImportResult", "Money", "import_folder"]


def import_folder(uow: UnitOfWork, actor: Actor, folder: Path, as_of: dt.date) -> ImportResult:
    """Import the CSV files in `folder`; BadInput with every problem when any row is bad."""
    require(actor, "supervisor", "import files")
    found = _files_in(Path(folder))
    uow.lock("import")
    sums = {spec.name: unchanged.checksum(path) for spec, path in found}
    mark = unchanged.audit_mark(uow)
    skipped = unchanged.skippable(sums, unchanged.recorded(uow), unchanged.state(uow, mark))
    to_read = [(spec, path) for spec, path in found if spec.name not in skipped]
    result = ImportResult()
    if to_read:
        with _collector_paused():
            result = _check_and_write(uow, actor, to_read, as_of)
    result.files.update({name: FileCounts(unchanged=rows) for name, rows in skipped.items()})
    result.files = {spec.name: result.files[spec.name] for spec, _ in found}
    result.skipped = [spec.name for spec, _ in found if spec.name in skipped]
    if to_read:
        unchanged.record(uow, actor.name, as_of, {name: (sums[name], counts.rows)
                                                  for name, counts in result.files.items()}, unchanged.state(uow, mark))
    after = {"folder": str(folder), **result.as_dict()}
    if result.message:
        after["message"] = result.message
    audit.record(uow, actor.name, "import", "import", list(result.files), None, after, as_of)
    uow.commit()
    return result


def _check_and_write(uow: UnitOfWork, actor: Actor, found: list[tuple[FileSpec, Path]],
                     as_of: dt.date) -> ImportResult:
    """Read and check every file, then write; the rows are freed when this returns."""
    problems = Problems()
    parsed: dict[str, ParsedFile] = {spec.name: read_file(path, spec, problems, as_of) for spec, path in found}
    _stop_if(problems)
    snap = snapshot.load(uow, resolve.wanted(parsed))
    plan = resolve.plan(parsed, snap, problems)
    _stop_if(problems)
    del parsed
    return write.apply(uow, actor, plan, snap, as_of)


def _files_in(folder: Path) -> list[tuple[FileSpec, Path]]:
    """The import files present, in dependency order; any other .csv file is an error."""
    if not folder.is_dir():
        raise BadInput(f"{folder}: not a folder", field="dir")
    known = {spec.name: spec for spec in FILES}
    entries = [p for p in folder.iterdir() if p.suffix.lower() == ".csv"]
    not_files = sorted(p.name for p in entries if not p.is_file())
    if not_files:
        problems = [f"{n}: is a folder (or not a regular file), not an import file; move it away "
                    "and import again" for n in not_files]
        raise BadInput(problems[0], field="dir", problems=problems)
    names = sorted(p.name for p in entries)
    strangers = [n for n in names if n not in known]
    if strangers:
        problems = [f"{n}: not an import file (the files are: {', '.join(known)})" for n in strangers]
        raise BadInput(problems[0], field="dir", problems=problems)
    found = [(spec, folder / spec.name) for spec in FILES if spec.name in names]
    if not found:
        raise BadInput(f"{folder}: no import files here (expected one or more of: {', '.join(known)})",
                       field="dir")
    return found


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while the import builds its rows.

    A large import holds a few hundred thousand small dicts and tuples (none of them cyclic); the
    collector would re-scan them again and again (measured: about twice the import's time). They
    are freed by reference counting before the collector is back on.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _stop_if(problems: Problems) -> None:
    if problems:
        shown = problems.shown()
        raise BadInput(shown[0], problems=shown)
