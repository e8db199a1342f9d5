"""recoup protections set / practice / guideline / guidelines (SPEC 14): who may not be collected.

A guarantor's protection facts (date of death, responsible party or estate representative,
bankruptcy, household income and size) usually come with the import; here a supervisor corrects
them by hand. Admins set the practice's "wait for insurance" and income threshold, and the yearly
poverty guidelines the threshold is a percentage of. Every change is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.limits import Limit
from tui.commands.context import Context, add_command, add_group, add_practice_command
from tui.commands.options import whole

YEAR = Limit(2000, 2999)  # the use case narrows it to the business date's year + 1

TEXT = {"responsible_party_name": "--responsible-party", "responsible_party_address": "--responsible-address",
        "bankruptcy_case": "--bankruptcy-case", "bankruptcy_chapter": "--bankruptcy-chapter"}
DATES = {"date_of_death": "--date-of-death", "bankruptcy_filed": "--bankruptcy-filed"}


def register(sub: Any) -> None:
    group = add_group(sub, "protections", "protected guarantors, insurance still open, poverty guidelines")
    p = add_practice_command(group, "set", cmd_set, "correct a guarantor's protection facts (supervisors)")
    p.add_argument("--guarantor", required=True, metavar="ID")
    for name, flag in (*TEXT.items(), *DATES.items()):
        p.add_argument(flag, dest=name, metavar="DATE" if name in DATES else "TEXT", help="'none' clears it")
    p.add_argument("--household-income", metavar="AMOUNT", help="a year's income; 'none' clears it")
    p.add_argument("--household-size", metavar="N", help="people in the household; 'none' clears it")
    p = add_practice_command(group, "practice", cmd_practice, "the practice's protection settings (admins)")
    wait = p.add_mutually_exclusive_group()
    wait.add_argument("--wait-for-insurance", dest="wait", action="store_true", default=None,
                      help="lines are not collected while their encounter's insurance is open (the default)")
    wait.add_argument("--no-wait-for-insurance", dest="wait", action="store_false")
    p.add_argument("--income-threshold-pct", metavar="PCT",
                   help="household income under PCT %% of the poverty guideline is never placed or turned over; "
                        "'none' turns it off")
    p = add_command(group, "guideline", cmd_guideline, "add or correct a year's poverty guideline (admins)")
    p.add_argument("year", type=whole(YEAR))
    p.add_argument("--base", required=True, metavar="AMOUNT", help="the guideline for a household of one")
    p.add_argument("--per-person", required=True, metavar="AMOUNT", help="added for each further person")
    add_command(group, "guidelines", cmd_guidelines, "list the poverty guidelines")


def _value(text: str | None, read: Any, field: str) -> tuple[bool, Any]:
    """(given, value): 'none' clears; otherwise read it, naming the flag when it is bad."""
    from core.errors import BadInput
    if text is None:
        return False, None
    if text.strip().lower() == "none":
        return True, None
    try:
        return True, read(text)
    except (ValueError, BadInput) as exc:
        raise BadInput(f"{field}: {exc}", field=field.lstrip("-").replace("-", "_")) from None


def _changes(ctx: Context) -> dict[str, Any]:
    from core import money
    a, out = ctx.args, {}
    readers: list[tuple[str, str, Callable[[str], Any]]] = [(name, flag, str) for name, flag in TEXT.items()]
    readers += [(name, flag, _date) for name, flag in DATES.items()]
    readers += [("household_income", "--household-income", money.parse), ("household_size", "--household-size", _whole)]
    for name, flag, read in readers:
        given, value = _value(getattr(a, name), read, flag)
        if given:
            out["household_income_cents" if name == "household_income" else name] = value
    return out


def _date(text: str) -> Any:
    import datetime as dt
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError("not a date (write it as YYYY-MM-DD)") from None


def _whole(text: str) -> int:
    if not text.strip().isascii() or not text.strip().isdigit():
        raise ValueError("not a whole number")
    return int(text)


def cmd_set(ctx: Context) -> int:
    from core import protections, roster
    from core.errors import BadInput
    from core.practices import find_practice
    changes = _changes(ctx)
    if not changes:
        raise BadInput("nothing to change: give at least one protection flag", field="guarantor")
    with ctx.uow() as uow:
        practice = find_practice(uow, ctx.args.practice)
        g = roster.guarantor_by_source(uow, ctx.args.guarantor, practice.source_id)
        assert g.id is not None
        protections.set_protections(uow, ctx.actor(uow), g.id, changes, ctx.as_of)
    print(f"guarantor {ctx.args.guarantor}: {', '.join(sorted(changes))} changed")
    return 0


def cmd_practice(ctx: Context) -> int:
    from core import protections
    from core.practices import find_practice
    a = ctx.args
    given, pct = _value(a.income_threshold_pct, _whole, "--income-threshold-pct")
    with ctx.uow() as uow:
        practice = find_practice(uow, a.practice)
        assert practice.id is not None
        p = protections.set_practice_rules(uow, ctx.actor(uow), practice.id, ctx.as_of, wait_for_insurance=a.wait,
                                           income_threshold_pct=pct, clear_threshold=given and pct is None)
        row = {"practice": p.source_id, "wait_for_insurance": p.wait_for_insurance,
               "income_threshold_pct": p.income_threshold_pct}
    ctx.emit_object(row)
    return 0


def cmd_guideline(ctx: Context) -> int:
    from core import money, protections
    a = ctx.args
    base = _value(a.base, money.parse, "--base")[1]
    per = _value(a.per_person, money.parse, "--per-person")[1]
    with ctx.uow() as uow:
        protections.set_guideline(uow, ctx.actor(uow), a.year, base, per, ctx.as_of)
    print(f"poverty guideline {a.year}: {money.format_plain(base)} + {money.format_plain(per)} per further person")
    return 0


def cmd_guidelines(ctx: Context) -> int:
    from core import money, protections
    with ctx.uow(write=False) as uow:
        ctx.actor(uow)
        rows = [{"year": g.year, "base": money.format_plain(g.base_cents),
                 "per_person": money.format_plain(g.per_person_cents),
                 "household_of_4": money.format_plain(g.base_cents + 3 * g.per_person_cents)}
                for g in protections.guidelines(uow)]
    ctx.emit(rows, ["year", "base", "per_person", "household_of_4"])
    return 0
