"""Operators and roles, checked in the core."""

from __future__ import annotations

import pytest

from core import security
from core.errors import BadInput, Refused
from core.security import Actor


def test_creator_is_first_admin_and_only_once(uow) -> None:
    with uow() as u:
        assert security.bootstrap_admin(u, "first") == Actor("first", "admin")
        u.commit()
    with uow() as u, pytest.raises(Refused, match="'second' is not a Recoup operator"):
        security.bootstrap_admin(u, "second")


def test_roles_are_cumulative() -> None:
    sup = Actor("s", "supervisor")
    assert sup.can("viewer") and sup.can("collector") and sup.can("supervisor")
    assert not sup.can("admin")
    with pytest.raises(Refused, match="needs the admin role"):
        security.require(sup, "admin", "change settings")


def test_admin_adds_and_changes_users_with_audit(uow, admin) -> None:
    with uow() as u:
        security.add_user(u, admin, "carol", "collector")
    with uow() as u:
        security.add_user(u, admin, "carol", "supervisor")
    with uow(write=False) as u:
        assert security.authenticate(u, "carol") == Actor("carol", "supervisor")
        from core import audit
        actions = [e.action for e in audit.entries(u, record="carol")]
        assert actions == ["users.update", "users.add"]


def test_only_admins_add_users_and_only_support_grants_support(uow, admin) -> None:
    with uow() as u:
        security.add_user(u, admin, "col", "collector")
    with uow() as u:
        with pytest.raises(Refused):
            security.add_user(u, Actor("col", "collector"), "x", "viewer")
        with pytest.raises(Refused, match="support"):
            security.add_user(u, admin, "x", "support")
        with pytest.raises(BadInput, match="role"):
            security.add_user(u, admin, "x", "boss")
        with pytest.raises(BadInput, match="name"):
            security.add_user(u, admin, "bad name;", "viewer")


def test_unknown_user_gets_one_clear_refusal(uow, admin) -> None:
    with uow(write=False) as u, pytest.raises(Refused, match="not a Recoup operator"):
        security.authenticate(u, "mallory")
