"""The "missing information" letter of an incomplete financial-assistance application (SPEC 15.5)
and the itemization on collection letters (SPEC 15.3), printed by the letters print run, read
back from the PDF with pypdf. Both databases, explicit dates."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import text

from core import contacts, fap, roster, tallies
from core.errors import BadInput, Refused
from core.models import Guarantor
from core.roster import read as roster_read
from tests import roster_data as rd
from tests.roster_data import day
from tests.test_letters import _populate, _print, carol, flat, pdf_text

__all__ = ["carol"]  # the fixture, shared with tests/test_letters.py

MISSING = "Proof of household income for the last three months; A copy of your 2025 tax return"
TITLE = "Financial Assistance: Information Needed"


def apply(uow, admin, p: int, missing: str | None = MISSING, complete: bool = False,  # type: ignore[no-untyped-def]
          guarantor: str = "G100") -> fap.FapRow:
    with uow() as u:
        return fap.add_application(u, admin, p, guarantor, day(0), complete, day(0), missing=missing)


def audit_after(engine, action: str) -> list[dict]:  # type: ignore[no-untyped-def]
    with engine.connect() as c:
        rows = c.execute(text("SELECT after FROM audit_entry WHERE action = :a ORDER BY id"), {"a": action}).scalars()
        return [json.loads(r) for r in rows]


def counts(engine) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with engine.connect() as c:
        return tuple(int(c.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one())  # type: ignore[return-value]
                     for t in ("fap_application", "fap_letter", "audit_entry"))


def test_an_incomplete_application_gets_a_letter_a_patient_can_act_on(engine, uow, admin, carol,
                                                                       tmp_path) -> None:
    """Carol's application lacks two documents: the print run prints the letter saying what is
    missing, by when, where to send it and that the hold stays, with a reply slip and no payment
    stub; her collection letter waits behind the application's hold. Both are in the tally."""
    p, _g = carol
    _populate(uow, admin, p, 0)
    row = apply(uow, admin, p)
    assert (row.complete, row.letter, row.note) == (False, "waiting", "held while pending")
    with uow() as u:
        waiting = roster.list_queue(u, admin, printed=False)
        on_screen = roster_read.letters_waiting(u, admin, p)   # Print Collection Letters' list
    assert [(r["status"], r["letter"]) for r in waiting] == [("1", "Past Due Reminder"), ("FAP", TITLE)]
    assert on_screen == [("1", "Past Due Reminder", 1), ("FAP", TITLE, 1)]
    out = _print(uow, admin, 1, tmp_path)
    assert (out["considered"], out["printed"], out["superseded"], out["assistance_letters"]) == (2, 1, 0, 1)
    assert {k: v["count"] for k, v in out["excluded"].items()} == {"hold": 1}   # the collection letter waits
    pages = pdf_text(Path(out["file"]))
    assert len(pages) == 1
    page = flat(pages[0])
    for element in ("Practice P1", "1200 Maple Grove Parkway", "Suite 210", "Springfield, IL 62704",
                    "Phone (217) 555-0142",                                  # the practice, how to call
                    "Letter date March 2, 2026", "Account number G100", f"Application {row.id}",
                    "Please reply by April 1, 2026",                         # letter date + 30 days
                    "Carol C Williams", "44 Elm St", "Peoria, IL 61602", "Dear Carol Williams,",
                    TITLE, "We received your application on March 1, 2026",
                    "- Proof of household income for the last three months",  # what is missing, item by item
                    "- A copy of your 2025 tax return",
                    "Please send these by April 1, 2026", "call us at (217) 555-0142",
                    "Your account stays on hold while your application is open",  # the hold stays
                    "This letter is not a bill",
                    "REPLY SLIP: FINANCIAL ASSISTANCE", "Account holder Carol C Williams",
                    "Send it with your documents to", "Financial Assistance 1200 Maple Grove Parkway"):
        assert element in page, element
    for demand in ("PAYMENT STUB", "Amount due", "Please pay", "Amount enclosed", "PO Box 4410"):
        assert demand not in page, demand                                  # nothing asked to be paid
    with uow() as u:
        view = tallies.show(u, admin, out["runs"][0])
        [app_row] = fap.list_applications(u, admin, p)
    assert (view.considered, view.taken) == (2, 1)
    assert [(c.code, c.count) for c in view.groups] == [(TITLE, 1)]
    assert [(c.code, c.count) for c in view.excluded] == [("hold", 1)]
    assert app_row.letter == "printed 2026-03-02"
    with uow() as u:  # a mail contact in the contact log
        log = contacts.contact_log(u, admin, p, "G100", day(1))
    assert [(c.date, c.kind, c.outcome) for c in log] == [(day(1), "fap_letter",
                                                        "Financial assistance: information needed")]
    with engine.connect() as c:
        assert str(c.execute(text("SELECT respond_by FROM fap_letter")).scalar_one())[:10] == "2026-04-01"
    assert audit_after(engine, "fap.add")[-1]["missing"] == MISSING
    assert audit_after(engine, "letters.print")[-1]["assistance_letters"] == 1


def test_one_letter_per_application(engine, uow, admin, carol, tmp_path) -> None:
    """While it waits the letter may be reworded (still one); once printed it is not queued again."""
    p, _g = carol
    row = apply(uow, admin, p)
    with uow() as u:
        again = fap.request_information(u, admin, p, row.id, "Proof of income only", day(0))
    assert again.letter == "waiting"
    with engine.connect() as c:
        assert c.execute(text("SELECT missing FROM fap_letter")).scalars().all() == ["Proof of income only"]
    _print(uow, admin, 1, tmp_path)
    before = counts(engine)
    with uow() as u, pytest.raises(Refused, match=re.escape("printed on 2026-03-02 (one letter per application)")):
        fap.request_information(u, admin, p, row.id, "A bank statement", day(2))
    assert counts(engine) == before


def test_completed_or_decided_before_printing_is_superseded_and_counted(engine, uow, admin, carol,
                                                                        tmp_path) -> None:
    p, _g = carol
    with uow() as u:
        rd.guarantor(u, p, "G200")
        u.commit()
    first = apply(uow, admin, p)
    second = apply(uow, admin, p, guarantor="G200")
    with uow() as u:
        done = fap.mark_complete(u, admin, p, first.id, day(1))
    assert (done.complete, done.letter) == (True, "waiting")
    with uow() as u:
        fap.decide(u, admin, p, second.id, "denied", day(1))
    out = _print(uow, admin, 1, tmp_path)
    assert (out["considered"], out["printed"], out["superseded"], out["file"]) == (2, 0, 2, None)
    with uow() as u:
        rows = fap.list_applications(u, admin, p)
        view = tallies.show(u, admin, out["runs"][0])
    assert sorted(r.letter for r in rows) == ["superseded 2026-03-02", "superseded 2026-03-02"]
    assert [(c.code, c.count) for c in view.excluded] == [("superseded", 2)]
    with uow() as u, pytest.raises(Refused, match="already denied"):
        fap.request_information(u, admin, p, second.id, "More", day(2))
    with uow() as u:  # asked again after completing: a new request replaces the superseded one
        assert fap.request_information(u, admin, p, first.id, "A signed form", day(2)).letter == "waiting"


def test_no_address_waits_and_is_counted(uow, admin, carol, tmp_path) -> None:
    p, g = carol
    apply(uow, admin, p)
    with uow() as u:
        row = u.session.get(Guarantor, g)
        row.address1 = None
        u.session.add(row)
        u.commit()
    out = _print(uow, admin, 1, tmp_path)
    assert (out["printed"], {k: v["count"] for k, v in out["excluded"].items()}) == (0, {"no_address": 1})
    with uow() as u:
        assert [r["status"] for r in roster.list_queue(u, admin, printed=False)] == ["FAP"]


@pytest.mark.parametrize(("kw", "message"), [
    ({"missing": None}, "missing: say what information or documents the application lacks"),
    ({"missing": "  ; ;  "}, "missing: name at least one item"),
    ({"missing": "x" * 501}, "missing: at most 500 characters (501 given)"),
    ({"missing": "Proof of income", "complete": True}, "missing: a complete application lacks nothing"),
])
def test_bad_missing_text_names_the_field_and_writes_nothing(engine, uow, admin, carol, kw, message) -> None:
    p, _g = carol
    before = counts(engine)
    with pytest.raises(BadInput, match=re.escape(message)) as err:
        apply(uow, admin, p, **kw)
    assert err.value.field == "missing" and counts(engine) == before


def test_itemization_printed_on_the_letter_of_an_account_with_a_placed_debt(uow, admin, carol,
                                                                             tmp_path) -> None:
    """Carol's visit was placed (its itemization locked at 325.75 on 9 February); she paid 25.75
    since. Her letter itemizes it: 325.75 + 0.00 + 0.00 - 25.75 = 300.00, the amount due. An
    account with nothing placed gets no itemization."""
    p, g = carol
    with uow() as u:
        g2 = rd.guarantor(u, p, "G200")
        rd.charge(u, p, g2, 10000, day(-90))
        enc = u.session.execute(text("SELECT encounter_id, id FROM service_line WHERE guarantor_id = :g"),
                                {"g": g}).one()
        u.session.execute(text(
            "INSERT INTO placed_debt (practice_id, guarantor_id, encounter_id, placed_by, first_placed, "
            "first_placed_cents, first_delinquency, itemization_basis, itemization_date, itemization_cents) "
            "VALUES (:p, :g, :e, 'external', :d, 32575, :fd, 'placement', :d, 32575)"),
            {"p": p, "g": g, "e": enc[0], "d": day(-20), "fd": day(-90)})
        rd.pay(u, p, g, 2575, day(-5), line_id=enc[1])
        u.commit()
    _populate(uow, admin, p, 0)
    out = _print(uow, admin, 1, tmp_path)
    assert out["printed"] == 2
    carol_page, other_page = (flat(t) for t in pdf_text(Path(out["file"])))
    assert "Account number G100" in carol_page and "Account number G200" in other_page
    visit = rd_encounter(uow, enc[0])
    for element in ("Itemization", "Each is itemized from the day it was sent to collection",
                    "Visit Itemized from Balance then Interest Fees Paid or credited Balance now",
                    f"{visit} 02/09/2026 $325.75 $0.00 $0.00 $25.75 $300.00", "Amount due $300.00"):
        assert element in carol_page, element
    assert "Itemization" not in other_page


def rd_encounter(uow, encounter_id: int) -> str:  # type: ignore[no-untyped-def]
    with uow(write=False) as u:
        return str(u.session.execute(text("SELECT source_id FROM encounter WHERE id = :e"),
                                     {"e": encounter_id}).scalar_one())


def test_the_letter_from_the_command_line(cli, engine, carol, tmp_path) -> None:
    """`fap add --missing` queues it, `letters list` shows it, `letters print` prints and counts it,
    `fap request-info` refuses a second one, `fap complete` records the documents arrived."""
    on = ("--as-of", day(0).isoformat())
    before = counts(engine)
    code, out, err = cli(*on, "fap", "add", "--guarantor", "G100", "--incomplete")
    assert (code, out) == (2, "") and len(err.strip().splitlines()) == 1
    assert "missing: say what information or documents the application lacks" in err
    assert counts(engine) == before
    code, out, err = cli(*on, "fap", "add", "--guarantor", "G100", "--missing", MISSING)
    assert code == 0, err
    assert "missing-information letter queued (it prints with `recoup letters print`)" in out
    code, out, _ = cli("--json", "fap", "list")
    [row] = json.loads(out)
    assert (row["complete"], row["letter"]) == (False, "waiting")
    code, out, _ = cli("--json", "letters", "list", "--unprinted")
    assert [(r["status"], r["letter"]) for r in json.loads(out)] == [("FAP", TITLE)]
    app = str(row["application"])
    code, _, err = cli(*on, "fap", "request-info", app, "--missing", " ")
    assert code == 2 and "say what information" in err
    code, out, err = cli("--as-of", day(1).isoformat(), "letters", "print", "--out-dir", str(tmp_path / "out"))
    assert code == 0, err
    assert out.startswith("1 letter(s) considered: 1 printed, 0 superseded, 0 excluded. File: ")
    assert "  of them financial-assistance (missing information): 1" in out.splitlines()
    code, _, err = cli("--as-of", day(2).isoformat(), "fap", "request-info", app, "--missing", "A bank statement")
    assert code == 4 and "was printed on 2026-03-02 (one letter per application); nothing changed" in err
    code, out, _ = cli("--as-of", day(9).isoformat(), "fap", "complete", app)
    assert (code, out.strip()) == (0, f"application {app} is complete")
    code, _, err = cli("--as-of", day(9).isoformat(), "fap", "complete", app)
    assert code == 4 and "already complete" in err
