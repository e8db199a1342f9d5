"""recoup exchange out | in: agency exchange files with control totals (SPEC 16, docs/agency-exchange.md).

`out KIND` writes the next file of that kind for an agency (CSV with header and trailer, plus xlsx
for people), after its warning (exit 3 unless --yes); `--preview` shows its counts, dollars and
first rows and writes nothing. `in FILE` reads an agency's file by the kind its header names:
returns post money after the validation warning; ack and sync report what does not match.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.limits import NUMBER
from tui.commands.context import Context, add_group, add_out_option, add_practice_command
from tui.commands.options import whole


def register(sub: Any) -> None:
    from core.exchange.outgoing import KINDS
    ex = add_group(sub, "exchange", "agency exchange files both ways, with record counts and cents (SPEC 16)")
    p = add_practice_command(ex, "out", cmd_out, "write the next file of a kind for an agency")
    p.add_argument("kind", choices=list(KINDS), metavar="KIND", help=", ".join(KINDS))
    p.add_argument("--agency", required=True, metavar="ID")
    p.add_argument("--batch", type=whole(NUMBER), metavar="N", help="for a new (placement) file: the batch it lists")
    p.add_argument("--preview", action="store_true", help="show what the file would hold; write nothing")
    add_out_option(p)
    p.add_argument("--yes", action="store_true", help="go ahead past the warning")
    p = add_practice_command(ex, "in", cmd_in, "read an agency's file: ack, returns or sync")
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--agency", metavar="ID", help="the agency it must come from (default: its header's)")
    p.add_argument("--yes", action="store_true", help="post returns past the validation warning")


def _practice_id(ctx: Context, uow: Any) -> int:
    from core.models.base import saved_id
    from core.practices import find_practice
    return saved_id(find_practice(uow, ctx.args.practice))


def cmd_out(ctx: Context) -> int:
    from core.exchange import outgoing
    a = ctx.args
    if a.preview:
        with ctx.uow(write=False) as uow:
            pv = outgoing.preview(uow, ctx.actor(uow), _practice_id(ctx, uow), a.agency, a.kind, ctx.as_of, a.batch)
        from core.money import format_plain
        ctx.emit_object({"kind": pv.kind, "agency": pv.agency, "batch": pv.batch, "rows": pv.rows,
                         "dollars": format_plain(pv.total_cents)})
        if pv.sample:
            ctx.emit(pv.sample)
        return 0
    with ctx.uow() as uow:
        made = outgoing.write(uow, ctx.actor(uow), _practice_id(ctx, uow), a.agency, a.kind, ctx.as_of,
                              ctx.agency_folder(), a.batch, confirmed=a.yes)
    made.pop("paths")
    with_tally(ctx, made)
    return 0


def with_tally(ctx: Context, out: dict[str, Any]) -> None:
    """The file's result, then its tally (SPEC 14: considered, taken, left out by reason)."""
    from core import tallies
    from tui.commands.runs import emit_with_tally
    with ctx.uow(write=False) as uow:
        tally = tallies.show(uow, None, out.pop("tally"))
    emit_with_tally(ctx, out, tally)


def cmd_in(ctx: Context) -> int:
    from core import external
    a = ctx.args
    with ctx.uow() as uow:
        out = external.import_agency_file(uow, ctx.actor(uow), _practice_id(ctx, uow), a.agency, a.file, ctx.as_of,
                                          confirmed=a.yes)
    if ctx.json:
        with_tally(ctx, out)
        return 0
    mismatches = out.pop("mismatches", None)
    with_tally(ctx, out)
    if mismatches:
        print(f"{len(mismatches)} discrepancies:")
        for m in mismatches:
            print(f"  {m}")
    return 0
