"""Privacy (SPEC 8): agency files and letters are readable by their owner only, and no log record
the application writes carries a patient's name or date of birth.

The logs are captured at DEBUG from every logger (caplog) while the import, nightly (external run
and roster populate), Apply Action, turnover and letter printing run in-process. SQLAlchemy's own
engine echo is left out of the scan: it is a DBA's switch that prints SQL parameters verbatim,
off unless someone turns it on, and not a log the application writes.
"""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from db.engine import make_engine
from tests.import_files import write_folder
from tests.integrity.support import run_cli

DAY = "2026-11-23"


def _secrets(db: Path) -> set[str]:
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as c:
        rows = c.execute(text("SELECT name, birth_date FROM guarantor "
                              "UNION SELECT patient_name, NULL FROM encounter")).all()
    engine.dispose()
    found = set()
    for name, born in rows:
        if name and len(name) > 3:
            found.add(str(name))
        if born:
            found.add(str(born)[:10])
    return found


def test_files_are_owner_only_and_logs_carry_no_patient_data(demo_copy: Path, tmp_path: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    out = tmp_path / "out"
    out.mkdir()
    caplog.set_level(logging.DEBUG)
    steps = [
        ("import", str(write_folder(tmp_path / "import"))),
        ("nightly", "--out", str(out)),
        ("precollections", "add", "--practice", "DEMO-FAM", "--age-min", "0"),
        ("roster", "approve", "--practice", "DEMO-FAM", "--yes"),
        ("roster", "turnover", "--practice", "DEMO-FAM", "--yes", "--out-dir", str(out)),
        ("letters", "print", "--out", str(out / "letters.pdf")),
    ]
    for argv in steps:
        code, o, e = run_cli(demo_copy, "--as-of", DAY, *argv)
        assert code in (0, 3, 4, 5), (argv, o, e)
    engine = make_engine(f"sqlite:///{demo_copy}")
    with engine.connect() as c:
        practice, nos = c.execute(text("""SELECT p.source_id, MIN(t.task_no) FROM precollection_task t
            JOIN practice p ON p.id = t.practice_id JOIN encounter e ON e.id = t.encounter_id
            WHERE t.on_list AND t.state = 'not_sent' GROUP BY p.source_id""")).first() or (None, None)
    engine.dispose()
    if practice:
        run_cli(demo_copy, "--as-of", DAY, "precollections", "set-action", "send-to-agency", "--practice", practice,
                "--tasks", str(nos))
        run_cli(demo_copy, "--as-of", DAY, "precollections", "apply", "--practice", practice, "--yes",
                "--out", str(out))
    written = [p for p in out.rglob("*") if p.is_file()]
    assert written, "the workflows wrote no files to check"
    loose = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in written if stat.S_IMODE(p.stat().st_mode) & 0o077}
    assert not loose, f"readable by others: {loose}"
    secrets = _secrets(demo_copy)
    records = [r for r in caplog.records if not r.name.startswith("sqlalchemy")]
    leaks = [(r.name, s) for r in records for s in secrets if s in r.getMessage()]
    assert not leaks, leaks[:5]
    print(f"\nprivacy: {len(written)} files owner-only, {len(records)} log records scanned for "
          f"{len(secrets)} names and birth dates")
