"""The demo's non-profit hospital (SPEC 15.5): 501(r) on, and a guarantor at each stage — waiting,
notice printed, call logged, eligible, FAP pending (held), FAP approved with a reversal worklist."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from core import fap, verdicts
from core.security import authenticate
from core.verify import verify
from tests.conftest import LOGIN, TODAY

# `engine` holds a copy of the small demo, built once per run (tests/conftest.py)
pytestmark = [pytest.mark.slow, pytest.mark.small_demo]


@pytest.fixture
def demo(demo_build) -> str:  # type: ignore[no-untyped-def]
    return str(demo_build.report)


def _codes(u, actor, guarantor: str) -> set[str]:  # type: ignore[no-untyped-def]
    x = verdicts.explain(u, actor, "DEMO-ORTHO", TODAY, guarantor=guarantor)
    ext = next(v for v in x.verdicts if v.workflow == "external")
    return {r.code for r in ext.reasons if not r.passed}


def test_the_hospital_has_an_account_at_every_501r_stage(demo, uow) -> None:  # type: ignore[no-untyped-def]
    with uow(write=False) as u:
        actor = authenticate(u, LOGIN)
        p = u.session.execute(text("SELECT id, nonprofit_501r FROM practice WHERE source_id = 'DEMO-ORTHO'")).one()
        assert p[1] is True or p[1] == 1
        stages = u.session.execute(text("""
            SELECT g.source_id, n.printed_date, (SELECT MAX(c.call_date) FROM contact_log c WHERE c.guarantor_id = g.id)
            FROM eca_notice n JOIN guarantor g ON g.id = n.guarantor_id ORDER BY n.printed_date DESC""")).all()
        assert [(TODAY - _d(r[1])).days for r in stages] == [10, 20, 45]
        printed, called, eligible = (r[0] for r in stages)
        assert "notice_missing" in _codes(u, actor, printed)
        assert stages[1][2] is not None and "notice_missing" in _codes(u, actor, called)
        assert not {"notice_missing", "oral_attempt_missing"} & _codes(u, actor, eligible)
        x = verdicts.explain(u, actor, "DEMO-ORTHO", TODAY, guarantor=eligible)
        ext = next(v for v in x.verdicts if v.workflow == "external")
        passed = {r.subject for r in ext.reasons if r.code == "eca_wait"}
        encounters = {ln.encounter for ln in _lines(u, eligible)}
        assert encounters - passed, "one encounter of the eligible guarantor meets all three conditions"
        waiting = u.session.execute(text(
            "SELECT MIN(g.source_id) FROM guarantor g WHERE g.practice_id = :p AND g.ar_cents > 0 "
            "AND NOT EXISTS (SELECT 1 FROM hold h WHERE h.guarantor_id = g.id) "
            "AND NOT EXISTS (SELECT 1 FROM eca_notice n WHERE n.guarantor_id = g.id) "
            "AND (SELECT MIN(s.date) FROM statement s WHERE s.guarantor_id = g.id) > :w"),
            {"p": p[0], "w": TODAY - dt.timedelta(days=120)}).scalar_one()
        assert "eca_wait" in _codes(u, actor, waiting)
        apps = {a.decision: a for a in fap.list_applications(u, actor, p[0])}
        assert set(apps) == {"pending", "approved"} and apps["pending"].hold_id is not None
        assert fap.reversal_worklist(u, actor, p[0], TODAY)
        assert [c.name for c in verify(u) if not c.ok] == []


def _d(value):  # type: ignore[no-untyped-def]
    from core.sql import as_date
    return as_date(value)


def _lines(u, guarantor: str):  # type: ignore[no-untyped-def]
    from core.explain import find_target
    from core.practices import find_practice
    actor = authenticate(u, LOGIN)
    return find_target(u, actor, find_practice(u, "DEMO-ORTHO"), TODAY, guarantor=guarantor).lines
