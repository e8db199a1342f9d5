"""Admin -> Users and Roles and Audit Trail at 80x24, compared with stored SVG snapshots.
Update after an intended change with --snapshot-update and look at the report."""

from __future__ import annotations

import datetime as dt

from core import accounts, security
from core.audit import AuditFilter
from db.uow import SqlUnitOfWork
from tests.tui.data import AS_OF
from tests.tui.test_snapshots import SIZE, _run


def test_users_and_roles(snap_compare, make_app, services) -> None:  # type: ignore[no-untyped-def]
    with services.uow(write=True) as u:
        security.add_user(u, services.actor, "maria.lopez", "supervisor")
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=_run(lambda app: app.open_screen("users")))


def test_audit_trail(snap_compare, make_app, services, sqlite_engine, built) -> None:  # type: ignore[no-untyped-def]
    """maria's entries, written with a fixed clock so the picture does not depend on the time."""
    def clock() -> dt.datetime:
        return dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC)
    with SqlUnitOfWork(sqlite_engine, clock=clock) as u:
        security.add_user(u, services.actor, "maria.lopez", "supervisor")
    maria = security.Actor("maria.lopez", "supervisor")
    for _ in range(2):
        with SqlUnitOfWork(sqlite_engine, clock=clock) as u:
            accounts.guarantor_detail(u, maria, built.ada_id, AS_OF)
    mine = AuditFilter(operator="maria.lopez")
    assert snap_compare(make_app(), terminal_size=SIZE,
                        run_before=_run(lambda app: app.open_screen("audit", filt=mine)))
