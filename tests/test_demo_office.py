"""`recoup demo --size office` (issue 20 item 7): a billing office's practices, generated set-based,
set up for the nightly with nothing run; its shape is a parameter (the issue's 20 practices and
2,000,000 encounters by default). Built small here, on both back ends; bench/workers.py runs it big."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from core import practices, runs
from db.demo_office import PREFIX, build_office, profiles
from db.engine import make_engine
from tests.conftest import PG_URL, TODAY
from tests.pg_scratch import scratch_database

pytestmark = pytest.mark.slow  # builds an office per test, on each back end

SHAPE = ("--encounters", "600", "--practices", "4")


def test_the_office_is_built_due_for_the_nightly_and_the_nightly_verifies(cli, uow, tmp_path) -> None:
    code, out, err = cli("demo", "--size", "office", *SHAPE, "--no-tui")
    assert code == 0, err
    assert "4 practices" in out and "600 encounters" in out and "nothing has run yet" in out
    with uow(write=False) as u:
        ids = [p.source_id for p in practices.due_practices(u, "external")]
        assert ids == [f"{PREFIX}0{n}" for n in range(1, 5)]
        assert [p.source_id for p in practices.due_practices(u, "roster")] == ids
        assert runs.recorded(u) == []
        per = dict(u.session.execute(text("SELECT p.source_id, COUNT(*) FROM encounter e JOIN practice p "
                                          "ON p.id = e.practice_id GROUP BY p.source_id")).all())
    assert per == {s: 150 for s in ids}
    code, out, err = cli("nightly", "--out", str(tmp_path), "--json")
    assert code == 0, err
    done = json.loads(out)
    assert len(done) == 8 and sum(1 for r in done if r["batch"] == "external" and "posted 0," not in r["summary"]) > 0
    assert cli("verify")[0] == 0


def test_the_same_shape_again_opens_it_and_another_is_refused(cli) -> None:
    assert cli("demo", "--size", "office", *SHAPE, "--no-tui")[0] == 0
    code, out, _ = cli("demo", "--size", "office", *SHAPE, "--no-tui")
    assert code == 0 and "already in this database" in out
    code, _, err = cli("demo", "--size", "office", "--encounters", "800", "--practices", "4", "--no-tui")
    assert code != 0 and "already holds an office demo of 600 encounters in 4 practices" in err


def test_shape_flags_belong_to_the_office_and_have_ranges(cli) -> None:
    code, _, err = cli("demo", "--size", "small", "--encounters", "600", "--no-tui")
    assert code != 0 and "--size office" in err
    code, _, err = cli("demo", "--size", "office", "--encounters", "30", "--practices", "4", "--no-tui")
    assert code != 0 and "encounters" in err and "Traceback" not in err


def test_the_practices_take_the_demo_shapes_in_turn() -> None:
    office = profiles(20)
    assert [p.source_id for p in office[:3]] == ["OFFICE-01", "OFFICE-02", "OFFICE-03"]
    assert len({p.number for p in office}) == 20
    assert [p.employer_collections for p in office[:3]] == [False, False, True]


def test_its_empty_workflow_tables_are_left_unanalysed_on_postgresql() -> None:
    """Analysed empty, a table PostgreSQL finds without pages at planning is taken for empty: four
    workers starting at once then planned one practice's selection as a rescan of roster_account
    per line while the others filled it (db.demo._checkpoint). Filled tables are analysed. On a
    database of its own: the suite's databases carry statistics from the tests before."""
    if not PG_URL:
        pytest.skip("planner statistics of PostgreSQL (RECOUP_TEST_POSTGRES_URL)")
    with scratch_database(PG_URL, "recoup_office_stats") as url:
        engine = make_engine(url)
        build_office(engine, "admin", TODAY, encounters=600, practices=4)
        with engine.connect() as conn:
            stats = dict(conn.execute(text(
                "SELECT relname, reltuples FROM pg_class WHERE relname IN "
                "('roster_account', 'precollection_task', 'external_placement', 'service_line', 'guarantor')")).all())
        engine.dispose()
    assert stats["roster_account"] == stats["precollection_task"] == stats["external_placement"] == -1
    assert stats["service_line"] > 0 and stats["guarantor"] > 0
