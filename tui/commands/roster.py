"""recoup roster ... and recoup letters ...: the patient collections roster (SPEC section 6).

Practice and guarantor ids on the command line are the source ids (as imported).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from core.errors import counted
from core.limits import DAYS, NUMBER, PLAN_DAYS, SETTING_DAYS
from tui.commands.context import Context, add_command, add_group, optional_date
from tui.commands.options import amount, whole

BOOL_SETTINGS = {"auto_populate": "automatic roster population", "letters_in_notes": "letters into notes",
                 "letters_in_history": "letters into account history (0.00 adjustment)",
                 "plan_alert": "display the payment plan alert",
                 "require_letter_printed": "a status's letter must be printed before the account moves on"}
CODE_SETTINGS = {"initial_status": "initial collection status", "plan_status": "collection payment plan status",
                 "plan_failed_status": "collection payment plan failed status",
                 "nd_plan_status": "non-delinquent payment plan status",
                 "nd_plan_failed_status": "non-delinquent plan failed status",
                 "partial_status": "status for partial payment without a plan",
                 "review_status": "review-for-agency code", "approved_status": "approved-for-agency code",
                 "letter_adj_code": "adjustment code for letters", "write_off_code": "adjustment code for write-offs",
                 "fee_code": "adjustment code for the collection fee",
                 "transfer_billing_group": "billing group to transfer turned-over accounts to"}


# The settings whose model field names differ from their flags, so a refusal names the flag.
SETTING_FLAGS = {"aging_basis": "--aging", "auto_time": "--time", "min_balance_cents": "--min-balance",
                 "collection_fee_bp": "--fee-pct"}


def register(sub: Any) -> None:
    r = add_group(sub, "roster", "the patient collections roster")
    _register_status(r)
    _register_settings(r)
    _register_accounts(r)
    _register_review(r)
    _register_tables(r)
    letters = add_group(sub, "letters", "collection letters")
    p = add_command(letters, "list", cmd_letters_list, "the letter queue")
    p.add_argument("--practice", metavar="ID")
    p.add_argument("--unprinted", action="store_true", help="only letters not printed yet")
    p = add_command(letters, "print", cmd_letters_print, "print queued letters to a PDF and mark them printed")
    p.add_argument("--practice", metavar="ID")
    p.add_argument("--out", type=Path, metavar="FILE", help="the PDF to write (default letters-DATE.pdf in --out-dir)")
    p.add_argument("--out-dir", type=Path, metavar="DIR",
                   help="folder for the PDF (default: $RECOUP_ROSTER_FILES, else roster-files in the data folder)")
    p.add_argument("--yes", action="store_true",
                   help="print even when the practice profile has no address or phone (the validation warning)")


def _register_status(r: Any) -> None:
    st = add_group(r, "status", "the Collection Status Table")
    p = add_command(st, "set", cmd_status_set, "add or change a status (admins)")
    p.add_argument("code")
    p.add_argument("--practice", required=True, metavar="ID")
    p.add_argument("--description", metavar="TEXT")
    p.add_argument("--days", metavar="N", help="days to remain in the status ('none' = a dead end)")
    p.add_argument("--transfer-to", metavar="CODE", help="status after those days ('none' = no transfer)")
    p.add_argument("--letter", metavar="NAME", help="letter template queued on entering ('none' = no letter)")
    p = add_command(st, "remove", cmd_status_remove, "remove a status that nothing uses (admins)")
    p.add_argument("code")
    p.add_argument("--practice", required=True, metavar="ID")
    p = add_command(st, "list", cmd_status_list, "list the Collection Status Table")
    p.add_argument("--practice", metavar="ID")


def _register_settings(r: Any) -> None:
    p = add_command(r, "settings", cmd_settings,
                    "show or change the Patient Collections Integration settings (changes: admins)")
    p.add_argument("--practice", required=True, metavar="ID")
    p.add_argument("--aging", choices=("acct", "patient"), help="age balances by accounting or patient date")
    p.add_argument("--age-to-enter", type=whole(SETTING_DAYS), metavar="DAYS",
                   help="days delinquent charges age before entering")
    p.add_argument("--time", metavar="HH:MM", help="time of the automatic population")
    p.add_argument("--min-balance", type=amount, metavar="AMOUNT", help="minimum delinquent balance to enter")
    p.add_argument("--suppress-by", choices=("account", "transaction"), help="billing group suppression by")
    p.add_argument("--transfer-charges", choices=("all", "delinquent"), help="charges written off at turnover")
    p.add_argument("--fee-pct", metavar="P", help="collection fee, percent of the amount turned over (e.g. 33.33)")
    p.add_argument("--internal-comment", metavar="TEXT", help="comment set at turnover (45 characters)")
    p.add_argument("--comment-mode", choices=("overwrite", "append"))
    p.add_argument("--next-contact-days", type=whole(SETTING_DAYS), metavar="N",
                   help="default days to next contact for a note")
    p.set_defaults(field_flags=SETTING_FLAGS)
    for name, text in BOOL_SETTINGS.items():
        p.add_argument(f"--{name.replace('_', '-')}", action=argparse.BooleanOptionalAction, default=None, help=text)
    for name, text in CODE_SETTINGS.items():
        p.add_argument(f"--{name.replace('_', '-')}", metavar="CODE", help=f"{text} ('none' clears)")


def _register_accounts(r: Any) -> None:
    p = add_command(r, "plan", cmd_plan, "set up a payment plan for a guarantor")
    _guarantor_args(p)
    p.add_argument("--amount", required=True, type=amount, metavar="AMOUNT")
    p.add_argument("--every-days", required=True, type=whole(PLAN_DAYS), metavar="N")
    p.add_argument("--start", required=True, metavar="DATE")
    p.add_argument("--non-delinquent", action="store_true", help="a plan for an account that is not past due")
    p.add_argument("--default-status", metavar="CODE", help="status if the plan fails (else the settings')")
    p.add_argument("--yes", action="store_true", help="go ahead past the warning (an installment above the balance)")
    p = add_command(r, "populate", cmd_populate, "populate the collection roster for the business date")
    p.add_argument("--practice", metavar="ID", help="one practice (default: every practice with the roster on)")
    from tui.commands.runclaim import CLAIM_HELP
    p.epilog = CLAIM_HELP
    p = add_command(r, "list", cmd_list, "accounts in the roster")
    p.add_argument("--practice", metavar="ID")
    p.add_argument("--status", metavar="CODE")
    p.add_argument("--turned-over", action="store_true", help="include accounts turned over to an agency")
    p = add_command(r, "work", cmd_work, "Work Accounts: by next contact date and status")
    p.add_argument("--practice", required=True, metavar="ID")
    p.add_argument("--status", metavar="CODE")
    p.add_argument("--due-by", metavar="DATE", help="only accounts to contact on or before DATE")
    p = add_command(r, "note", cmd_note, "add a note (next contact defaults to the setting)")
    _guarantor_args(p)
    p.add_argument("--text", required=True)
    p.add_argument("--next-contact", metavar="DATE")
    p = add_command(r, "move", cmd_move, "change an account's status by hand")
    _guarantor_args(p)
    p.add_argument("--status", required=True, metavar="CODE")
    p.add_argument("--version", type=whole(NUMBER), metavar="N",
                   help="the version you saw (refused if it changed since)")
    p = add_command(r, "dead-end", cmd_dead_end, "Dead-End Report: accounts in statuses with no transfer")
    p.add_argument("--practice", required=True, metavar="ID")


def _register_review(r: Any) -> None:
    p = add_command(r, "review", cmd_review, "Review for Turn Over report")
    p.add_argument("--practice", required=True, metavar="ID")
    for name, fn, help_ in (("approve", cmd_approve, "approve accounts in review for the agency (supervisors)"),
                            ("send-back", cmd_send_back, "send accounts in review back to a status (supervisors)")):
        p = add_command(r, name, fn, help_)
        p.add_argument("--practice", required=True, metavar="ID")
        p.add_argument("--guarantors", metavar="ID,ID,...", help="only these (default: all in review)")
        p.add_argument("--yes", action="store_true", help="go ahead without the warning")
        if name == "send-back":
            p.add_argument("--to", required=True, metavar="CODE")
    p = add_command(r, "turnover", cmd_turnover, "turn approved accounts over to the agency (supervisors)")
    p.add_argument("--practice", required=True, metavar="ID")
    p.add_argument("--agency", metavar="ID", help="the agency the accounts go to (its file is named after it)")
    p.add_argument("--guarantors", metavar="ID,ID,...", help="only these (default: all approved)")
    p.add_argument("--fee-pct", metavar="P", help="collection fee percent (default: the settings')")
    p.add_argument("--out-dir", type=Path, metavar="DIR",
                   help="folder for the agency file (default: $RECOUP_ROSTER_FILES, "
                        "else roster-files in the data folder)")
    p.add_argument("--yes", action="store_true", help="go ahead without the warning")


def _register_tables(r: Any) -> None:
    p = add_command(r, "billing-group", cmd_billing_group, "add or change a billing group (admins)")
    p.add_argument("code")
    p.add_argument("--practice", required=True, metavar="ID")
    p.add_argument("--description", metavar="TEXT")
    p.add_argument("--suppress", action=argparse.BooleanOptionalAction, default=None,
                   help="suppress collections for this group")
    p = add_command(r, "adjustment-code", cmd_adjustment_code, "add or change an adjustment code (admins)")
    p.add_argument("code")
    p.add_argument("--practice", required=True, metavar="ID")
    p.add_argument("--description", metavar="TEXT")
    p.add_argument("--kind", choices=("adjustment", "write_off", "collection_fee", "letter"))
    p = add_command(r, "letter", cmd_letter_template, "add or change a letter template (admins)")
    p.add_argument("name")
    p.add_argument("--practice", required=True, metavar="ID")
    p.add_argument("--body-file", required=True, type=Path, metavar="FILE",
                   help="the text, with merge fields such as {guarantor_name} {balance} {date}")


def _guarantor_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--guarantor", required=True, metavar="ID")
    p.add_argument("--practice", metavar="ID", help="needed only when the guarantor id is in several practices")


# --- helpers -------------------------------------------------------------------------------------

def _practice_id(uow: Any, source: str) -> int:
    from core.models.base import saved_id
    from core.practices import find_practice
    return saved_id(find_practice(uow, source))


def _guarantor_id(uow: Any, ctx: Context) -> int:
    from core.models.base import saved_id
    from core.roster import guarantor_by_source
    return saved_id(guarantor_by_source(uow, ctx.args.guarantor, ctx.args.practice))


def _guarantor_ids(uow: Any, practice_id: int, text: str | None) -> list[int] | None:
    from core.roster import guarantor_ids
    return guarantor_ids(uow, practice_id, text.split(",")) if text else None


def _percent_bp(text: str | None, field: str) -> int | None:
    """A percent option (0 to 100) as basis points; not given stays None."""
    from core.money import parse_percent
    return None if text is None else parse_percent(text, field, allow_zero=True)


def _none(text: str | None) -> Any:
    """'none' (or an empty string) on the command line clears an optional field."""
    if text is not None and text.strip().lower() in ("", "none", "-"):
        return None
    return text


# --- status table and settings -------------------------------------------------------------------

def cmd_status_set(ctx: Context) -> int:
    from core import roster
    kw: dict[str, Any] = {}
    a = ctx.args
    if a.days is not None:
        days = _none(a.days)
        kw["days"] = DAYS.parse(days, "days") if days is not None else None
    if a.transfer_to is not None:
        kw["transfer_to"] = _none(a.transfer_to)
    if a.letter is not None:
        kw["letter"] = _none(a.letter)
    with ctx.uow() as uow:
        row = roster.set_status(uow, ctx.actor(uow), _practice_id(uow, a.practice), a.code,
                                description=a.description, **kw)
        ctx.emit_object({"code": row.code, "description": row.description, "days": row.days_to_remain,
                         "transfer_to": row.transfer_to, "letter": row.letter})
    return 0


def cmd_status_remove(ctx: Context) -> int:
    from core import roster
    with ctx.uow() as uow:
        roster.remove_status(uow, ctx.actor(uow), _practice_id(uow, ctx.args.practice), ctx.args.code)
    print(f"removed status {ctx.args.code.upper()}")
    return 0


def cmd_status_list(ctx: Context) -> int:
    from core import roster
    from core.models.base import saved_id
    from core.practices import all_practices, find_practice
    with ctx.uow() as uow:
        ctx.actor(uow)
        practices = [find_practice(uow, ctx.args.practice)] if ctx.args.practice else all_practices(uow)
        rows = []
        for p in practices:
            pid = saved_id(p)
            roster.ensure_defaults(uow, pid)
            rows += [{"practice": p.source_id, "code": s.code, "description": s.description,
                      "days": s.days_to_remain, "transfer_to": s.transfer_to, "letter": s.letter}
                     for s in roster.statuses(uow, pid)]
        uow.commit()
    ctx.emit(rows, ["practice", "code", "description", "days", "transfer_to", "letter"])
    return 0


def _settings_changes(ctx: Context) -> dict[str, Any]:
    from core.errors import BadInput
    from core.money import AmountError, parse
    a = ctx.args
    changes: dict[str, Any] = {}
    simple = {"aging": "aging_basis", "age_to_enter": "age_to_enter", "time": "auto_time",
              "suppress_by": "suppress_by", "transfer_charges": "transfer_charges",
              "comment_mode": "comment_mode", "next_contact_days": "next_contact_days"}
    for arg, field in simple.items():
        if getattr(a, arg) is not None:
            changes[field] = getattr(a, arg)
    if a.min_balance is not None:
        try:
            changes["min_balance_cents"] = parse(a.min_balance)
        except AmountError as exc:
            raise BadInput(f"min-balance: {exc}", field="min_balance") from None
    if a.fee_pct is not None:
        changes["collection_fee_bp"] = _percent_bp(a.fee_pct, "fee-pct")
    if a.internal_comment is not None:
        changes["internal_comment"] = a.internal_comment or None
    for name in (*BOOL_SETTINGS, *CODE_SETTINGS):
        value = getattr(a, name)
        if value is not None:
            changes[name] = _none(value) if isinstance(value, str) else value
    return changes


def cmd_settings(ctx: Context) -> int:
    from core import roster
    from core.money import format_plain
    changes = _settings_changes(ctx)
    with ctx.uow() as uow:
        actor = ctx.actor(uow)
        pid = _practice_id(uow, ctx.args.practice)
        if changes:
            row = roster.update_settings(uow, actor, pid, changes)
        else:
            row = roster.ensure_defaults(uow, pid)
            uow.commit()
        shown = roster.settings_dict(row)
    shown["min_balance"] = format_plain(shown.pop("min_balance_cents"))
    bp = shown.pop("collection_fee_bp")
    shown["fee_pct"] = f"{bp // 100}.{bp % 100:02d}"
    ctx.emit_object(shown)
    return 0


# --- accounts ------------------------------------------------------------------------------------

def cmd_plan(ctx: Context) -> int:
    from core import roster
    from core.errors import BadInput
    from core.money import AmountError, format_plain, parse
    try:
        amount = parse(ctx.args.amount)
    except AmountError as exc:
        raise BadInput(f"amount: {exc}", field="amount") from None
    from core.clock import parse_date
    start = parse_date(ctx.args.start, "start")  # required by the parser
    with ctx.uow() as uow:
        plan = roster.set_plan(uow, ctx.actor(uow), _guarantor_id(uow, ctx), amount, ctx.args.every_days, start,
                               ctx.as_of, non_delinquent=ctx.args.non_delinquent,
                               default_status=ctx.args.default_status, confirmed=ctx.args.yes)
        ctx.emit_object({"plan": plan.id, "guarantor": ctx.args.guarantor, "kind": plan.kind,
                         "amount": format_plain(plan.amount_cents), "every_days": plan.every_days,
                         "start": plan.start_date.isoformat()})
    return 0


def cmd_populate(ctx: Context) -> int:
    from core.money import format_plain
    from core.practices import due_practices
    from tui.commands.runclaim import claimed, exit_status
    with ctx.uow(write=False) as uow:
        ctx.actor(uow)
        if ctx.args.practice:
            ids = [_practice_id(uow, ctx.args.practice)]
        else:
            ids = [p.id for p in due_practices(uow, "roster", automatic=False)]
    from tui.commands.runs import print_tallies, tally_field
    rows = []
    refused: list[str] = []
    found: list[Any] = []
    for pid in ids:
        r, already = claimed(ctx, pid, "roster", refused)
        if already is not None:
            continue
        row: dict[str, Any] = {"practice": r.practice, "run": r.run_id, "date": r.business_date.isoformat()}
        for step in ("left", "entered", "plan_failed", "partial_payment", "moved"):
            n, cents = getattr(r, step)
            row[step] = n
            row[f"{step}_dollars"] = format_plain(cents)
        row["letters"] = r.letters
        row["tally"] = tally_field(ctx, r.tally)
        found.append(r.tally)
        rows.append(row)
    ctx.emit(rows, ["practice", "run", "date", "left", "entered", "plan_failed", "partial_payment", "moved",
                    "moved_dollars", "letters", "tally"])
    print_tallies(ctx, found)
    return exit_status(refused)


def cmd_list(ctx: Context) -> int:
    from core import roster
    with ctx.uow(write=False) as uow:
        actor = ctx.actor(uow)
        pid = _practice_id(uow, ctx.args.practice) if ctx.args.practice else None
        rows = roster.roster_rows(uow, actor, pid, ctx.args.status, ctx.args.turned_over)
    ctx.emit([{k: r[k] for k in ("guarantor", "status", "since", "balance", "practice", "past_due",
                                 "next_contact", "turned_over")} for r in rows],
             ["practice", "guarantor", "status", "since", "balance", "past_due", "next_contact"])
    return 0


def cmd_work(ctx: Context) -> int:
    from core import roster
    with ctx.uow(write=False) as uow:
        rows = roster.work_list(uow, ctx.actor(uow), _practice_id(uow, ctx.args.practice), ctx.args.status,
                                optional_date(ctx.args.due_by, "due-by"))
    ctx.emit(rows, ["guarantor", "name", "status", "since", "next_contact", "past_due", "balance", "version"])
    return 0


def cmd_note(ctx: Context) -> int:
    from core import roster
    with ctx.uow() as uow:
        note = roster.add_note(uow, ctx.actor(uow), _guarantor_id(uow, ctx), ctx.args.text, ctx.as_of,
                               optional_date(ctx.args.next_contact, "next-contact"))
        ctx.emit_object({"note": note.id, "guarantor": ctx.args.guarantor, "next_contact": note.next_contact})
    return 0


def cmd_move(ctx: Context) -> int:
    from core import roster
    with ctx.uow() as uow:
        ra = roster.change_status(uow, ctx.actor(uow), _guarantor_id(uow, ctx), ctx.args.status, ctx.as_of,
                                  ctx.args.version)
        ctx.emit_object({"guarantor": ctx.args.guarantor, "status": ra.status_code, "since": ra.status_since,
                         "version": ra.version})
    return 0


def cmd_dead_end(ctx: Context) -> int:
    from core import roster
    with ctx.uow(write=False) as uow:
        rows = roster.dead_end_report(uow, ctx.actor(uow), _practice_id(uow, ctx.args.practice), ctx.as_of)
    ctx.emit(rows, ["guarantor", "name", "status", "description", "since", "days_in_status", "past_due", "balance"])
    return 0


# --- review and turnover -------------------------------------------------------------------------

def cmd_review(ctx: Context) -> int:
    from core import roster
    with ctx.uow() as uow:
        rows = roster.review_list(uow, ctx.actor(uow), _practice_id(uow, ctx.args.practice), ctx.as_of)
    ctx.emit(rows, ["guarantor", "name", "status", "since", "days_in_status", "past_due", "balance"])
    return 0


def cmd_approve(ctx: Context) -> int:
    from core import roster
    with ctx.uow() as uow:
        pid = _practice_id(uow, ctx.args.practice)
        n = roster.approve(uow, ctx.actor(uow), pid, ctx.as_of, _guarantor_ids(uow, pid, ctx.args.guarantors),
                           confirmed=ctx.args.yes)
    print(f"approved {counted(n, 'account')} for turn over")
    return 0


def cmd_send_back(ctx: Context) -> int:
    from core import roster
    with ctx.uow() as uow:
        pid = _practice_id(uow, ctx.args.practice)
        n = roster.send_back(uow, ctx.actor(uow), pid, ctx.as_of, ctx.args.to,
                             _guarantor_ids(uow, pid, ctx.args.guarantors), confirmed=ctx.args.yes)
    print(f"sent {counted(n, 'account')} back to status {ctx.args.to.upper()}")
    return 0


def _roster_folder(ctx: Context) -> Path:
    from tui import folders
    return ctx.args.out_dir or folders.roster_files()


def cmd_turnover(ctx: Context) -> int:
    from core import roster
    from tui.commands.runs import emit_with_tally
    with ctx.uow() as uow:
        pid = _practice_id(uow, ctx.args.practice)
        result = roster.turnover(uow, ctx.actor(uow), pid, ctx.as_of, _roster_folder(ctx),
                                 _guarantor_ids(uow, pid, ctx.args.guarantors),
                                 _percent_bp(ctx.args.fee_pct, "fee-pct"), confirmed=ctx.args.yes,
                                 agency=ctx.args.agency)
    emit_with_tally(ctx, result.as_dict(), result.tally)
    return 0


# --- admin tables --------------------------------------------------------------------------------

def cmd_billing_group(ctx: Context) -> int:
    from core import roster
    with ctx.uow() as uow:
        row = roster.set_billing_group(uow, ctx.actor(uow), _practice_id(uow, ctx.args.practice), ctx.args.code,
                                       ctx.args.description, ctx.args.suppress)
        ctx.emit_object({"code": row.code, "description": row.description, "suppress": row.suppress_collections})
    return 0


def cmd_adjustment_code(ctx: Context) -> int:
    from core import roster
    with ctx.uow() as uow:
        row = roster.set_adjustment_code(uow, ctx.actor(uow), _practice_id(uow, ctx.args.practice),
                                         ctx.args.code, ctx.args.description, ctx.args.kind)
        ctx.emit_object({"code": row.code, "description": row.description, "kind": row.kind})
    return 0


def cmd_letter_template(ctx: Context) -> int:
    from core import roster
    from core.errors import BadInput
    try:
        body = ctx.args.body_file.read_text()
    except OSError as exc:
        raise BadInput(f"body-file: cannot read {ctx.args.body_file}: {exc.strerror}", field="body_file") from None
    with ctx.uow() as uow:
        row = roster.set_letter_template(uow, ctx.actor(uow), _practice_id(uow, ctx.args.practice),
                                         ctx.args.name, body)
    print(f"letter template {row.name!r} saved")
    return 0


# --- letters -------------------------------------------------------------------------------------

def cmd_letters_list(ctx: Context) -> int:
    from core import roster
    with ctx.uow(write=False) as uow:
        actor = ctx.actor(uow)
        pid = _practice_id(uow, ctx.args.practice) if ctx.args.practice else None
        rows = roster.list_queue(uow, actor, pid, False if ctx.args.unprinted else None)
    ctx.emit(rows, ["practice", "guarantor", "status", "letter", "queued", "printed", "superseded"])
    return 0


def cmd_letters_print(ctx: Context) -> int:
    from core import roster
    with ctx.uow() as uow:
        actor = ctx.actor(uow)
        pid = _practice_id(uow, ctx.args.practice) if ctx.args.practice else None
        out = roster.print_letters(uow, actor, ctx.as_of, out=ctx.args.out, out_dir=_roster_folder(ctx),
                                   practice_id=pid, confirmed=ctx.args.yes)
    if ctx.json:
        ctx.emit_object(out)
        return 0
    print(out["message"] + (f" File: {out['file']}" if out["file"] else ""))
    if out["assistance_letters"]:
        print(f"  of them financial-assistance (missing information): {out['assistance_letters']}")
    for reason, n in out["excluded"].items():
        print(f"  excluded {reason}: {n['count']} ({n['why']}), {n['dollars']}")
    for run in out["runs"]:
        print(f"  tally: recoup runs show {run}")
    return 0
