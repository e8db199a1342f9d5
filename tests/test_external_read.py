"""The External Collections screens' reads (core.external.read) on SQLite and PostgreSQL: keyset
pages both ways and by offset agree with the whole list, a selection becomes line ids (ids, or
all minus exclusions), and what waits for each agency's file."""

from __future__ import annotations

import pytest

from core import external
from core.external.read import (
    PENDING,
    POSTED,
    agency_profiles,
    lines_for,
    placement_page,
    placement_totals,
    waiting_for_file,
)
from tests import factories as f
from tests.conftest import TODAY
from tests.external_helpers import agency, days_ago, run


@pytest.fixture
def placed(uow, admin, tmp_path):
    """Seven pending lines with AG1 (two guarantors, 100 days old)."""
    with uow() as u:
        p = f.practice(u)
        for gi in range(2):
            g = f.guarantor(u, p, f"G{gi}")
            f.encounter(u, p, g, [1000 + 100 * i for i in range(3 + gi)], posted=days_ago(100), source_id=f"E{gi}")
        u.commit()
    agency(uow, admin, p, "AG1", "0.00", 60)
    agency(uow, admin, p, "AG2", "0.00", 200)
    run(uow, admin, p, TODAY, tmp_path)
    return p


def test_pages_agree_with_the_whole_list(uow, admin, placed) -> None:
    p = placed
    with uow(write=False) as u:
        everything = placement_page(u, admin, p.id, TODAY, PENDING, limit=100)
        assert placement_totals(u, admin, p.id, PENDING) == (7, sum(r.balance_cents for r in everything))
        assert [r.age for r in everything] == [100] * 7 and {r.agency for r in everything} == {"AG1"}
        first = placement_page(u, admin, p.id, TODAY, PENDING, limit=3)
        second = placement_page(u, admin, p.id, TODAY, PENDING, after=first[-1].placement, limit=3)
        back = placement_page(u, admin, p.id, TODAY, PENDING, before=second[0].placement, limit=3)
        jump = placement_page(u, admin, p.id, TODAY, PENDING, offset=6, limit=3)
        assert first + second == everything[:6] and back == first and jump == everything[6:]
        assert placement_page(u, admin, p.id, TODAY, POSTED) == []


def test_a_selection_becomes_line_ids(uow, admin, placed) -> None:
    p = placed
    with uow(write=False) as u:
        rows = placement_page(u, admin, p.id, TODAY, PENDING)
        ids = [r.placement for r in rows]
        assert lines_for(u, p.id, PENDING, placements=ids[:2]) == sorted(r.line for r in rows[:2])
        assert lines_for(u, p.id, PENDING, exclude=ids[:2]) == sorted(r.line for r in rows[2:])
        assert lines_for(u, p.id, POSTED, placements=ids) == []          # not in that state
        assert lines_for(u, p.id, PENDING, placements=[]) == []


def test_waiting_for_a_file_per_agency(uow, admin, placed) -> None:
    p = placed
    with uow() as u:
        external.approve(u, admin, p.id, TODAY, None, confirmed=True)
    with uow(write=False) as u:
        waiting = {w.agency: (w.lines, w.cents) for w in waiting_for_file(u, admin, p.id)}
        total = placement_totals(u, admin, p.id, POSTED)
        assert [a.source_id for a in agency_profiles(u, p.id)] == ["AG1", "AG2"]
    assert waiting == {"AG1": total, "AG2": (0, 0)}
