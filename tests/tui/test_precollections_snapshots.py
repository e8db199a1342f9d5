"""The Pre-Collections screen at 80x24: its three views and the Add Pre-Collection Tasks form.

The list is made through the core before the app starts (deterministic: tests/tui/data.py at its
fixed business date), so the pictures hold no notifications. Update with --snapshot-update.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core import precollections as pc
from core.exchange import agency_files
from core.precollections.criteria import Criteria
from tests.tui.data import AS_OF
from tests.tui.test_snapshots import SIZE, _run


@pytest.fixture
def worked_list(services, built, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Tasks in each state: Pre (one with an action waiting), Not Sent, Sent, one written off."""
    s, pid = services, built.practice_id

    def call(fn, *args, **kw):  # type: ignore[no-untyped-def]
        with s.uow(write=True) as u:
            return fn(u, s.actor, pid, *args, **kw)
    call(agency_files.save_agency, "ACME", AS_OF, name="Acme Recovery")
    call(pc.add_tasks, Criteria(encounter_balance_min=10000), AS_OF)
    call(pc.set_action, "send-to-collections", AS_OF, tasks=[1, 2, 3, 4])
    call(pc.set_action, "write-off", AS_OF, tasks=[5])
    call(pc.apply, AS_OF, confirmed=True)
    call(pc.set_action, "send-to-agency", AS_OF, tasks=[1, 2])
    call(pc.apply, AS_OF, "send-to-agency", "ACME", tmp_path, confirmed=True)
    call(pc.set_action, "remove", AS_OF, tasks=[7])


def _open(app) -> None:  # type: ignore[no-untyped-def]
    app.open_screen("precollections")


def test_precollections_view(snap_compare, make_app, worked_list) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=_run(_open, ("down", "space")))


def test_in_collections_not_sent_view(snap_compare, make_app, worked_list) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=_run(_open, ("2",)))


def test_in_collections_sent_view(snap_compare, make_app, worked_list) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=_run(_open, ("3",)))


def test_add_precollection_tasks_form(snap_compare, make_app, worked_list) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=_run(_open, ("a", "tab", "tab", *"25.00")))
