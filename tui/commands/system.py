"""recoup init, recoup verify, recoup demo."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from core.errors import counted
from core.limits import PAGE_AFTER, Limit
from tui.commands.context import Context, add_command, add_out_option
from tui.commands.options import whole

OFFICE_ENCOUNTERS = Limit(10, 20_000_000)   # db.demo_office checks the same (at least 10 a practice)
OFFICE_PRACTICES = Limit(1, 99)


def register(sub: Any) -> None:
    add_command(sub, "init", cmd_init, "create the database, or upgrade it to this version")
    p = add_command(sub, "verify", cmd_verify,
                    "check that every balance follows from the transactions and the audit chain is intact")
    p.add_argument("--all-problems", action="store_true", help="list every problem, not the first 20 per check")
    p.add_argument("--anchor", type=Path, metavar="FILE|FOLDER",
                   help="also check that the audit chain still reaches the anchors in FILE ('recoup audit anchor'), "
                        "or every anchor of this database in FOLDER (written after each batch, $RECOUP_ANCHORS)")
    p = add_command(sub, "demo", cmd_demo, "create the demo database (and open it)")
    p.add_argument("--size", choices=("small", "medium", "large", "office"), default="small",
                   help="small (a few hundred encounters), medium, large (1,000,000 encounters), or office (a "
                        "billing office: 20 practices sharing 2,000,000 encounters, set up for the nightly and "
                        "nothing run yet; --encounters and --practices change its shape)")
    p.add_argument("--encounters", type=whole(OFFICE_ENCOUNTERS), metavar="N",
                   help="with --size office: the encounters shared by its practices (default 2,000,000)")
    p.add_argument("--practices", type=whole(OFFICE_PRACTICES), metavar="N",
                   help="with --size office: how many practices (default 20)")
    p.add_argument("--no-tui", action="store_true", help="only create the data; do not open the application")
    p.add_argument("--seed", type=whole(PAGE_AFTER), default=7, help=argparse.SUPPRESS)
    add_out_option(p)


def cmd_init(ctx: Context) -> int:
    from db.engine import shown_url
    ctx.may_create = True
    new = ctx.init_database()
    where = shown_url(ctx.url)
    print(f"{'Created' if new else 'Upgraded'} {where}; {ctx.login} may sign in.")
    return 0


def cmd_verify(ctx: Context) -> int:
    from core.verify import PROBLEMS_SHOWN, verify
    path: Path | None = ctx.args.anchor
    anchors = None if path is None or path.is_dir() else _anchors(path)
    newest = None
    with ctx.uow(write=False) as uow:
        ctx.actor(uow)
        if path is not None and path.is_dir():
            from core import anchors as anchor_files
            anchors, newest = anchor_files.in_folder(uow, path)
        checks = verify(uow, anchors)
    ok = all(c.ok for c in checks)
    if ctx.json:
        ctx.emit_object({"ok": ok, "checks": [
            {"name": c.name, "description": c.description, "checked": c.checked,
             "problems": len(c.problems), "details": c.problems} for c in checks]})
        return 0 if ok else 1
    for c in checks:
        print(f"{'ok  ' if c.ok else 'FAIL'} {c.name}: {c.checked} checked, {counted(len(c.problems), 'problem')}")
        shown = c.problems if ctx.args.all_problems else c.problems[:PROBLEMS_SHOWN]
        for problem in shown:
            print(f"     {problem}")
        if len(shown) < len(c.problems):
            print(f"     ... and {len(c.problems) - len(shown)} more (--all-problems)")
    if newest is not None:
        print(f"     anchors from {path} (newest: {newest.name})")
    print("verify: all checks passed" if ok else "verify: PROBLEMS FOUND")
    return 0 if ok else 1


def _anchors(path: Path | None) -> list[Any] | None:
    from core import audit
    from core.errors import BadInput
    if path is None:
        return None
    try:
        lines = path.read_text().splitlines()
    except OSError:
        raise BadInput(f"anchor: {path} cannot be read", field="anchor") from None
    return audit.parse_anchors(lines, str(path))


def cmd_demo(ctx: Context) -> int:
    from db.demo import build_demo
    ctx.may_create = True
    ctx.ensure_schema()
    if ctx.args.size == "office":
        from db.demo_office import ENCOUNTERS, PRACTICES, build_office
        report = build_office(ctx.engine, ctx.login, ctx.as_of, ctx.args.encounters or ENCOUNTERS,
                              ctx.args.practices or PRACTICES, seed=ctx.args.seed)
    elif ctx.args.encounters or ctx.args.practices:
        from core.errors import BadInput
        raise BadInput("--encounters and --practices shape the office demo only (--size office)", field="size")
    else:
        report = build_demo(ctx.engine, ctx.login, ctx.as_of, size=ctx.args.size, seed=ctx.args.seed,
                            folder=ctx.agency_folder())
    print(report)
    if ctx.args.no_tui:
        return 0
    from tui.commands.app import open_app
    return open_app(ctx)
