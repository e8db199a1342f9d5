"""recoup practice profile: the practice's name, address, phone and remit-to address that every
letter prints, and the days a letter gives to pay (SPEC 15). Anyone may see it; admins change it.
"""

from __future__ import annotations

from typing import Any

from tui.commands.context import Context, add_group, add_practice_command

TEXT_FLAGS = {"name": "the practice's name as letters print it", "address1": "street address",
              "address2": "second address line", "city": "city", "state": "state", "zip": "ZIP code",
              "phone": "the phone number patients call",
              "remit_to": "where payments are mailed, lines separated by '|' (blank: the practice address)"}


def register(sub: Any) -> None:
    group = add_group(sub, "practice", "the practice profile")
    p = add_practice_command(group, "profile", cmd_profile,
                             "show or change the practice profile letters print (admins change it)")
    for name, help_text in TEXT_FLAGS.items():
        p.add_argument(f"--{name.replace('_', '-')}", dest=name, metavar="TEXT", help=f"{help_text}; 'none' clears it")
    p.add_argument("--letter-due-days", metavar="N", help="a letter's due date is its date plus N days (default 30)")


def _changes(ctx: Context) -> dict[str, Any]:
    from core.errors import BadInput
    a, out = ctx.args, {}
    for name in TEXT_FLAGS:
        value = getattr(a, name)
        if value is not None:
            text = None if value.strip().lower() == "none" else value
            out[name] = text
    if a.letter_due_days is not None:
        days = a.letter_due_days.strip()
        if not days.isascii() or not days.isdigit():
            raise BadInput("letter-due-days: a whole number of days from 1 to 365", field="letter_due_days")
        out["letter_due_days"] = int(days)
    return out


def cmd_profile(ctx: Context) -> int:
    from core import practices
    changes = _changes(ctx)
    with ctx.uow(write=bool(changes)) as uow:
        actor = ctx.actor(uow)
        practice = practices.find_practice(uow, ctx.args.practice)
        assert practice.id is not None
        if changes:
            practice = practices.set_profile(uow, actor, practice.id, changes, ctx.as_of)
        ctx.emit_object(practices.profile(practice))
    return 0
