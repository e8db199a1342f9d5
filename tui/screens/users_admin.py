"""Admin -> Users and Roles: the operators, their roles, on/off, browser passwords (SPEC 8).

The reusable AdminTable (tui/widgets/admin_table.py): Alt+D adds (Insert), Alt+U updates the
highlighted operator (Enter) — role, active, a new password — and Alt+R disables them (Delete),
each with its Alt+Shift twin. Every rule is the core's (core.operators.save_user): admins only,
only support touches support, nobody disables themselves; its refusal is shown in its own words.
The versions of the rows as the list read them go back with every save, so an operator changed
by another admin meanwhile is refused with "changed by NAME at TIME — reload", never overwritten.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Header

from core import operators
from core.auth import PASSWORD_MIN
from core.models.security import ROLES
from core.security import list_users
from tui.screens.base import RecoupScreen
from tui.widgets.admin_table import AdminSpec, AdminTable
from tui.widgets.footer import FitFooter
from tui.widgets.form import Field


def _fields() -> tuple[Field, ...]:
    return (Field("name", "Name", required=True, max_length=64),
            Field("role", "Role", "choice", required=True, default="collector", choices=ROLES),
            Field("active", "Active (may sign in and act)", "flag", default="1"),
            Field("password", "New password", placeholder=f"blank: unchanged; at least {PASSWORD_MIN} characters"))


def users_spec(seen: dict[str, int]) -> AdminSpec:
    """The Users and Roles table. `seen` keeps each operator's version as last read (the screen's)."""

    def read(u: Any, actor: Any, _pid: int) -> list[Any]:
        rows = list_users(u, actor)
        seen.clear()
        seen.update({r.name: r.version for r in rows})
        return rows

    def save(u: Any, actor: Any, _pid: int, v: dict[str, Any]) -> Any:
        name = str(v["name"] or "")
        return operators.save_user(u, actor, name, v["role"] or "", bool(v["active"]), v["password"] or None,
                                   expected_version=seen.get(name), new=name not in seen)

    def remove(u: Any, actor: Any, _pid: int, name: str) -> None:
        operators.set_active(u, actor, name, False, expected_version=seen.get(name))

    return AdminSpec(
        "users", "Users and Roles", "operator",
        (("Name", 20), ("Role", 10), ("Active", 6), ("Password", 8), ("Locked until", 16), ("Ver", 4)),
        read,
        lambda r: (r.name, r.role, "yes" if r.active else "NO", "set" if r.password_hash else "-",
                   f"{r.locked_until:%Y-%m-%d %H:%M}" if r.locked_until else "-", str(r.version)),
        lambda r: r.name,
        lambda r: f"{r.name} ({r.role}) will be disabled: it can no longer sign in or act; Alt+U enables again",
        _fields(),
        lambda r: {"name": r.name, "role": r.role, "active": bool(r.active), "password": ""},
        save, remove)


class UsersScreen(RecoupScreen):
    """Admin -> Users and Roles."""

    TITLE_TEXT = "Users and Roles"

    def __init__(self) -> None:
        super().__init__()
        self.seen: dict[str, int] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        pid = self.practice.id if self.practice is not None else 0
        yield AdminTable(users_spec(self.seen), pid, id="users-table")
        yield FitFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.call_after_refresh(self.query_one(AdminTable).focus_table)
