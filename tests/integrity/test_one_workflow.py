"""SPEC 2, one balance, one workflow: an account the roster turned over to an agency stays out
of Pre-Collections, as it stays out of the external run (a bug found by the integrity suite:
the list build once ignored roster turnover)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from db.engine import make_engine
from tests.import_files import write_csv
from tests.integrity.support import run_cli


def test_precollections_leaves_a_turned_over_account_alone(demo_copy: Path, tmp_path: Path) -> None:
    day0, day1, day2 = "2026-11-23", "2026-11-24", "2026-11-25"
    assert run_cli(demo_copy, "--as-of", day0, "nightly", "--practice", "DEMO-FAM", "--out", str(tmp_path))[0] == 0
    run_cli(demo_copy, "--as-of", day0, "roster", "approve", "--practice", "DEMO-FAM", "--yes")
    code, out, err = run_cli(demo_copy, "--as-of", day0, "roster", "turnover", "--practice", "DEMO-FAM",
                             "--yes", "--out-dir", str(tmp_path))
    assert code == 0, out + err
    engine = make_engine(f"sqlite:///{demo_copy}")
    with engine.connect() as c:
        g = c.execute(text("SELECT g.source_id FROM roster_account ra JOIN guarantor g ON g.id = ra.guarantor_id "
                           "WHERE ra.turned_over = TRUE ORDER BY g.id")).scalars().first()
    engine.dispose()
    assert g is not None
    folder = tmp_path / "new-charge"
    write_csv(folder, "encounters.csv", [f"NEW1,DEMO-FAM,{g},New Visit,{day1},,0,0"])
    write_csv(folder, "service_lines.csv", [f"NEWL1,NEW1,{day1},99213,120.00,{day1},guarantor,{day1}"])
    assert run_cli(demo_copy, "--as-of", day2, "import", str(folder))[0] == 0
    run_cli(demo_copy, "--as-of", day2, "precollections", "add", "--practice", "DEMO-FAM", "--encounter", "NEW1")
    code, out, _ = run_cli(demo_copy, "verify")
    assert code == 0, out
