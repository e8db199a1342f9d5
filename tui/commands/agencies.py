"""recoup agencies add | update | remove | rules | list | profile: Collections Admin -> External
Collections (SPEC 5) and the agency profiles (SPEC 7), for scripts and support staff (admins).

Names and flags of add/update/remove, rules and list are the automation contract of SPEC 10.
"""

from __future__ import annotations

import argparse
from typing import Any

from tui.commands.context import Context, add_group, add_practice_command
from tui.commands.options import amount

RULES = (("account-level", "account_level", "apply the payment exclusions at the account level"),
         ("returned-mail", "returned_mail", "roll accounts flagged as returned mail to external collections"),
         ("reassign", "reassign", "automatically reassign external accounts to the appropriate agency"),
         ("reage-denied", "reage_denied", "re-age a denied pending line (its age restarts at 0)"),
         ("by-dos", "by_dos", "move all procedures of the same DOS and case into external collections"))


def register(sub: Any) -> None:
    ag = add_group(sub, "agencies", "external collection agencies: assignment table, exclusions and rules, profiles")
    for name, handler, help in (("add", cmd_add, "add an agency to the assignment table (Alt+D)"),
                                ("update", cmd_update, "change an agency's row of the assignment table (Alt+U)"),
                                ("remove", cmd_remove, "remove an agency from the assignment table (Alt+R)")):
        p = add_practice_command(ag, name, handler, help)
        p.add_argument("--agency", required=True, metavar="ID")
        if name == "remove":
            p.add_argument("--yes", action="store_true", help="confirm the validation warning")
            continue
        p.add_argument("--balance-gt", type=amount, metavar="AMOUNT",
                       help="Balance Greater Than (blank with an age: 0.00)")
        p.add_argument("--age-gt", metavar="DAYS", help="Age Greater Than, in days")
        _switch(p, "auto-approve", "post selected lines automatically (Auto Approve)", name == "update")
        _switch(p, "auto-file", "create the agency's file automatically (Auto Create File)", name == "update")
        if name == "update":
            p.add_argument("--manual", action="store_true", help="clear both thresholds: manual selection only")
    _rules(ag)
    add_practice_command(ag, "list", cmd_list, "the assignment table of a practice")
    _profile(ag)


def _switch(p: argparse.ArgumentParser, flag: str, help: str, twin: bool = True) -> None:
    dest = flag.replace("-", "_")
    p.add_argument(f"--{flag}", dest=dest, action="store_true", default=None, help=help)
    if twin:
        p.add_argument(f"--no-{flag}", dest=dest, action="store_false", help="turn it off")


def _rules(ag: Any) -> None:
    p = add_practice_command(ag, "rules", cmd_rules,
                             "payment exclusions and rules (flags given turn on, --no-X turns off); "
                             "with no flags, show them")
    p.add_argument("--exclude-days", metavar="N", help="payment made within N days (turns exclusions on)")
    p.add_argument("--exclude-min", type=amount, metavar="AMOUNT", help="payment dollar minimum")
    p.add_argument("--exclude-pct", metavar="P", help="payment percentage minimum of the outstanding balance")
    p.add_argument("--no-exclude", action="store_true", help="turn the payment exclusions off")
    p.add_argument("--no-exclude-min", action="store_true", help="clear the dollar minimum")
    p.add_argument("--no-exclude-pct", action="store_true", help="clear the percentage minimum")
    for flag, _, help in RULES:
        _switch(p, flag, help)


def _profile(ag: Any) -> None:
    p = add_practice_command(ag, "profile", cmd_profile, "create an agency or change its profile (SPEC 7)")
    p.add_argument("--agency", required=True, metavar="ID")
    p.add_argument("--name")
    p.add_argument("--contact")
    p.add_argument("--fee", metavar="P", help="the agency's fee, percent of what it collects")
    p.add_argument("--format", choices=("xlsx", "csv"))
    p.add_argument("--columns", metavar="KEY,KEY,...", help="the columns it receives (default: minimum necessary)")
    p.add_argument("--baa-signed", metavar="YYYY-MM-DD",
                   help="date the business associate agreement was signed ('none': no agreement on file)")


def _practice_id(ctx: Context, uow: Any) -> int:
    from core.external import find_practice
    from core.models.base import saved_id
    return saved_id(find_practice(uow, ctx.args.practice))


def _money(text: str | None, option: str) -> int | None:
    from core import money
    from core.errors import BadInput
    try:
        return money.parse_optional(text)
    except money.AmountError as exc:
        raise BadInput(f"{option}: {exc}", field=option.replace("-", "_")) from None


def _days(text: str | None, option: str) -> int | None:
    """A number of days; blank means "none" (no age threshold, no exclusion window)."""
    from core.limits import DAYS
    if text is None or not text.strip():
        return None
    return DAYS.parse(text, option.replace("-", "_"))


def _row(ctx: Context, r: Any) -> dict[str, Any]:
    from core.money import format_plain
    return {"agency": r.agency, "name": r.name,
            "balance_gt": None if r.balance_gt_cents is None else format_plain(r.balance_gt_cents),
            "age_gt": r.age_gt, "auto_approve": r.auto_approve, "auto_file": r.auto_file}


COLUMNS = ["agency", "name", "balance_gt", "age_gt", "auto_approve", "auto_file"]


def _show(ctx: Context, uow: Any, pid: int, agency: str) -> None:
    from core import external
    rows = [_row(ctx, r) for r in external.assignments(uow, pid) if r.agency == agency]
    ctx.emit_object(rows[0] if rows else {"agency": agency, "removed": True})


def cmd_add(ctx: Context) -> int:
    from core import external
    a = ctx.args
    with ctx.uow() as uow:
        pid = _practice_id(ctx, uow)
        entry = external.Assignment(a.agency, _money(a.balance_gt, "balance-gt"), _days(a.age_gt, "age-gt"),
                                    bool(a.auto_approve), bool(a.auto_file))
        external.add_assignment(uow, ctx.actor(uow), pid, entry, ctx.as_of)
        _show(ctx, uow, pid, a.agency)
    return 0


def cmd_update(ctx: Context) -> int:
    from core import external
    a = ctx.args
    changes: dict[str, Any] = {}
    if a.manual:
        changes.update(balance_gt_cents=None, age_gt=None, auto_approve=False, auto_file=False)
    if a.balance_gt is not None:
        changes["balance_gt_cents"] = _money(a.balance_gt, "balance-gt")
    if a.age_gt is not None:
        changes["age_gt"] = _days(a.age_gt, "age-gt")
    for flag in ("auto_approve", "auto_file"):
        if getattr(a, flag) is not None:
            changes[flag] = getattr(a, flag)
    with ctx.uow() as uow:
        pid = _practice_id(ctx, uow)
        external.update_assignment(uow, ctx.actor(uow), pid, a.agency, ctx.as_of, **changes)
        _show(ctx, uow, pid, a.agency)
    return 0


def cmd_remove(ctx: Context) -> int:
    from core import external
    with ctx.uow() as uow:
        pid = _practice_id(ctx, uow)
        external.remove_assignment(uow, ctx.actor(uow), pid, ctx.args.agency, ctx.as_of, ctx.args.yes)
    ctx.emit_object({"agency": ctx.args.agency, "removed": True})
    return 0


def cmd_list(ctx: Context) -> int:
    from core import external
    with ctx.uow(write=False) as uow:
        ctx.actor(uow)
        rows = [_row(ctx, r) for r in external.assignments(uow, _practice_id(ctx, uow))]
    ctx.emit(rows, COLUMNS)
    return 0


def _rule_changes(ctx: Context) -> dict[str, Any]:
    from core import external
    a = ctx.args
    changes: dict[str, Any] = {}
    if a.no_exclude:
        changes.update(exclude_days=None, exclude_min_cents=None, exclude_pct_bp=None)
    if a.no_exclude_min:
        changes["exclude_min_cents"] = None
    if a.no_exclude_pct:
        changes["exclude_pct_bp"] = None
    if a.exclude_days is not None:
        changes["exclude_days"] = _days(a.exclude_days, "exclude-days")
    if a.exclude_min is not None:
        changes["exclude_min_cents"] = _money(a.exclude_min, "exclude-min")
    if a.exclude_pct is not None:
        changes["exclude_pct_bp"] = (external.parse_percent(a.exclude_pct, "exclude_pct") if a.exclude_pct.strip()
                                     else None)
    for _, dest, _ in RULES:
        if getattr(a, dest) is not None:
            changes[dest] = getattr(a, dest)
    return changes


def cmd_rules(ctx: Context) -> int:
    from core import external
    changes = _rule_changes(ctx)
    with ctx.uow(write=bool(changes)) as uow:
        actor = ctx.actor(uow)
        pid = _practice_id(ctx, uow)
        row = (external.update_rules(uow, actor, pid, ctx.as_of, changes) if changes
               else external.settings(uow, pid))
        out = external.settings_dict(row)
    ctx.emit_object(out)
    return 0


def cmd_profile(ctx: Context) -> int:
    from core import external
    from core.clock import parse_date
    from core.exchange import agency_files
    a = ctx.args
    clear_baa = (a.baa_signed or "").lower() == "none"
    baa = parse_date(a.baa_signed, "baa-signed") if a.baa_signed and not clear_baa else None
    fee = external.parse_percent(a.fee, "fee", allow_zero=True) if a.fee else None
    with ctx.uow() as uow:
        ag = agency_files.save_agency(uow, ctx.actor(uow), _practice_id(ctx, uow), a.agency, ctx.as_of, name=a.name,
                               file_format=a.format, columns=a.columns, contact=a.contact, baa_signed=baa,
                               fee_bp=fee, clear_baa=clear_baa)
        out = {"agency": ag.source_id, "name": ag.name, "contact": ag.contact,
               "fee": external.format_percent(ag.fee_bp), "format": ag.file_format,
               "columns": ",".join(agency_files.profile_columns(ag)), "baa_signed": ag.baa_signed}
    ctx.emit_object(out)
    return 0
