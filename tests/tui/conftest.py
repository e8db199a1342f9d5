"""Fixtures for the screens: a real SQLite file with tests/tui/data.py's practices, and the app."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine

from core import accounts, security
from db.uow import SqlUnitOfWork
from tests.tui.data import AS_OF, Built, build
from tests.tui.tally_data import demo_engine  # noqa: F401  (fixture: the small demo)
from tui.app import RecoupApp
from tui.services import Services


@pytest.fixture
def built(sqlite_engine: Engine) -> Built:
    with SqlUnitOfWork(sqlite_engine) as u:
        security.bootstrap_admin(u, "tester")
        b = build(u)
        u.commit()
    return b


@pytest.fixture
def services(sqlite_engine: Engine, built: Built) -> Services:
    def uow(write: bool = False, rehearsal: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(sqlite_engine, write=write, rehearsal=rehearsal)
    with uow() as u:
        practices = accounts.list_practices(u)
        actor = security.authenticate(u, "tester")
    return Services(uow, actor, AS_OF, practices, where="test")


@pytest.fixture
def make_app(services: Services) -> Callable[..., RecoupApp]:
    """A RecoupApp already connected to the test database (no connect worker)."""
    return lambda **kw: RecoupApp(services=services, **kw)


@pytest.fixture(autouse=True)
def _no_user_keys(monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Tests never read the developer's own ~/.config/recoup/keys.toml."""
    monkeypatch.setenv("RECOUP_KEYS", str(tmp_path / "no-keys.toml"))
    yield
