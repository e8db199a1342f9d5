"""recoup users add / list."""

from __future__ import annotations

from typing import Any

from core.roles import ROLES
from tui.commands.context import Context, add_command, add_group


def register(sub: Any) -> None:
    users = add_group(sub, "users", "operators and their roles")
    p = add_command(users, "add", cmd_add, "add an operator, or change an operator's role (admins)")
    p.add_argument("name", help="the operator's system user name")
    p.add_argument("--role", required=True, choices=ROLES, help="viewer < collector < supervisor < admin < support")
    add_command(users, "list", cmd_list, "list operators")
    from tui.commands.users_admin import register_admin
    register_admin(users)


def cmd_add(ctx: Context) -> int:
    from core import security
    with ctx.uow() as uow:
        security.add_user(uow, ctx.actor(uow), ctx.args.name, ctx.args.role)
    print(f"{ctx.args.name} is now {ctx.args.role}")
    return 0


def cmd_list(ctx: Context) -> int:
    from core import security
    with ctx.uow(write=False) as uow:
        ops = security.list_users(uow, ctx.actor(uow))
        rows = [{"name": o.name, "role": o.role, "active": o.active, "created_by": o.created_by,
                 "created_at": o.created_at.isoformat(timespec="seconds")} for o in ops]
    ctx.emit(rows, ["name", "role", "active", "created_by", "created_at"])
    return 0
