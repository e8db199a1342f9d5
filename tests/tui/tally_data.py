"""The small demo as screen-test data for the tallies and the preview: it has runs of every batch
with accounts left out for holds, protections and insurance still open. Built once per run
(tests/conftest.py: small_demo_template), copied into each test's own SQLite file."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine

from core import accounts, security
from db.engine import make_engine
from db.uow import SqlUnitOfWork
from tests.conftest import TODAY
from tui.app import RecoupApp
from tui.services import Services

DEMO_DAY = TODAY                     # the demo's business date: its runs end here
NEXT = DEMO_DAY + dt.timedelta(days=1)  # the nightly due on the demo: the preview shows work


@pytest.fixture
def demo_engine(small_demo_template: tuple[Path, str], tmp_path: Path) -> Engine:
    """A copy of the small demo built once per run (tests/conftest.py), in this test's own file."""
    path = tmp_path / "demo.db"
    shutil.copy(small_demo_template[0], path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine  # type: ignore[misc]
    engine.dispose()


def demo_services(engine: Engine, as_of: dt.date, practice: str = "DEMO-FAM") -> Services:
    def uow(write: bool = False, rehearsal: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(engine, write=write, rehearsal=rehearsal)
    with uow() as u:
        practices = accounts.list_practices(u)
        actor = security.authenticate(u, "tester")
    practices.sort(key=lambda p: p.source_id != practice)   # the app opens in the first one
    return Services(uow, actor, as_of, practices, where="test")


def demo_app(engine: Engine, as_of: dt.date = DEMO_DAY) -> RecoupApp:
    return RecoupApp(services=demo_services(engine, as_of))
