"""recoup users password / disable / enable (browser passwords, and switching operators off)."""

from __future__ import annotations

import getpass
import sys
from typing import Any

from tui.commands.context import Context, add_command


def register_admin(users: Any) -> None:
    p = add_command(users, "password", cmd_password,
                    "set an operator's browser sign-in password (admins; anyone for themselves)")
    p.add_argument("name")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    for name, active in (("disable", False), ("enable", True)):
        p = add_command(users, name, cmd_disable if not active else cmd_enable, f"{name} an operator (admins)")
        p.add_argument("name")


def _read_password(ctx: Context) -> str:
    if ctx.args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass(f"New password for {ctx.args.name}: ")
    if getpass.getpass("Again: ") != first:
        from core.errors import BadInput
        raise BadInput("password: the two entries differ; nothing was changed", field="password")
    return first


def cmd_password(ctx: Context) -> int:
    from core import auth
    password = _read_password(ctx)
    with ctx.uow() as uow:
        auth.set_password(uow, ctx.actor(uow), ctx.args.name, password)
    print(f"password set for {ctx.args.name}")
    return 0


def _set_active(ctx: Context, active: bool) -> int:
    from core import operators
    with ctx.uow() as uow:
        operators.set_active(uow, ctx.actor(uow), ctx.args.name, active)
    print(f"{ctx.args.name} is {'enabled' if active else 'disabled'}")
    return 0


def cmd_disable(ctx: Context) -> int:
    return _set_active(ctx, False)


def cmd_enable(ctx: Context) -> int:
    return _set_active(ctx, True)
