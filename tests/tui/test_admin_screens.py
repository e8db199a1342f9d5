"""Admin -> Users and Roles and Admin -> Audit Trail, driven by keys in Pilot (issue 8)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sqlmodel import select
from textual.widgets import Input

from core import accounts, operators, security
from core.models.security import Operator
from tests.tui.data import AS_OF
from tests.tui.helpers import settle
from tui.screens.audit_viewer import AuditDetail, AuditScreen
from tui.screens.users_admin import UsersScreen
from tui.widgets.admin_table import AdminTable, EditDialog
from tui.widgets.confirm import MessageDialog
from tui.widgets.vtable import VirtualTable
from tui.widgets.warning import ValidationWarning


def _ops(services: Any) -> dict[str, Operator]:
    with services.uow() as u:
        return {o.name: o for o in u.session.exec(select(Operator))}


async def _type(pilot: Any, widget_id: str, text: str) -> None:
    widget = pilot.app.screen.query_one(f"#{widget_id}", Input)
    widget.value = ""
    widget.focus()
    await pilot.press(*text)


async def _focus(pilot: Any, name: str) -> None:
    table = pilot.app.screen.query_one("#users-table", AdminTable)
    table.table.move_cursor(row=[r.name for r in table.rows].index(name))
    table.focus_table()
    await pilot.pause()


@pytest.mark.slow
async def test_users_alt_keys_twins_and_fallbacks_add_change_role_disable(make_app, services) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_screen("users")
        await settle(pilot)
        assert isinstance(app.screen, UsersScreen)
        for key, name in (("alt+d", "ann"), ("alt+shift+d", "bob"), ("insert", "cy")):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, EditDialog)
            await _type(pilot, "field-name", name)
            await _type(pilot, "field-role", "collector")
            await pilot.press("f2")
            await settle(pilot)
            assert not isinstance(app.screen, EditDialog)
        assert {n: o.role for n, o in _ops(services).items() if n != "tester"} == {
            "ann": "collector", "bob": "collector", "cy": "collector"}
        for key, name in (("alt+u", "ann"), ("alt+shift+u", "bob"), ("enter", "cy")):
            await _focus(pilot, name)
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, EditDialog)
            assert app.screen.query_one("#field-name", Input).disabled
            await _type(pilot, "field-role", "supervisor")
            if name == "cy":
                await _type(pilot, "field-password", "a long secret 1")
                assert app.screen.query_one("#field-password", Input).password      # never echoed
            await pilot.press("f2")
            await settle(pilot)
        ops = _ops(services)
        assert {n: ops[n].role for n in ("ann", "bob", "cy")} == dict.fromkeys(("ann", "bob", "cy"), "supervisor")
        assert ops["cy"].password_hash and not ops["ann"].password_hash
        for key, name in (("alt+r", "ann"), ("alt+shift+r", "bob"), ("delete", "cy")):
            await _focus(pilot, name)
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, ValidationWarning)                  # asks first
            await pilot.press("f2")
            await settle(pilot)
        assert not any(o.active for n, o in _ops(services).items() if n != "tester")


@pytest.mark.slow
async def test_users_refusal_and_conflict_are_shown_in_the_cores_words(make_app, services) -> None:  # type: ignore[no-untyped-def]
    with services.uow(write=True) as u:
        security.add_user(u, services.actor, "dee", "collector")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_screen("users")
        await settle(pilot)
        await _focus(pilot, "tester")                                   # the only admin cannot be disabled
        await pilot.press("delete", "f2")
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog) and "tester is the only admin" in app.screen.text()
        await pilot.press("escape")
        await settle(pilot)
        assert _ops(services)["tester"].active
        # another admin changes dee while this screen still shows the old row
        with services.uow(write=True) as u:
            operators.save_user(u, security.Actor("otto", "admin"), "dee", "viewer", True)
        await _focus(pilot, "dee")
        await pilot.press("alt+u")
        await pilot.pause()
        await _type(pilot, "field-role", "supervisor")
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog)
        assert "operator dee was changed by otto at" in app.screen.text() and "reload" in app.screen.text()
        assert _ops(services)["dee"].role == "viewer"                  # not overwritten


async def test_audit_viewer_newest_first_filter_and_detail_with_who_opened_an_account(make_app, services,  # type: ignore[no-untyped-def]
                                                                                       built) -> None:
    with services.uow(write=True) as u:
        accounts.guarantor_detail(u, services.actor, built.ada_id, AS_OF)     # tester opens G001
    with services.uow(write=True) as u:
        security.add_user(u, services.actor, "eve", "collector")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_screen("audit")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AuditScreen)
        table = screen.query_one(VirtualTable)
        ids = [table.row_at(i).id for i in range(min(table.total, 5))]
        assert ids == sorted(ids, reverse=True) and table.row_at(0).action == "users.add"
        await pilot.press("f")
        await pilot.pause()
        await _type(pilot, "field-action", "account.open")
        await _type(pilot, "field-record", "G001")
        await pilot.press("f2")
        await settle(pilot)
        assert table.total == 1 and table.row_at(0).operator == "tester"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AuditDetail)
        text = str(app.screen.query_one("#audit-detail").render())
        assert "Operator: tester" in text and "account.open" in text and "G001" in text
        await pilot.press("escape")
        await pilot.press("x")                                          # clear the filter
        await settle(pilot)
        assert table.total > 1
        await pilot.press("f")
        await pilot.pause()
        await _type(pilot, "field-since", "2026-02-30")               # bad date: named at its field
        await pilot.press("f2")
        await pilot.pause()
        assert "From date" in str(app.screen.query_one("#error-since").render())


async def test_audit_viewer_refuses_a_viewer_in_the_cores_words(services, built) -> None:  # type: ignore[no-untyped-def]
    from tui.app import RecoupApp
    with services.uow(write=True) as u:
        security.add_user(u, services.actor, "vic", "viewer")
    app = RecoupApp(services=dataclasses.replace(services, actor=security.Actor("vic", "viewer")))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_screen("audit")
        await settle(pilot)
        assert "vic (viewer) may not read the audit trail" in (app.screen.query_one(VirtualTable).error or "")
