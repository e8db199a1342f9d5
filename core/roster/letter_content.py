"""What one collection letter says (SPEC 15): who it goes to, the amounts and dates, the merged
template, the plan terms and how to pay. Layout is letter_pdf's business; this module decides
the words, so a test can check them without reading a PDF.

- Addressee: the guarantor; a minor's responsible party; a deceased guarantor's estate, in care
  of its representative (SPEC 14). The greeting uses the name as people write it.
- Amount due and due date: the balance, due the letter date plus the practice's due days; on an
  active payment plan, the installment (at most the balance) due on the plan's next due date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from core.itemization import Itemization
from core.money import format_display
from core.names import greeting_name, written_name
from core.protections import adult_born_on_or_before
from core.sql import as_date

# Every merge field a template may use; core.roster.admin.check_template refuses any other.
MERGE_FIELDS = ("guarantor_name", "patient_name", "guarantor_id", "account", "address", "balance",
                "amount_due", "due_date", "date", "practice_name", "practice_phone", "status",
                "status_description", "installment", "frequency", "next_due_date")
NO_PLAN = "(no payment plan)"
NO_BREAK = "\u00a0"  # keeps a phone number on one line


@dataclass(frozen=True)
class Plan:
    installment_cents: int
    every_days: int
    next_due: dt.date

    @property
    def frequency(self) -> str:
        named = {7: "every week", 14: "every two weeks", 30: "every 30 days (monthly)"}
        return named.get(self.every_days, f"every {self.every_days} days")


@dataclass(frozen=True)
class Letter:
    practice_lines: list[str]      # name, then the address
    phone: str
    remit_lines: list[str]         # where payments go (the practice address when no remit-to is set)
    recipient_lines: list[str]
    holder: str                    # the account holder's name as written (the stub)
    account: str
    title: str
    date: dt.date
    balance_cents: int
    amount_due_cents: int
    due_date: dt.date
    plan: Plan | None
    body: str
    itemization: tuple[Itemization, ...] = ()   # the account's placed debts still owed (SPEC 15.3)

    @property
    def plan_terms(self) -> str:
        if self.plan is None:
            return ""
        return (f"Installment: {format_display(self.plan.installment_cents, symbol=True)} {self.plan.frequency}. "
                f"Next payment due: {long_date(self.plan.next_due)}. "
                f"Balance: {format_display(self.balance_cents, symbol=True)}.")

    @property
    def how_to_pay(self) -> str:
        text = (f"Please pay {format_display(self.amount_due_cents, symbol=True)} by {long_date(self.due_date)}. "
                f"Mail a check or money order payable to {self.practice_lines[0]} with the payment stub below "
                f"to the address on the stub, and write your account number ({self.account}) on it.")
        if self.phone:
            text += (f" To pay by card, to set up a payment plan, or if you have a question about this "
                     f"balance, call us at {self.phone.replace(' ', NO_BREAK)}.")
        return text + " If you have already sent your payment, thank you."


def long_date(day: dt.date) -> str:
    return f"{day.strftime('%B')} {day.day}, {day.year}"


def _lines(*parts: Any) -> list[str]:
    return [str(p).strip() for p in parts if p is not None and str(p).strip()]


def _city_line(city: Any, state: Any, zip_code: Any) -> str:
    place = ", ".join(_lines(city, state))
    return " ".join(_lines(place, zip_code))


def address_lines(address1: Any, address2: Any, city: Any, state: Any, zip_code: Any) -> list[str]:
    return _lines(address1, address2, _city_line(city, state, zip_code))


def free_address(text: str | None) -> list[str]:
    """A one-field address (the responsible party's, the remit-to): its own lines (a new line
    or "|" between them), or the street before the first comma and the rest after it."""
    if not text or not text.strip():
        return []
    if "\n" in text or "|" in text:
        return _lines(*text.replace("|", "\n").splitlines())
    street, _, rest = text.partition(",")
    return _lines(street, rest)


def recipient(row: Any, as_of: dt.date) -> tuple[list[str], str]:
    """(address block, greeting name): the guarantor, a minor's responsible party, or a deceased
    guarantor's estate in care of its representative."""
    own = address_lines(row.g_address1, row.g_address2, row.g_city, row.g_state, row.g_zip)
    rp, died, born = row.responsible_party_name, as_date(row.date_of_death), as_date(row.birth_date)
    if rp and died is not None and died <= as_of:
        lines = [f"Estate of {written_name(row.name)}", f"c/o {written_name(rp)}"]
        return lines + (free_address(row.responsible_party_address) or own), greeting_name(rp)
    if rp and born is not None and born > adult_born_on_or_before(as_of):
        lines = [written_name(rp), f"Parent or guardian of {written_name(row.name)}"]
        return lines + (free_address(row.responsible_party_address) or own), greeting_name(rp)
    return [written_name(row.name), *own], greeting_name(row.name)


def next_due(start: dt.date, every_days: int, as_of: dt.date) -> dt.date:
    """The plan's first installment date on or after `as_of` (installments fall on start + k x every)."""
    if as_of <= start:
        return start
    k = -(-(as_of - start).days // every_days)
    return start + dt.timedelta(days=k * every_days)


class _Merge(dict[str, Any]):
    """A field a stored template names but Recoup no longer knows prints as written."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def compose(row: Any, as_of: dt.date, default_body: str, itemization: tuple[Itemization, ...] = ()) -> Letter:
    """The letter of one queued row (QUEUE_SQL's columns) printed on `as_of`, with the
    itemization of the account's placed debts when it has any (core.itemization)."""
    balance = int(row.ar_cents) - int(row.escrow_cents)
    plan = None
    start = as_date(row.plan_start)
    if row.plan_cents is not None and start is not None:
        plan = Plan(int(row.plan_cents), int(row.plan_every), next_due(start, int(row.plan_every), as_of))
    due_date = plan.next_due if plan else as_of + dt.timedelta(days=int(row.letter_due_days))
    amount_due = min(plan.installment_cents, balance) if plan else balance
    practice = [row.practice_name, *address_lines(row.p_address1, row.p_address2, row.p_city, row.p_state,
                                                  row.p_zip)]
    remit = free_address(row.remit_to) or practice[1:]
    lines, greeting = recipient(row, as_of)
    fields = _Merge(
        guarantor_name=greeting, patient_name=written_name(row.name), guarantor_id=row.guarantor,
        account=row.guarantor, address="\n".join(lines[1:]), balance=format_display(balance, symbol=True),
        amount_due=format_display(amount_due, symbol=True), due_date=long_date(due_date), date=long_date(as_of),
        practice_name=row.practice_name, practice_phone=row.p_phone or "", status=row.status,
        status_description=row.status_description or row.status,
        installment=format_display(plan.installment_cents, symbol=True) if plan else NO_PLAN,
        frequency=plan.frequency if plan else NO_PLAN, next_due_date=long_date(plan.next_due) if plan else NO_PLAN)
    body = row.body or default_body
    try:
        text = body.format_map(fields)
    except (ValueError, IndexError):
        text = body
    text = text.strip().removeprefix(fields["date"])  # templates written before the date was printed above
    return Letter(practice, row.p_phone or "", remit, lines, written_name(row.name), row.guarantor, row.letter,
                  as_of, balance, amount_due, due_date, plan, text.strip(), itemization)
