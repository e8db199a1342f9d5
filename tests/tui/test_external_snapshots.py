"""The External Collections screens at 80x24, compared with stored SVG snapshots (business date
fixed, data deterministic). Update after an intended change with --snapshot-update and look at
the report."""

from __future__ import annotations

from core import external
from core.exchange import agency_files
from tests.tui.data import AS_OF
from tests.tui.test_snapshots import SIZE, _run


def _assignments(services, practice_id: int, approve: bool = False) -> None:  # type: ignore[no-untyped-def]
    for agency, balance, age, auto in (("AG1", 0, 30, approve), ("AG2", 9900, 180, False), ("AGM", None, None, False)):
        with services.uow(write=True) as u:
            external.add_assignment(u, services.actor, practice_id,
                                    external.Assignment(agency, balance, age, auto, auto), AS_OF)
    with services.uow(write=True) as u:
        agency_files.save_agency(u, services.actor, practice_id, "AG1", AS_OF, name="Alpha Recovery")


def test_external_collections_tab(snap_compare, make_app, services, built) -> None:  # type: ignore[no-untyped-def]
    _assignments(services, built.practice_id, approve=True)
    with services.uow(write=True) as u:
        external.update_rules(u, services.actor, built.practice_id, AS_OF,
                              {"exclude_days": 35, "exclude_min_cents": 2500, "reage_denied": True})
    assert snap_compare(make_app(), terminal_size=SIZE,
                        run_before=_run(lambda app: app.open_screen("external_collections")))


def test_external_pending(snap_compare, make_app, services, built, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _assignments(services, built.practice_id)
    with services.uow(write=True) as u:
        external.run(u, services.actor, built.practice_id, AS_OF, tmp_path)
    assert snap_compare(make_app(), terminal_size=SIZE,
                        run_before=_run(lambda app: app.open_screen("external_pending"), ("space", "space")))
