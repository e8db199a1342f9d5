"""The demo's roster: real migrations over past business dates, letters queued, plans, verify clean."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlmodel import select

from core import roster
from core.models.roster import PaymentPlan, RosterHistory, RosterRun
from core.security import authenticate
from core.verify import verify
from tests.conftest import LOGIN, TODAY

# `engine` holds a copy of the small demo, built once per run (tests/conftest.py)
pytestmark = [pytest.mark.slow, pytest.mark.small_demo]


@pytest.fixture
def demo(demo_build) -> str:  # type: ignore[no-untyped-def]
    return str(demo_build.report)


def test_small_demo_has_a_roster_under_way(demo, uow) -> None:  # type: ignore[no-untyped-def]
    with uow(write=False) as u:
        actor = authenticate(u, LOGIN)
        rows = roster.roster_rows(u, actor)
        statuses = Counter(r["status"] for r in rows)
        assert len(statuses) >= 5 and {"PP", "R", "PF"} <= set(statuses), statuses
        assert {r["practice"] for r in rows} == {"DEMO-FAM", "DEMO-OCC", "DEMO-ORTHO"}
        reasons = Counter(h.reason for h in u.session.exec(select(RosterHistory)))
        assert reasons["enter"] and reasons["transfer"] and reasons["plan_failed"] and reasons["plan"]
        runs = u.session.exec(select(RosterRun)).all()
        assert len(runs) == 15 and {r.outcome for r in runs} == {"done"}
        assert len({r.business_date for r in runs}) == 5                       # 90, 45, 30, 15 days ago, today
        entered = {(TODAY - h.business_date).days for h in u.session.exec(select(RosterHistory))
                   if h.reason == "enter"}
        assert {90, 45, 0} <= entered                                            # accounts entered over months
        assert all(str(h.at)[:10] == str(h.business_date) for h in u.session.exec(select(RosterHistory))
                   if h.business_date < TODAY)                                   # stamped on the day they moved
        waiting = roster.list_queue(u, actor, printed=False)
        assert len(waiting) > 20 and len({w["letter"] for w in waiting}) >= 3
        plans = u.session.exec(select(PaymentPlan)).all()
        assert any(p.active for p in plans) and any(p.failed_date for p in plans)
        assert len(roster.auto_practices(u)) == 3                              # the nightly populates them
        assert [c.name for c in verify(u) if not c.ok] == []


def test_demo_letters_print_one_per_guarantor_with_the_practice_profile(demo, uow, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A new user's first print run: guarantors with several letters waiting get one, the rest are
    superseded and counted, and the letters carry the demo practice's address and phone."""
    from pypdf import PdfReader
    with uow(write=False) as u:
        actor = authenticate(u, LOGIN)
        waiting = Counter(w["guarantor"] for w in roster.list_queue(u, actor, printed=False))
    assert max(waiting.values()) >= 2
    with uow() as u:
        out = roster.print_letters(u, authenticate(u, LOGIN), TODAY, out_dir=tmp_path / "letters")
    assert out["superseded"] >= 1 and out["printed"] >= 1 and out["considered"] == sum(waiting.values())
    assert out["printed"] <= len(waiting)                                      # at most one per guarantor
    first = PdfReader(out["file"]).pages[0].extract_text()
    assert "Maple Grove Family Medicine" in first and "(217) 555-0142" in first and "PAYMENT STUB" in first
    with uow(write=False) as u:
        assert [c.name for c in verify(u) if not c.ok] == []
