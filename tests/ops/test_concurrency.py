"""Many operators, one database (issue 8): operators in 8 processes act on overlapping records
of a small practice while the nightly run goes on in two more (the worker and a manual `recoup
nightly`, both for the same nights). Afterwards `verify` is clean, every action was either fully
applied or refused with a message (stale ones as conflicts), and each nightly batch ran once
per night. PostgreSQL (needs RECOUP_TEST_POSTGRES_URL) and SQLite (writers queue on BEGIN
IMMEDIATE). The scenario itself: tests/ops/concurrency_scenario.py (also bench/concurrency.py).
"""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import Engine

from tests.ops.concurrency_scenario import build_world, check, run_concurrently

pytestmark = pytest.mark.slow  # many operators' processes against one database

PROCS = 8
ACTIONS = 5


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _scenario(engine: Engine) -> None:
    url = _url(engine)
    pid = build_world(url)
    outcomes, nights, _ = run_concurrently(url, pid, procs=PROCS, actions=ACTIONS)
    assert len(outcomes) == PROCS * ACTIONS
    problems = check(url, pid, outcomes)
    assert problems == [], "\n".join(problems)
    tally = Counter((o.kind, o.outcome) for o in outcomes)
    assert tally[("apply", "applied")] + tally[("set", "applied")] > 0, tally    # real work happened
    # both nightly processes finished every night: one ran it, the other found it done (exit 0)
    # or running (exit 4: refused, it does not wait); never an error
    for _, login, codes in nights:
        assert all(code in (0, 4) for _, code in codes), (login, codes)


@pytest.mark.postgres
def test_operators_and_the_nightly_run_at_once_on_postgresql(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the PostgreSQL half (the SQLite half is its own test)")
    _scenario(engine)


def test_operators_and_the_nightly_run_at_once_on_sqlite(sqlite_engine: Engine) -> None:
    _scenario(sqlite_engine)
