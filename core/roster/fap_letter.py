"""The "missing information" letter of an incomplete financial-assistance application (SPEC 15.5),
as the letters print run sees it: which ones wait, what the run does with each, and the words.

Why here and not in core.fap: the application and its queued letter are the kernel's (core.fap
queues it, in the transaction that records what is missing); printing is this package's print run,
so the letter goes out in the same PDF as the collection letters, is counted in the same tally, and
is marked printed the same way. It is not a collection letter, so the run treats it differently:
- no hold keeps it back (the application's own `fap` hold is the reason it is sent), nor a
  protection (the guarantor or their representative asked for assistance); only an address it
  cannot reach (none on file, or mail came back) keeps it waiting, counted like any letter;
- it is superseded when the application was completed or decided before it printed;
- it asks for nothing to be paid: no amount due, no payment stub. Its tear-off part is a reply slip
  to send back with the documents, to the practice's own address (not the payments' remit-to).
The letter date is the print run's business date and the reply date REPLY_DAYS later.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from core.fap import REPLY_DAYS, missing_items
from core.money import format_display
from core.names import written_name
from core.roster.letter_content import address_lines, long_date, recipient
from core.sql import as_date

TITLE = "Financial Assistance: Information Needed"
STATUS = "FAP"          # how `recoup letters list` and the print screen show the letter's "status"
WAITING = "fl.printed_date IS NULL AND fl.superseded_date IS NULL"

LETTER_SQL = """
    SELECT fl.id, fl.application_id AS application, fl.missing, fl.queued_date AS queued,
           fl.printed_date AS printed, fl.superseded_date AS superseded, fl.respond_by,
           p.source_id AS practice, p.name AS practice_name, p.address1 AS p_address1, p.address2 AS p_address2,
           p.city AS p_city, p.state AS p_state, p.zip AS p_zip, p.phone AS p_phone,
           g.source_id AS guarantor, g.name, g.address1 AS g_address1, g.address2 AS g_address2,
           g.city AS g_city, g.state AS g_state, g.zip AS g_zip, g.birth_date, g.date_of_death,
           g.responsible_party_name, g.responsible_party_address, g.ar_cents, g.escrow_cents,
           fa.received_date AS received,
           CASE WHEN fa.hold_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM hold_release hr
                WHERE hr.hold_id = fa.hold_id) THEN 1 ELSE 0 END AS held
    FROM fap_letter fl JOIN fap_application fa ON fa.id = fl.application_id
    JOIN guarantor g ON g.id = fl.guarantor_id JOIN practice p ON p.id = fl.practice_id"""


def outcome_sql() -> str:
    """SQL (over fap_letter fl, fap_application fa, guarantor g): 'print', 'superseded' or the
    reason it waits (the same codes as the collection letters')."""
    return """CASE WHEN fa.decision <> 'pending' OR fa.complete = TRUE THEN 'superseded'
                   WHEN COALESCE(g.address1, '') = '' AND COALESCE(g.responsible_party_address, '') = ''
                   THEN 'no_address'
                   WHEN g.returned_mail = TRUE THEN 'returned_mail'
                   ELSE 'print' END"""


def decided_sql() -> str:
    """The waiting letters of practice :p up to id :last_fap, in the print run's shape: id,
    guarantor_id, template, outcome, cents, src."""
    return f"""SELECT fl.id, fl.guarantor_id, '{TITLE}' AS template, {outcome_sql()} AS outcome,
                      g.ar_cents - g.escrow_cents AS cents, 'fap' AS src
               FROM fap_letter fl JOIN fap_application fa ON fa.id = fl.application_id
               JOIN guarantor g ON g.id = fl.guarantor_id
               WHERE fl.practice_id = :p AND fl.id <= :last_fap AND {WAITING}"""


def reply_by(as_of: dt.date) -> dt.date:
    return as_of + dt.timedelta(days=REPLY_DAYS)


@dataclass(frozen=True)
class InfoRequest:
    """One missing-information letter, as printed on `date`."""
    practice_lines: list[str]      # name, then the address (where the documents go)
    phone: str
    recipient_lines: list[str]
    holder: str
    account: str
    application: int
    received: dt.date
    date: dt.date
    reply_by: dt.date
    items: list[str]
    held: bool
    balance_cents: int
    greeting: str
    title: str = TITLE

    @property
    def facts(self) -> list[tuple[str, str]]:
        return [("Letter date", long_date(self.date)), ("Account number", self.account),
                ("Application", str(self.application)), ("Please reply by", long_date(self.reply_by))]

    @property
    def body(self) -> str:
        return (f"Dear {self.greeting},\n\nThank you for applying for financial assistance with "
                f"{self.practice_lines[0]}. We received your application on {long_date(self.received)}. "
                "Before we can decide on it, we need the following from you:")

    @property
    def send_by(self) -> str:
        where = "to the address on the reply slip below"
        text = (f"Please send these by {long_date(self.reply_by)} {where}, with the reply slip, and write "
                f"your account number ({self.account}) on each page. Copies are fine; please do not send "
                "originals.")
        if self.phone:
            text += (" If you have a question, cannot get one of these documents, or need more time, call us at "
                     f"{self.phone.replace(' ', chr(0xA0))}.")
        return text + (" If we do not hear from you by then, we may decide on your application with the "
                       "information we have.")

    @property
    def while_waiting(self) -> str:
        balance = format_display(self.balance_cents, symbol=True)
        if self.held:
            return ("Your account stays on hold while your application is open: we will not send you collection "
                    "letters or pass your account to a collection agency until we have decided on it. "
                    f"Your balance today is {balance}. This letter is not a bill.")
        return f"Your balance today is {balance}. This letter is not a bill."


def compose(row: Any, as_of: dt.date) -> InfoRequest:
    """The letter of one LETTER_SQL row printed on `as_of`."""
    practice = [row.practice_name, *address_lines(row.p_address1, row.p_address2, row.p_city, row.p_state,
                                                  row.p_zip)]
    lines, greeting = recipient(row, as_of)
    return InfoRequest(practice, row.p_phone or "", lines, written_name(row.name), row.guarantor, int(row.application),
                       as_date(row.received) or as_of, as_of, reply_by(as_of),
                       [item[:1].upper() + item[1:] for item in missing_items(row.missing)],
                       bool(row.held), int(row.ar_cents) - int(row.escrow_cents), greeting)
