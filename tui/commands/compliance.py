"""recoup fap / eca / contacts (SPEC 15): financial-assistance applications, 501(r)'s ECA notices
and worklists, the contact log with Regulation F's warnings, and the compliance settings.

Ids are the practice system's (as imported); an application is named by the number `fap add`
prints. The commands call the same kernel functions as the screens.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.limits import NUMBER
from tui.commands.context import Context, add_command, add_group, add_practice_command, optional_date
from tui.commands.options import amount, percent, whole

FAP_COLUMNS = ["application", "guarantor", "name", "received", "complete", "decision", "discount_pct", "decided",
               "hold", "adjusted", "refund_due", "letter", "note"]
MISSING_HELP = ("what the application lacks, items separated by ';' (the missing-information letter lists them; "
                "it prints with `recoup letters print`)")


def register(sub: Any) -> None:
    _register_fap(sub)
    _register_eca(sub)
    _register_contacts(sub)


def _register_fap(sub: Any) -> None:
    fap = add_group(sub, "fap", "financial-assistance applications (501(r)): add, ask for what is missing, "
                                "decide, list, refunds due")
    p = add_practice_command(fap, "add", cmd_fap_add, "record an application (holds the account while pending)")
    p.add_argument("--guarantor", metavar="ID", required=True)
    p.add_argument("--received", metavar="DATE", help="the day it was received (default: the business date)")
    p.add_argument("--incomplete", action="store_true", help="information is missing (say what with --missing)")
    p.add_argument("--missing", metavar="TEXT", help=MISSING_HELP + "; implies --incomplete")
    p = add_practice_command(fap, "request-info", cmd_fap_request_info,
                             "ask for what a pending application lacks: queues its missing-information letter "
                             "(or rewords it while it waits)")
    p.add_argument("application", type=whole(NUMBER), metavar="APPLICATION")
    p.add_argument("--missing", metavar="TEXT", required=True, help=MISSING_HELP)
    p = add_practice_command(fap, "complete", cmd_fap_complete,
                             "the missing information arrived: the application is complete (a letter still "
                             "waiting is superseded)")
    p.add_argument("application", type=whole(NUMBER), metavar="APPLICATION")
    p = add_practice_command(fap, "decide", cmd_fap_decide, "approve (with a discount) or deny an application")
    p.add_argument("application", type=whole(NUMBER), metavar="APPLICATION")
    p.add_argument("decision", choices=("approved", "denied"))
    p.add_argument("--discount", type=percent, metavar="PCT", help="the approved discount, 0 to 100 percent")
    p.add_argument("--decided", metavar="DATE", help="the day it was decided (default: the business date)")
    p = add_practice_command(fap, "list", cmd_fap_list, "list applications")
    p.add_argument("--decision", choices=("pending", "approved", "denied"))
    p.add_argument("--guarantor", metavar="ID")
    add_practice_command(fap, "refunds", cmd_fap_refunds, "approved guarantors who paid 5.00 or more above "
                                                          "the new balance (Recoup pays nothing out)")
    add_practice_command(fap, "reversals", cmd_fap_reversals, "what approvals must undo: recalls, credit-report "
                                                              "deletions, turnovers to reverse")


def _register_eca(sub: Any) -> None:
    eca = add_group(sub, "eca", "501(r): ECA notices and the compliance settings")
    p = add_practice_command(eca, "notice", cmd_eca_notice, "print a guarantor's ECA notice letter (PDF)")
    p.add_argument("--guarantor", metavar="ID", required=True)
    p.add_argument("--action", required=True, help="the action intended, e.g. 'report the debt to credit bureaus'")
    p.add_argument("--deadline", metavar="DATE", help="at least 30 days after the letter (default: 30 days)")
    p.add_argument("--out", metavar="DIR", help="folder for the PDF (default: the agency-files folder)")
    p = add_practice_command(eca, "settings", cmd_eca_settings, "show or change the compliance settings (admins)")
    p.add_argument("--nonprofit-501r", choices=("on", "off"))
    p.add_argument("--fap-summary", metavar="TEXT", help="the plain-language summary of the assistance policy")
    p.add_argument("--itemization-basis", choices=("last_statement", "placement", "last_payment", "service"))
    p.add_argument("--credit-report-min", type=amount, metavar="AMOUNT",
                   help="never report a debt first placed under this")
    p.add_argument("--no-medical-credit-reporting", choices=("on", "off"))
    p = add_practice_command(eca, "agency", cmd_eca_agency, "what an agency does that makes placing with it an ECA")
    p.add_argument("agency", metavar="AGENCY")
    p.add_argument("kinds", metavar="KINDS", help="comma-separated: credit_reporting, debt_sale, legal (or none)")


def _register_contacts(sub: Any) -> None:
    c = add_group(sub, "contacts", "the contact log (calls; printed letters as mail contacts) and time zones")
    p = add_practice_command(c, "call", cmd_call, "log a call (Regulation F warnings need --yes)")
    p.add_argument("--guarantor", metavar="ID", required=True)
    p.add_argument("--outcome", required=True, choices=("no_answer", "left_message", "wrong_number", "conversation"))
    p.add_argument("--at", metavar="YYYY-MM-DDTHH:MM", help="when, in the guarantor's time zone unless an "
                                                            "offset is given (default: now)")
    p.add_argument("--note", help="a short note")
    p.add_argument("--yes", action="store_true", help="record it even with a Regulation F warning")
    p = add_practice_command(c, "log", cmd_log, "a guarantor's contacts, newest first")
    p.add_argument("--guarantor", metavar="ID", required=True)
    add_command(c, "zones", cmd_zones, "the time zone of each state")
    p = add_command(c, "zone", cmd_zone, "set the time zone of a state (admins)")
    p.add_argument("state")
    p.add_argument("zone", help="a time zone name like America/Chicago")


def _practice_id(uow: Any, ref: str | None) -> int:
    from core.practices import find_practice
    p = find_practice(uow, ref)
    assert p.id is not None
    return p.id


# ------------------------------------------------------------------------------------ fap

def cmd_fap_add(ctx: Context) -> int:
    from core import fap
    a = ctx.args
    with ctx.uow() as uow:
        row = fap.add_application(uow, ctx.actor(uow), _practice_id(uow, a.practice), a.guarantor,
                                  optional_date(a.received, "received") or ctx.as_of,
                                  not (a.incomplete or a.missing is not None), ctx.as_of, missing=a.missing)
    if ctx.json:
        ctx.emit_object(row.as_dict())
    else:
        letter = "; missing-information letter queued (it prints with `recoup letters print`)" if row.letter else ""
        print(f"application {row.id} recorded: {row.note}{letter}")
    return 0


def cmd_fap_request_info(ctx: Context) -> int:
    from core import fap
    a = ctx.args
    with ctx.uow() as uow:
        row = fap.request_information(uow, ctx.actor(uow), _practice_id(uow, a.practice), a.application, a.missing,
                                      ctx.as_of)
    if ctx.json:
        ctx.emit_object(row.as_dict())
    else:
        print(f"application {row.id}: missing-information letter waiting; it prints with `recoup letters print`")
    return 0


def cmd_fap_complete(ctx: Context) -> int:
    from core import fap
    a = ctx.args
    with ctx.uow() as uow:
        row = fap.mark_complete(uow, ctx.actor(uow), _practice_id(uow, a.practice), a.application, ctx.as_of)
    if ctx.json:
        ctx.emit_object(row.as_dict())
    else:
        waiting = " (its waiting letter will be superseded, not printed)" if row.letter == "waiting" else ""
        print(f"application {row.id} is complete{waiting}")
    return 0


def cmd_fap_decide(ctx: Context) -> int:
    from core import fap
    a = ctx.args
    with ctx.uow() as uow:
        row = fap.decide(uow, ctx.actor(uow), _practice_id(uow, a.practice), a.application, a.decision, ctx.as_of,
                         discount=a.discount, decided_on=optional_date(a.decided, "decided"))
    if ctx.json:
        ctx.emit_object(row.as_dict())
    else:
        d = row.as_dict()
        extra = f": discount {d['adjusted']} posted, refund due {d['refund_due']}" if row.decision == "approved" else ""
        print(f"application {row.id} {row.decision}{extra}")
    return 0


def cmd_fap_list(ctx: Context) -> int:
    from core import fap
    a = ctx.args
    with ctx.uow(write=False) as uow:
        rows = fap.list_applications(uow, ctx.actor(uow), _practice_id(uow, a.practice), decision=a.decision,
                                     guarantor=a.guarantor)
    ctx.emit([r.as_dict() for r in rows], FAP_COLUMNS)
    return 0


def cmd_fap_refunds(ctx: Context) -> int:
    from core import fap
    with ctx.uow(write=False) as uow:
        rows = fap.refunds_due(uow, ctx.actor(uow), _practice_id(uow, ctx.args.practice))
    ctx.emit([r.as_dict() for r in rows], ["application", "guarantor", "name", "decided", "refund_due"])
    return 0


def cmd_fap_reversals(ctx: Context) -> int:
    from core import fap
    with ctx.uow(write=False) as uow:
        rows = fap.reversal_worklist(uow, ctx.actor(uow), _practice_id(uow, ctx.args.practice), ctx.as_of)
    ctx.emit([r.as_dict() for r in rows], ["action", "guarantor", "item", "agency", "amount", "since"])
    return 0


# ------------------------------------------------------------------------------------ eca

def cmd_eca_notice(ctx: Context) -> int:
    from pathlib import Path

    from core import eca_notice
    from tui import folders
    a = ctx.args
    with ctx.uow() as uow:
        done = eca_notice.print_notice(uow, ctx.actor(uow), _practice_id(uow, a.practice), a.guarantor, a.action,
                                       ctx.as_of, Path(a.out) if a.out else folders.agency_files(),
                                       optional_date(a.deadline, "deadline"))
    ctx.emit_object({"notice": done.notice_id, "guarantor": done.guarantor, "printed": done.printed.isoformat(),
                     "deadline": done.deadline.isoformat(), "file": str(done.path)})
    return 0


def _on_off(value: str | None) -> bool | None:
    return None if value is None else value == "on"


def cmd_eca_settings(ctx: Context) -> int:
    from core import compliance_settings, money
    a = ctx.args
    changes = {"nonprofit_501r": _on_off(a.nonprofit_501r), "fap_summary": a.fap_summary,
               "itemization_basis": a.itemization_basis,
               "no_medical_credit_reporting": _on_off(a.no_medical_credit_reporting),
               "credit_report_min_cents": None if a.credit_report_min is None else money.parse(a.credit_report_min)}
    with ctx.uow() as uow:
        actor, pid = ctx.actor(uow), _practice_id(uow, a.practice)
        if any(v is not None for v in changes.values()):
            compliance_settings.set_compliance(uow, actor, pid, ctx.as_of, **changes)
        shown = compliance_settings.practice_settings(uow, actor, pid)
    shown["credit_report_min"] = money.format_plain(shown.pop("credit_report_min_cents"))
    ctx.emit_object(shown)
    return 0


def cmd_eca_agency(ctx: Context) -> int:
    from core import compliance_settings
    a = ctx.args
    with ctx.uow() as uow:
        ag = compliance_settings.set_agency_eca(uow, ctx.actor(uow), _practice_id(uow, a.practice), a.agency,
                                                [a.kinds], ctx.as_of)
    ctx.emit_object({"agency": ag.source_id, "eca_kinds": ag.eca_kinds or "none"})
    return 0


# ------------------------------------------------------------------------------------ contacts

def _when(text: str | None) -> dt.datetime | None:
    from core.errors import BadInput
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(f"at: not a date and time: {text.strip()!r} (use YYYY-MM-DDTHH:MM)", field="at") from None


def cmd_call(ctx: Context) -> int:
    from core import contacts
    a = ctx.args
    with ctx.uow() as uow:
        row = contacts.log_call(uow, ctx.actor(uow), _practice_id(uow, a.practice), a.guarantor, a.outcome,
                                ctx.as_of, at=_when(a.at), note=a.note, confirmed=a.yes)
    if ctx.json:
        ctx.emit_object(row.as_dict())
    else:
        print(f"call logged on {row.date}: {row.outcome}" + (f" (flagged: {row.flags})" if row.flags else ""))
    return 0


def cmd_log(ctx: Context) -> int:
    from core import contacts
    a = ctx.args
    with ctx.uow(write=False) as uow:
        rows = contacts.contact_log(uow, ctx.actor(uow), _practice_id(uow, a.practice), a.guarantor, ctx.as_of)
    ctx.emit([r.as_dict() for r in rows], ["date", "kind", "outcome", "flags", "operator", "note"])
    return 0


def cmd_zones(ctx: Context) -> int:
    from core import contacts
    with ctx.uow(write=False) as uow:
        rows = [{"state": z.state, "zone": z.time_zone} for z in contacts.time_zones(uow)]
    ctx.emit(rows, ["state", "zone"])
    return 0


def cmd_zone(ctx: Context) -> int:
    from core import contacts
    a = ctx.args
    with ctx.uow() as uow:
        row = contacts.set_time_zone(uow, ctx.actor(uow), a.state, a.zone, ctx.as_of)
    ctx.emit_object({"state": row.state, "zone": row.time_zone})
    return 0
