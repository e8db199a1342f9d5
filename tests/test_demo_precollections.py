"""The demo practices open with the Pre-Collections workflow worked over months: every state, every
days-in-state bucket, history on real earlier dates, and verify holds."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from core.sql import as_date
from core.verify import verify
from tests.conftest import LOGIN, TODAY

# `engine` holds a copy of the small demo, built once per run (tests/conftest.py)
pytestmark = [pytest.mark.slow, pytest.mark.small_demo]


def test_small_demo_has_tasks_in_each_state_an_agency_and_a_file(engine, uow, demo_build) -> None:  # type: ignore[no-untyped-def]
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
        assert s.execute(text("SELECT COUNT(*) FROM precollection_run WHERE kind = 'build'")).scalar_one() == 3 * 5
        checks = verify(u)
    assert {"CBA", "RRS", "CCS"} <= agencies and waiting > 0 and sent_coll > 0
    assert all(Path(p).is_file() and rows > 0 for p, rows, _batch in made) and str(demo_build.files) in made[0][0]
    assert sorted({batch for _p, _rows, batch in made}) == [1, 2, 3, 4, 5]   # a batch per work day, per practice
    assert [c.name for c in checks if not c.ok] == []


def test_small_demo_tasks_entered_their_states_over_months(engine, uow) -> None:  # type: ignore[no-untyped-def]
    """History on real earlier dates: each state change is dated (business date and time) on the
    day it was made, the task's state date is its last change's, the postings are dated with their
    journals, and the dashboard's days-in-state breakdown fills every bucket."""
    from core.precollections import dashboard
    from core.security import authenticate
    with uow(write=False) as u:
        s = u.session
        days = {(TODAY - as_date(d)).days for (d,) in s.execute(text(
            "SELECT DISTINCT business_date FROM precollection_history"))}
        assert min(days) <= 12 and max(days) == 210 and len(days) >= 10
        stamped = s.execute(text("SELECT business_date, at FROM precollection_history WHERE business_date < :d"),
                            {"d": TODAY}).all()
        assert stamped and all(str(at)[:10] == str(d) for d, at in stamped)
        assert s.execute(text("""SELECT COUNT(*) FROM precollection_task t WHERE t.state_date <> (
            SELECT h.business_date FROM precollection_history h WHERE h.task_id = t.id
            ORDER BY h.id DESC LIMIT 1)""")).scalar_one() == 0
        assert s.execute(text("""SELECT COUNT(*) FROM ledger_txn x JOIN journal j ON j.id = x.journal_id
            WHERE j.kind = 'precollections.apply' AND x.date <> j.business_date""")).scalar_one() == 0
        assert s.execute(text("SELECT COUNT(DISTINCT business_date) FROM journal "
                              "WHERE kind = 'precollections.apply'")).scalar_one() == 6
        actor = authenticate(u, LOGIN)
        pid = s.execute(text("SELECT id FROM practice WHERE source_id = 'DEMO-FAM'")).scalar_one()
        filled = {state: [b.count > 0 for b in
                          dashboard.dashboard(u, actor, pid, state, TODAY).breakdown("days").buckets]
                  for state in ("pre", "not_sent", "sent")}
    assert all(filled["pre"]) and sum(filled["not_sent"]) >= 3 and sum(filled["sent"]) >= 4, filled
