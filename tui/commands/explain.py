"""recoup explain --guarantor ID | --encounter ID (SPEC 14): may each workflow take it, and why not.

Practice, guarantor and encounter ids are the practice system's (as imported). Reads only.
"""

from __future__ import annotations

from typing import Any

from tui.commands.context import Context, add_command


def register(sub: Any) -> None:
    p = add_command(sub, "explain", cmd_explain, "why each workflow may or may not take a guarantor's or an "
                                                 "encounter's balance, with every reason, value and threshold")
    p.add_argument("--practice", metavar="ID", help="the practice (may be left out when there is only one)")
    p.add_argument("--guarantor", metavar="ID", help="explain every open line of this guarantor")
    p.add_argument("--encounter", metavar="ID", help="explain this encounter")


def cmd_explain(ctx: Context) -> int:
    from core import verdicts
    from core.errors import BadInput
    a = ctx.args
    if (a.guarantor is None) == (a.encounter is None):
        raise BadInput("target: give --guarantor ID or --encounter ID (one of the two)", field="guarantor")
    with ctx.uow(write=False) as uow:
        x = verdicts.explain(uow, ctx.actor(uow), a.practice, ctx.as_of, guarantor=a.guarantor,
                             encounter=a.encounter)
    if ctx.json:
        ctx.emit_object(verdicts.as_dict(x))
    else:
        print("\n".join(verdicts.text_lines(x)))
    return 0
