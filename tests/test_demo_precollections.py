"""The demo practices open with the Pre-Collections workflow under way: every state, and verify holds."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from core.verify import verify
from db.demo import build_demo
from tests.conftest import LOGIN, TODAY

pytestmark = pytest.mark.slow  # builds the small demo


def test_small_demo_has_tasks_in_each_state_an_agency_and_a_file(engine, uow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    build_demo(engine, LOGIN, TODAY, "small", folder=tmp_path)
    with uow(write=False) as u:
        s = u.session
        per_practice = s.execute(text(
            "SELECT p.source_id, t.state, COUNT(*) FROM precollection_task t JOIN practice p ON p.id = t.practice_id "
            "GROUP BY p.source_id, t.state")).all()
        states = {(p, st): int(n) for p, st, n in per_practice}
        for practice in ("DEMO-FAM", "DEMO-ORTHO", "DEMO-OCC"):
            for state in ("pre", "not_sent", "sent", "written_off"):
                assert states.get((practice, state), 0) > 0, (practice, state)
        agencies = {r[0] for r in s.execute(text("SELECT source_id FROM agency"))}
        waiting = s.execute(text("SELECT COUNT(*) FROM precollection_task WHERE action IS NOT NULL")).scalar_one()
        made = s.execute(text("SELECT f.path, f.rows, f.batch_no FROM agency_file f "
                              "JOIN agency a ON a.id = f.agency_id WHERE a.source_id IN ('CBA', 'RRS', 'CCS')")).all()
        sent_coll = s.execute(text("SELECT SUM(e.collections_cents) FROM precollection_task t JOIN encounter e "
                                   "ON e.id = t.encounter_id WHERE t.state IN ('not_sent', 'sent')")).scalar_one()
        assert s.execute(text("SELECT COUNT(*) FROM precollection_run WHERE kind = 'build'")).scalar_one() == 3
        checks = verify(u)
    assert {"CBA", "RRS", "CCS"} <= agencies and waiting > 0 and sent_coll > 0
    assert len(made) == 3 and all(Path(p).is_file() and rows > 0 and batch == 1 for p, rows, batch in made)
    assert [c.name for c in checks if not c.ok] == []
