"""The small demo as screen-test data for the tallies and the preview: it has runs of every batch
with accounts left out for holds, protections and insurance still open. Built once per session
(seconds), copied into each test's own SQLite file."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine

from core import accounts, security
from db import schema
from db.demo import build_demo
from db.engine import make_engine
from db.uow import SqlUnitOfWork
from tui.app import RecoupApp
from tui.services import Services

DEMO_DAY = dt.date(2026, 11, 23)     # the demo's business date: its runs end here
NEXT = DEMO_DAY + dt.timedelta(days=1)  # the nightly due on the demo: the preview shows work


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tally-demo") / "demo.db"
    engine = make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    build_demo(engine, "tester", DEMO_DAY, "small", folder=path.parent / "demo-files")
    engine.dispose()
    return path


@pytest.fixture
def demo_engine(demo_template: Path, tmp_path: Path) -> Engine:
    path = tmp_path / "demo.db"
    shutil.copy(demo_template, path)
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
