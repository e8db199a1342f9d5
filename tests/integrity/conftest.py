"""Fixtures for the integrity tests: a small demo database built once and copied per example.

Profiles: the fast profile runs in CI by default; `RECOUP_LONG=1` (or `pytest --long`) selects the
long profile (more Hypothesis examples and steps, 20+ crash trials each on the medium demo).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import built_once, run_folder
from tests.integrity.support import build_demo, copy_db


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--long", action="store_true", default=False,
                     help="integrity tests: run the long profiles (also RECOUP_LONG=1)")


@pytest.fixture(scope="session")
def long_profile(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--long") or os.environ.get("RECOUP_LONG"))


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small demo, built (by the command line) once per run, shared by the xdist workers;
    copy it before writing to it."""
    folder = run_folder(tmp_path_factory) / "integrity-demo-small"
    with built_once(folder) as build:
        if build:
            build_demo(folder, "small")
    return folder / "demo.db"


@pytest.fixture(scope="module")
def module_demo(small_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the small demo shared by one test module (its tests may write to it)."""
    db = tmp_path_factory.mktemp("module-demo") / "recoup.db"
    copy_db(small_demo, db)
    return db


@pytest.fixture
def demo_copy(small_demo: Path, tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "recoup.db"
    copy_db(small_demo, path)
    yield path
