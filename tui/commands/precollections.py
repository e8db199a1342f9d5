"""recoup precollections add | list | set-action | apply | explain | spreadsheet | to-collections |
agency | employer-collections: the Pre-Collections workflow (SPEC 3) for scripts and support staff.

Names and JSON fields of add, list, set-action and apply are the automation contract of SPEC 10.
Anything that changes state or money prints its validation warning and exits 3 unless --yes.
"""

from __future__ import annotations

import argparse
from typing import Any

from core.limits import COUNT, DAYS, LIMIT, NUMBER, PAGE_AFTER
from tui.commands.context import Context, add_group, add_out_option, add_practice_command
from tui.commands.options import amount, number_list, whole

ACTION_CHOICES = ("send-to-collections", "remove", "write-off", "remove-from-pending", "send-to-agency",
                  "remove-from-collections")
STATE_NAMES = {"pre": "pre", "not-sent": "not_sent", "sent": "sent"}
MONEY_OPTIONS = ("guarantor-balance-min", "guarantor-balance-max", "encounter-balance-min", "encounter-balance-max")


def register(sub: Any) -> None:
    pc = add_group(sub, "precollections", "Pre-Collections: build the list, set and apply actions, agency files")
    _add(pc)
    _list(pc)
    p = add_practice_command(pc, "set-action", cmd_set_action,
                             "store an action on tasks (it changes nothing else until apply)")
    p.add_argument("action", choices=(*ACTION_CHOICES, "clear"), help="the action ('clear' removes it)")
    p.add_argument("--tasks", required=True, type=number_list(NUMBER), metavar="N,N,...", help="task numbers")
    p = add_practice_command(pc, "apply", cmd_apply, "apply every set action (or only ACTION), selected or not")
    p.add_argument("action", nargs="?", choices=ACTION_CHOICES, help="only this action")
    p.add_argument("--agency", metavar="ID", help="the agency for Send to Sent to Agency (and Send to Collections)")
    _out_yes(p)
    p = add_practice_command(pc, "explain", cmd_explain, "why an encounter is or is not on the list")
    p.add_argument("encounter", metavar="ENCOUNTER", help="the encounter number")
    p = add_practice_command(pc, "spreadsheet", cmd_spreadsheet,
                             "write the Not Sent items of an agency to its spreadsheet")
    p.add_argument("--agency", required=True, metavar="ID")
    p.add_argument("--update-as-sent", action="store_true",
                   help="move them to In Collections/Sent with one batch number")
    _out_yes(p)
    p = add_practice_command(pc, "to-collections", cmd_to_collections,
             "send one encounter, or all of a patient's open encounters, straight to collections")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--encounter", metavar="ID")
    who.add_argument("--guarantor", metavar="ID")
    p.add_argument("--yes", action="store_true", help="confirm the validation warning")
    _agency_profile(pc)
    p = add_practice_command(pc, "employer-collections", cmd_employer,
                             "activate or deactivate Employer Collections (support only)")
    p.add_argument("switch", choices=("on", "off"))


def _out_yes(p: argparse.ArgumentParser) -> None:
    add_out_option(p)
    p.add_argument("--yes", action="store_true", help="confirm the validation warning")


def _add(pc: Any) -> None:
    p = add_practice_command(pc, "add", cmd_add,
                             "Add Pre-Collection Tasks: add matching encounters (--clear: rebuild the list)")
    for name in MONEY_OPTIONS:
        p.add_argument(f"--{name}", type=amount, metavar="AMOUNT")
    p.add_argument("--age-min", type=whole(DAYS), metavar="DAYS", help="balance age >= DAYS")
    p.add_argument("--dunning-min", type=whole(COUNT), metavar="N", help="dunning message count >= N")
    p.add_argument("--statement-profile", metavar="PROFILE")
    p.add_argument("--encounter", metavar="ID", help="only this encounter")
    p.add_argument("--guarantor", metavar="ID", help="only this guarantor's encounters")
    p.add_argument("--balance-for", choices=("patient", "employer"))
    p.add_argument("--separate-by", choices=("encounter", "guarantor"), default="encounter")
    p.add_argument("--clear", action="store_true", help="clear the current Pre-Collection Tasks first")
    p.add_argument("--yes", action="store_true", help="confirm the validation warning")


def _list(pc: Any) -> None:
    p = add_practice_command(pc, "list", cmd_list, "the tasks on the list, through the filter criteria")
    p.add_argument("--state", choices=tuple(STATE_NAMES))
    for name in ("balance-min", "balance-max", "guarantor-balance-min", "guarantor-balance-max", "escrow-min"):
        p.add_argument(f"--{name}", type=amount, metavar="AMOUNT")
    p.add_argument("--age-min", type=whole(DAYS), metavar="DAYS")
    p.add_argument("--dunning-min", type=whole(COUNT), metavar="N")
    p.add_argument("--statement-profile", metavar="PROFILE")
    p.add_argument("--guarantor", metavar="ID")
    p.add_argument("--action", choices=ACTION_CHOICES)
    p.add_argument("--after", type=whole(PAGE_AFTER), metavar="TASK", help="only tasks numbered after TASK (paging)")
    p.add_argument("--limit", type=whole(LIMIT), metavar="N")


def _agency_profile(pc: Any) -> None:
    p = add_practice_command(pc, "agency", cmd_agency, "create an agency or change its file profile (admins)")
    p.add_argument("--agency", required=True, metavar="ID")
    p.add_argument("--name")
    p.add_argument("--format", choices=("xlsx", "csv"))
    p.add_argument("--columns", metavar="KEY,KEY,...", help="the columns it receives (default: minimum necessary)")
    p.add_argument("--contact")
    p.add_argument("--baa-signed", metavar="YYYY-MM-DD", help="date the business associate agreement was signed")


def _money(ctx: Context, option: str) -> int | None:
    from core import money
    from core.errors import BadInput
    text = getattr(ctx.args, option.replace("-", "_"), None)
    try:
        return money.parse_optional(text)
    except money.AmountError as exc:
        raise BadInput(f"{option}: {exc}", field=option) from None


def _practice_id(ctx: Context, uow: Any) -> int:
    from core.models.base import saved_id
    from core.practices import find_practice
    return saved_id(find_practice(uow, ctx.args.practice))


def cmd_add(ctx: Context) -> int:
    from core import precollections as pc
    from core.money import format_plain
    from core.precollections.criteria import Criteria
    from tui.commands.runs import emit_with_tally
    a = ctx.args
    criteria = Criteria(guarantor_balance_min=_money(ctx, "guarantor-balance-min"),
                        guarantor_balance_max=_money(ctx, "guarantor-balance-max"),
                        encounter_balance_min=_money(ctx, "encounter-balance-min"),
                        encounter_balance_max=_money(ctx, "encounter-balance-max"),
                        age_min=a.age_min, dunning_min=a.dunning_min,
                        statement_profile=a.statement_profile, encounter=a.encounter, guarantor=a.guarantor,
                        balance_for=a.balance_for, separate_by=a.separate_by)
    with ctx.uow() as uow:
        r = pc.add_tasks(uow, ctx.actor(uow), _practice_id(ctx, uow), criteria, ctx.as_of, clear=a.clear,
                         confirmed=a.yes)
    emit_with_tally(ctx, {"added": r.added, "returned": r.returned, "dropped": r.dropped,
                          "actions_cleared": r.actions_cleared, "pre": r.on_list, "dollars": format_plain(r.dollars),
                          "balance_for": r.balance_for}, r.tally)
    return 0


def cmd_list(ctx: Context) -> int:
    from core import precollections as pc
    from core.money import format_plain
    from core.precollections.criteria import TaskFilter
    a = ctx.args
    filt = TaskFilter(states=(STATE_NAMES[a.state],) if a.state else ("pre", "not_sent", "sent"),
                      guarantor_balance_min=_money(ctx, "guarantor-balance-min"),
                      guarantor_balance_max=_money(ctx, "guarantor-balance-max"),
                      balance_min=_money(ctx, "balance-min"), balance_max=_money(ctx, "balance-max"),
                      escrow_min=_money(ctx, "escrow-min"), age_min=a.age_min, dunning_min=a.dunning_min,
                      statement_profile=a.statement_profile, guarantor=a.guarantor, action=a.action)
    with ctx.uow(write=False) as uow:
        rows = pc.list_tasks(uow, ctx.actor(uow), _practice_id(ctx, uow), ctx.as_of, filt, a.after, a.limit)
    names = {v: k for k, v in STATE_NAMES.items()}
    ctx.emit([{"task": r.task, "encounter": r.encounter, "guarantor": r.guarantor,
               "balance": format_plain(r.balance_cents), "state": names[r.state], "action": r.action}
              for r in rows], ["task", "encounter", "guarantor", "balance", "state", "action"])
    return 0


def cmd_set_action(ctx: Context) -> int:
    from core import precollections as pc
    tasks = ctx.args.tasks
    action = None if ctx.args.action == "clear" else ctx.args.action
    with ctx.uow() as uow:
        n = pc.set_action(uow, ctx.actor(uow), _practice_id(ctx, uow), action, ctx.as_of, tasks=tasks)
    ctx.emit_object({"tasks": n, "action": action})
    return 0


def _report(ctx: Context, r: Any) -> None:
    from core.errors import counted
    from core.money import format_display, format_plain
    if not r.lines:
        ctx.emit_object({"applied": [], "message": "nothing to apply: no task has that action set"})
        return
    f = r.file
    out = {"run": r.run_id, "batch": r.batch_no,
           "applied": [{"count": ln.count, "dollars": format_plain(ln.cents or 0), "text": ln.text} for ln in r.lines],
           "file": None if f is None else {"path": f.path, "rows": f.rows, "dollars": format_plain(f.total_cents),
                                           "sha256": f.sha256}}
    if ctx.json:
        ctx.emit_object(out)
        return
    for ln in r.lines:
        print(f"{counted(ln.count, ln.noun, ln.plural)} {ln.text.replace('will be ', '')}, "
              f"{format_display(ln.cents or 0, symbol=True)}")
    if r.batch_no is not None:
        print(f"batch {r.batch_no}")
    if f is not None:
        print(f"file {f.path}: {counted(f.rows, 'row')}, {format_display(f.total_cents, symbol=True)}, "
              f"sha256 {f.sha256}")


def cmd_apply(ctx: Context) -> int:
    from core import precollections as pc
    a = ctx.args
    with ctx.uow() as uow:
        r = pc.apply(uow, ctx.actor(uow), _practice_id(ctx, uow), ctx.as_of, a.action, a.agency,
                     ctx.agency_folder(), a.yes)
    _report(ctx, r)
    return 0


def cmd_spreadsheet(ctx: Context) -> int:
    from core import precollections as pc
    a = ctx.args
    with ctx.uow() as uow:
        r = pc.create_spreadsheet(uow, ctx.actor(uow), _practice_id(ctx, uow), a.agency, ctx.as_of, ctx.agency_folder(),
                                  a.update_as_sent, a.yes)
    _report(ctx, r)
    return 0


def cmd_to_collections(ctx: Context) -> int:
    from core import precollections as pc
    a = ctx.args
    with ctx.uow() as uow:
        r = pc.send_to_collections(uow, ctx.actor(uow), _practice_id(ctx, uow), ctx.as_of,
                                   encounter=a.encounter, guarantor=a.guarantor, confirmed=a.yes)
    _report(ctx, r)
    return 0


def cmd_explain(ctx: Context) -> int:
    from core import precollections as pc
    from core.money import format_plain
    with ctx.uow(write=False) as uow:
        x = pc.explain(uow, ctx.actor(uow), _practice_id(ctx, uow), ctx.args.encounter, ctx.as_of)

    def show(label: str, value: Any) -> Any:
        return format_plain(value) if label in x.money and isinstance(value, int) else value
    checks = [{"criterion": c.criterion, "actual": show(c.criterion, c.actual),
               "threshold": show(c.criterion, c.threshold), "pass": c.passed} for c in x.checks]
    if ctx.json:
        ctx.emit_object({"encounter": x.encounter, "task": x.task, "state": x.state, "on_list": x.on_list,
                         "last_build": x.built, "verdict": x.verdict, "criteria": checks})
        return 0
    print(f"encounter {x.encounter}: {x.verdict}")
    print("last list build: " + (x.built.isoformat() if x.built else "none yet (only the basic rules apply)"))
    ctx.emit([{**c, "pass": "pass" if c["pass"] else "FAIL"} for c in checks],
             ["criterion", "actual", "threshold", "pass"])
    return 0


def cmd_agency(ctx: Context) -> int:
    from core.clock import parse_date
    from core.exchange import agency_files
    a = ctx.args
    baa = parse_date(a.baa_signed, "baa-signed") if a.baa_signed else None
    with ctx.uow() as uow:
        ag = agency_files.save_agency(uow, ctx.actor(uow), _practice_id(ctx, uow), a.agency, ctx.as_of, name=a.name,
                               file_format=a.format, columns=a.columns, contact=a.contact, baa_signed=baa)
        profile = {"agency": ag.source_id, "name": ag.name, "format": ag.file_format,
                   "columns": ",".join(agency_files.profile_columns(ag)), "contact": ag.contact,
                   "baa_signed": ag.baa_signed}
    ctx.emit_object(profile)
    return 0


def cmd_employer(ctx: Context) -> int:
    from core import precollections as pc
    with ctx.uow() as uow:
        practice = pc.set_employer_collections(uow, ctx.actor(uow), _practice_id(ctx, uow),
                                               ctx.args.switch == "on", ctx.as_of)
        out = {"practice": practice.source_id, "employer_collections": practice.employer_collections}
    ctx.emit_object(out)
    return 0
