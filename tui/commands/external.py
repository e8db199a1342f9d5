"""recoup external run | list | select | approve | deny | assign | reverse | reassign | file |
preview | files | sent | returns: the external collections workflow (SPEC 5 and 7).

`run` and `list` (with its JSON fields line, encounter, guarantor, agency, state, balance) are the
automation contract of SPEC 10. Anything that changes state or money prints its validation
warning and exits 3 unless --yes.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from core.limits import LIMIT, NUMBER, PAGE_AFTER
from tui.commands.context import Context, add_group, add_out_option, add_practice_command
from tui.commands.options import whole

LIST_COLUMNS = ["line", "encounter", "guarantor", "agency", "state", "balance"]


def register(sub: Any) -> None:
    ex = add_group(sub, "external", "external collections: the nightly run, Pending, Posted, Files, returns")
    p = add_practice_command(ex, "run", cmd_run, "the nightly external collections run for the business date")
    add_out_option(p)
    from tui.commands.runclaim import CLAIM_HELP
    p.epilog = CLAIM_HELP
    p = add_practice_command(ex, "list", cmd_list, "lines in external collections")
    p.add_argument("--state", choices=("pending", "posted", "filed"))
    p.add_argument("--agency", metavar="ID")
    p.add_argument("--after", type=whole(PAGE_AFTER), metavar="N", help="only placements numbered after N (paging)")
    p.add_argument("--limit", type=whole(LIMIT), metavar="N")
    p = add_practice_command(ex, "select", cmd_select, "put lines into Pending by hand")
    p.add_argument("--lines", required=True, metavar="ID,ID,...", help="service line ids")
    p.add_argument("--agency", metavar="ID")
    _yes(p)
    for name, handler, help, agency in (
            ("approve", cmd_approve, "Pending: post lines to external collections (A/R -> collections)", "optional"),
            ("deny", cmd_deny, "Pending: deny lines (back to active A/R; re-aged if the rule is on)", None),
            ("assign", cmd_assign, "Pending: assign or change the agency", "required"),
            ("reverse", cmd_reverse, "Posted: reverse lines back to active A/R", None),
            ("reassign", cmd_reassign, "Posted: reassign lines to another agency", "required")):
        p = add_practice_command(ex, name, handler, help)
        who = p.add_mutually_exclusive_group(required=True)
        who.add_argument("--lines", metavar="ID,ID,...", help="service line ids")
        who.add_argument("--all", action="store_true", help="every line in the starting state")
        if agency:
            p.add_argument("--agency", required=agency == "required", metavar="ID")
        _yes(p)
    _files(ex)


def _files(ex: Any) -> None:
    p = add_practice_command(ex, "file", cmd_file, "Files: create an agency's file of its posted lines")
    p.add_argument("--agency", required=True, metavar="ID")
    add_out_option(p)
    _yes(p)
    p = add_practice_command(ex, "preview", cmd_preview, "Files: the rows of an agency's next file (or of --batch N)")
    p.add_argument("--agency", required=True, metavar="ID")
    p.add_argument("--batch", type=whole(NUMBER), metavar="N")
    p.add_argument("--limit", type=whole(LIMIT), metavar="N")
    add_practice_command(ex, "files", cmd_files, "Files: the external collections files made")
    p = add_practice_command(ex, "sent", cmd_sent, "Files: mark a batch as sent to its agency")
    p.add_argument("--batch", type=whole(NUMBER), required=True, metavar="N")
    _yes(p)
    p = add_practice_command(ex, "returns", cmd_returns,
                             "import an agency's returns file (payments, recalls, closed accounts)")
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--agency", metavar="ID", help="the agency it must come from (default: its header's)")
    _yes(p)


def _yes(p: argparse.ArgumentParser) -> None:
    p.add_argument("--yes", action="store_true", help="confirm the validation warning")


def _practice_id(ctx: Context, uow: Any) -> int:
    from core.external import find_practice
    from core.models.base import saved_id
    return saved_id(find_practice(uow, ctx.args.practice))


def _lines(ctx: Context) -> list[str] | None:
    from core.errors import BadInput
    if getattr(ctx.args, "all", False):
        return None
    refs = [r.strip() for r in ctx.args.lines.split(",") if r.strip()]
    if not refs:
        raise BadInput("lines: give line ids like L1,L2 (or --all)", field="lines")
    return refs


def run_external(ctx: Context, practice: str | None, refused: list[str] | None = None,
                 tallies: list[Any] | None = None) -> list[dict[str, Any]]:
    """The run for one practice or every practice with external collections on (also for nightly);
    a practice refused for a date behind its latest run is added to `refused` (see runclaim.claimed)."""
    from core.models.base import saved_id
    from core.practices import due_practices, find_practice
    from tui.commands.runclaim import claimed
    from tui.commands.runs import tally_field
    with ctx.uow(write=False) as uow:
        ctx.actor(uow)
        found = ([(saved_id(find_practice(uow, practice)), practice)] if practice is not None
                 else [(p.id, p.source_id) for p in due_practices(uow, "external")])
    rows = []
    for pid, source in found:
        r, already = claimed(ctx, int(pid), "external", refused)
        if already is not None:
            rows.append({"practice": source, "run": None, "date": ctx.as_of.isoformat(), "already": already})
            continue
        row: dict[str, Any] = {"practice": r.practice, "run": r.run_id, "date": r.business_date.isoformat()}
        for step, (n, _) in r.steps.items():
            row[step] = n
        row.update({f"{s}_dollars": v["dollars"] for s, v in r.as_dict()["steps"].items()})
        row["files"] = [f["path"] for f in r.files]
        row["tally"] = tally_field(ctx, r.tally)
        if tallies is not None:
            tallies.append(r.tally)
        rows.append(row)
    return rows


def cmd_run(ctx: Context) -> int:
    from tui.commands.runclaim import exit_status
    from tui.commands.runs import print_tallies
    refused: list[str] = []
    found: list[Any] = []
    rows = [r for r in run_external(ctx, ctx.args.practice, refused, found) if "already" not in r]
    ctx.emit(rows, ["practice", "run", "date", "release", "select", "select_dollars", "post", "post_dollars",
                    "file", "file_dollars", "reassign", "files", "tally"])
    print_tallies(ctx, found)
    return exit_status(refused)


def cmd_list(ctx: Context) -> int:
    from core import external
    from core.money import format_plain
    a = ctx.args
    states = (a.state,) if a.state else ("pending", "posted", "filed")
    with ctx.uow(write=False) as uow:
        rows = external.list_placements(uow, ctx.actor(uow), _practice_id(ctx, uow), ctx.as_of, states, a.agency,
                                        a.after, a.limit)
    ctx.emit([{"line": r.line, "encounter": r.encounter, "guarantor": r.guarantor, "agency": r.agency,
               "state": r.state, "balance": format_plain(r.balance_cents)} for r in rows], LIST_COLUMNS)
    return 0


def _act(ctx: Context, fn: Any, **kw: Any) -> int:
    with ctx.uow() as uow:
        out = fn(uow, ctx.actor(uow), _practice_id(ctx, uow), ctx.as_of, confirmed=ctx.args.yes, **kw)
    ctx.emit_object(out)
    return 0


def cmd_select(ctx: Context) -> int:
    from core import external
    return _act(ctx, external.select_manual, lines=_lines(ctx), agency=ctx.args.agency)


def cmd_approve(ctx: Context) -> int:
    from core import external
    return _act(ctx, external.approve, lines=_lines(ctx), agency=ctx.args.agency)


def cmd_deny(ctx: Context) -> int:
    from core import external
    return _act(ctx, external.deny, lines=_lines(ctx))


def cmd_assign(ctx: Context) -> int:
    from core import external
    return _act(ctx, external.assign, lines=_lines(ctx), agency=ctx.args.agency)


def cmd_reverse(ctx: Context) -> int:
    from core import external
    return _act(ctx, external.reverse, lines=_lines(ctx))


def cmd_reassign(ctx: Context) -> int:
    from core import external
    return _act(ctx, external.reassign, lines=_lines(ctx), agency=ctx.args.agency)


def cmd_file(ctx: Context) -> int:
    from core import external
    a = ctx.args
    with ctx.uow() as uow:
        out = external.create_file(uow, ctx.actor(uow), _practice_id(ctx, uow), a.agency, ctx.as_of,
                                   ctx.agency_folder(), a.yes)
    ctx.emit_object(out)
    return 0


def cmd_preview(ctx: Context) -> int:
    from core import external
    from core.money import format_plain
    a = ctx.args
    with ctx.uow(write=False) as uow:
        rows = external.preview(uow, ctx.actor(uow), _practice_id(ctx, uow), a.agency, a.batch, a.limit)
    ctx.emit([{"placement": r.placement, "line": r.line, "encounter": r.encounter, "guarantor": r.guarantor,
               "name": r.name, "dos": r.dos.isoformat(), "balance": format_plain(r.balance_cents)} for r in rows],
             ["placement", "line", "encounter", "guarantor", "name", "dos", "balance"])
    return 0


def cmd_files(ctx: Context) -> int:
    from core import external
    from core.money import format_plain
    with ctx.uow(write=False) as uow:
        rows = external.list_files(uow, ctx.actor(uow), _practice_id(ctx, uow))
    ctx.emit([{"batch": r.batch, "agency": r.agency, "rows": r.rows, "dollars": format_plain(r.total_cents),
               "created": r.created, "sent": r.sent_date, "sent_by": r.sent_by, "path": r.path} for r in rows],
             ["batch", "agency", "rows", "dollars", "created", "sent", "sent_by", "path"])
    return 0


def cmd_sent(ctx: Context) -> int:
    from core import external
    from core.money import format_plain
    with ctx.uow() as uow:
        r = external.mark_sent(uow, ctx.actor(uow), _practice_id(ctx, uow), ctx.args.batch, ctx.as_of, ctx.args.yes)
    ctx.emit_object({"batch": r.batch, "agency": r.agency, "rows": r.rows, "dollars": format_plain(r.total_cents),
                     "sent": r.sent_date, "sent_by": r.sent_by})
    return 0


def cmd_returns(ctx: Context) -> int:
    from core import external
    with ctx.uow() as uow:
        out = external.import_returns(uow, ctx.actor(uow), _practice_id(ctx, uow), ctx.args.agency, ctx.args.file,
                                      ctx.as_of, confirmed=ctx.args.yes)
    from tui.commands.exchange import with_tally
    with_tally(ctx, out)
    return 0
