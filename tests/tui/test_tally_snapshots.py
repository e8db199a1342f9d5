"""Batch Runs, a tally, a reason's accounts, the Nightly Preview and Patient Protections at 80x24 on
the small demo, compared with stored SVG snapshots. Update after an intended change with
--snapshot-update and look at the report."""

from __future__ import annotations

import pytest

from tests.tui.tally_data import NEXT, demo_app
from tests.tui.test_snapshots import SIZE, _run

pytestmark = pytest.mark.slow  # the small demo, built once per session
# The Pre-Collections adds, newest first, five per practice (DEMO-OCC's, DEMO-ORTHO's, DEMO-FAM's):
# DEMO-FAM's latest add, 20 days back, is the one that left accounts out for a hold and open insurance.
FAM_LATEST_ADD = ("home", *("down",) * 10, "enter")


def test_batch_runs(snap_compare, demo_engine) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app(demo_engine), terminal_size=SIZE,
                        run_before=_run(lambda app: app.open_screen("batch_runs"), ("down", "down")))


def test_run_tally(snap_compare, demo_engine) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app(demo_engine), terminal_size=SIZE,
                        run_before=_run(lambda app: app.open_screen("batch_runs"), ("k",), FAM_LATEST_ADD, ("end",)))


def test_reason_accounts(snap_compare, demo_engine) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app(demo_engine), terminal_size=SIZE,
                        run_before=_run(lambda app: app.open_screen("batch_runs"), ("k",), FAM_LATEST_ADD,
                                        ("home", "down", "enter"), ("down",)))


def test_nightly_preview(snap_compare, demo_engine) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app(demo_engine, NEXT), terminal_size=SIZE,
                        run_before=_run(lambda app: app.open_screen("nightly_preview")))


def test_patient_protections(snap_compare, demo_engine) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app(demo_engine), terminal_size=SIZE,
                        run_before=_run(lambda app: app.open_screen("protections")))
