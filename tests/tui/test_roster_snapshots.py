"""The roster's screens at 80x24, compared with stored SVG snapshots (business date fixed, no
notifications). Update after an intended change with --snapshot-update and look at the report."""

from __future__ import annotations

import datetime as dt

from core import roster
from tests.tui.data import AS_OF
from tests.tui.test_snapshots import SIZE, _run


def test_collection_status_table_tab(snap_compare, make_app) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=_run(lambda app: app.open_screen("status_table")))


def test_integration_tab(snap_compare, make_app) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=_run(lambda app: app.open_screen("integration")))


def test_work_accounts(snap_compare, make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    with services.uow(write=True) as u:
        roster.populate(u, services.actor, built.practice_id, AS_OF - dt.timedelta(days=20))
    assert snap_compare(make_app(), terminal_size=SIZE,
                        run_before=_run(lambda app: app.open_screen("work_accounts"), ("down",)))
