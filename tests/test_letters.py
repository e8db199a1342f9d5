"""Letters a patient can act on (SPEC 15) and one letter per guarantor per print run (SPEC 18.2),
on both databases; the printed PDF is read back with pypdf."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import text

from core import practices, roster, tallies
from core.errors import BadInput, NeedsConfirmation, Refused
from core.models import Guarantor
from core.names import greeting_name, written_name
from core.security import Actor
from tests import roster_data as rd
from tests.roster_data import day

PROFILE = {"address1": "1200 Maple Grove Parkway", "address2": "Suite 210", "city": "Springfield",
           "state": "IL", "zip": "62704", "phone": "(217) 555-0142",
           "remit_to": "Billing Office | PO Box 4410 | Springfield, IL 62708"}


def pdf_text(path: Path) -> list[str]:
    """Each page's text as a reader (and a patient's screen reader) gets it."""
    return [page.extract_text() for page in PdfReader(path).pages]


def flat(words: str) -> str:
    return " ".join(words.split())


@pytest.fixture
def carol(uow, admin):  # type: ignore[no-untyped-def]
    """Practice P1 with its profile; Carol (filed as "Williams, Carol C") 90 days past due."""
    with uow() as u:
        p = rd.practice(u, "P1")
        g = rd.guarantor(u, p, "G100")
        row = u.session.get(Guarantor, g)
        row.name, row.address1, row.city, row.state, row.zip = "Williams, Carol C", "44 Elm St", "Peoria", "IL", "61602"
        u.session.add(row)
        rd.charge(u, p, g, 32575, day(-90))
        u.commit()
    with uow() as u:
        practices.set_profile(u, admin, p, PROFILE, day(0))
    return p, g


def _populate(uow, admin, p: int, n: int) -> None:  # type: ignore[no-untyped-def]
    with uow() as u:
        roster.populate(u, admin, p, day(n))


def _print(uow, admin, n: int, folder: Path, practice_id: int | None = None) -> dict:  # type: ignore[no-untyped-def]
    with uow() as u:
        return roster.print_letters(u, admin, day(n), out_dir=folder, practice_id=practice_id)


def test_spec_18_2_one_letter_per_guarantor(uow, admin, carol, tmp_path) -> None:
    """Status 1 (letter A) on day 0, status 2 (letter B) on day 15, nothing printed: the run on
    day 16 prints B only and marks A superseded, and its tally says so."""
    p, _g = carol
    _populate(uow, admin, p, 0)
    _populate(uow, admin, p, 15)
    with uow() as u:
        waiting = roster.list_queue(u, admin, printed=False)
    assert [(r["status"], r["letter"]) for r in waiting] == [("1", "Past Due Reminder"), ("2", "Second Notice")]
    out = _print(uow, admin, 16, tmp_path)
    assert (out["considered"], out["printed"], out["superseded"], out["excluded"]) == (2, 1, 1, {})
    assert out["message"] == "2 letter(s) considered: 1 printed, 1 superseded, 0 excluded."
    with uow() as u:
        rows = {r["status"]: r for r in roster.list_queue(u, admin)}
    assert (rows["1"]["printed"], rows["1"]["superseded"]) == (None, day(16))
    assert (rows["2"]["printed"], rows["2"]["superseded"]) == (day(16), None)
    pages = pdf_text(Path(out["file"]))
    assert len(pages) == 1 and "Second Notice" in pages[0] and "Past Due Reminder" not in pages[0]
    with uow() as u:  # the run's tally: considered 2, printed 1 (by letter), superseded 1, opening its account
        run = tallies.list_tallies(u, admin, p, "letters_print")[0]
        view = tallies.show(u, admin, run.id)
        left = tallies.left_out(u, admin, run.id, "superseded")
    assert (view.considered, view.taken, view.considered_cents, view.taken_cents) == (2, 1, 65150, 32575)
    assert [(c.code, c.count, c.cents) for c in view.groups] == [("Second Notice", 1, 32575)]
    assert [(c.code, c.count, c.cents) for c in view.excluded] == [("superseded", 1, 32575)]
    assert [(x.guarantor, x.cents) for x in left] == [("G100", 32575)]


def test_the_letter_carries_everything_a_patient_needs(uow, admin, carol, tmp_path) -> None:
    p, _g = carol
    _populate(uow, admin, p, 0)
    out = _print(uow, admin, 1, tmp_path)
    page = flat(pdf_text(Path(out["file"]))[0])
    for element in ("Practice P1", "1200 Maple Grove Parkway", "Suite 210", "Springfield, IL 62704",
                    "Phone (217) 555-0142",                        # the practice and how to call it
                    "Account number G100",                         # the account
                    "Carol C Williams", "44 Elm St", "Peoria, IL 61602",  # the addressee
                    "Dear Carol Williams,",                        # a greeting as people write it
                    "Letter date March 2, 2026",                   # the letter date
                    "Amount due $325.75", "Please pay by April 1, 2026",   # balance and due date (+30 days)
                    "How to pay", "Please pay $325.75 by April 1, 2026", "call us at (217) 555-0142",
                    "PAYMENT STUB", "Account holder Carol C Williams", "Amount enclosed $",  # the stub
                    "Make your check payable to Practice P1",
                    "Billing Office PO Box 4410 Springfield, IL 62708"):   # the remit-to address
        assert element in page, element
    assert "Williams, Carol" not in page


def test_plan_confirmation_states_installment_frequency_and_next_due(uow, admin, carol, tmp_path) -> None:
    p, g = carol
    _populate(uow, admin, p, 0)
    _print(uow, admin, 0, tmp_path)
    with uow() as u:
        roster.set_plan(u, admin, g, 5000, 14, day(3), day(3))
    out = _print(uow, admin, 20, tmp_path)
    page = flat(pdf_text(Path(out["file"]))[0])
    for element in ("Payment Plan Confirmation", "You agreed to pay $50.00 every two weeks",
                    "your next payment is due on April 1, 2026",   # day 3 + 2 x 14: the first on or after day 20
                    "Your payment plan", "Installment: $50.00 every two weeks.",
                    "Next payment due: April 1, 2026.", "Amount due $50.00", "Please pay by April 1, 2026"):
        assert element in page, element


def test_installment_above_the_balance_is_a_warning(uow, admin, carol) -> None:
    p, g = carol
    _populate(uow, admin, p, 0)
    with uow() as u, pytest.raises(NeedsConfirmation) as warn:
        roster.set_plan(u, admin, g, 40000, 30, day(1), day(1))
    assert "more than the balance of $325.75" in warn.value.summary.lines[0].describe()
    with uow() as u:
        assert roster.account(u, g).status_code == "1"   # nothing changed
        plan = roster.set_plan(u, admin, g, 40000, 30, day(1), day(1), confirmed=True)
    assert plan.amount_cents == 40000


@pytest.mark.parametrize(("born", "died", "first_lines", "greeting"), [
    (dt.date(2015, 5, 1), None, ["Mary Williams", "Parent or guardian of Carol C Williams"], "Dear Mary Williams,"),
    (None, dt.date(2026, 1, 5), ["Estate of Carol C Williams", "c/o Mary Williams"], "Dear Mary Williams,"),
])
def test_minors_and_the_deceased_are_written_to_their_responsible_party(uow, admin, carol, tmp_path, born, died,
                                                                        first_lines, greeting) -> None:
    p, g = carol
    _populate(uow, admin, p, 0)
    with uow() as u:
        row = u.session.get(Guarantor, g)
        row.birth_date, row.date_of_death = born, died
        row.responsible_party_name, row.responsible_party_address = "WILLIAMS, MARY", "9 Oak Ave, Normal, IL 61761"
        u.session.add(row)
        u.commit()
    page = pdf_text(Path(_print(uow, admin, 1, tmp_path)["file"]))[0]
    lines = [line.strip() for line in page.splitlines()]
    start = lines.index(first_lines[0])
    assert lines[start:start + 4] == [*first_lines, "9 Oak Ave", "Normal, IL 61761"]
    assert greeting in page


def test_protected_and_unreachable_accounts_wait_and_are_counted(uow, admin, carol, tmp_path) -> None:
    """A minor with no responsible party and an account whose mail came back are held back (not
    printed, not superseded), each counted under its reason with its dollars."""
    p, g = carol
    with uow() as u:
        g2 = rd.guarantor(u, p, "G200")
        rd.charge(u, p, g2, 10000, day(-90))
        u.commit()
    _populate(uow, admin, p, 0)
    with uow() as u:
        minor, mailed = u.session.get(Guarantor, g), u.session.get(Guarantor, g2)
        minor.birth_date, mailed.returned_mail = dt.date(2015, 1, 1), True
        u.session.add_all([minor, mailed])
        u.commit()
    out = _print(uow, admin, 1, tmp_path)
    assert (out["printed"], out["superseded"], out["file"]) == (0, 0, None)
    assert {k: (v["count"], v["dollars"]) for k, v in out["excluded"].items()} == {
        "protected:minor": (1, "325.75"), "returned_mail": (1, "100.00")}
    with uow() as u:
        view = tallies.list_tallies(u, admin, p, "letters_print")[0]
        view = tallies.show(u, admin, view.id)
    assert (view.considered, view.taken) == (2, 0)
    assert {(c.code, c.count, c.cents) for c in view.excluded} == {("protected:minor", 1, 32575),
                                                                  ("returned_mail", 1, 10000)}
    with uow() as u:
        assert len(roster.list_queue(u, admin, printed=False)) == 2


def test_nothing_waiting_is_a_message_and_no_file(uow, admin, carol, tmp_path) -> None:
    out = _print(uow, admin, 1, tmp_path / "letters")
    assert (out["considered"], out["file"], out["message"]) == (0, None, "No letters are waiting to be printed.")
    assert not (tmp_path / "letters").exists()


def test_default_folder_made_on_first_use_owner_only(uow, admin, carol, tmp_path) -> None:
    p, _g = carol
    _populate(uow, admin, p, 0)
    folder = tmp_path / "data" / "roster-files"
    out = _print(uow, admin, 1, folder)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(Path(out["file"]).stat().st_mode) == 0o600


def test_letter_must_be_printed_before_moving_on(uow, admin, carol, tmp_path) -> None:
    p, g = carol
    with uow() as u:
        roster.update_settings(u, admin, p, {"require_letter_printed": True})
    for n in (0, 15, 20):
        _populate(uow, admin, p, n)
    with uow() as u:
        assert roster.account(u, g).status_code == "1"   # letter A not printed: held in status 1
    _print(uow, admin, 20, tmp_path)
    _populate(uow, admin, p, 21)
    with uow() as u:
        assert roster.account(u, g).status_code == "2"


def test_practice_profile_is_admins_and_checked(uow, admin, carol) -> None:
    p, _g = carol
    with uow() as u, pytest.raises(Refused):
        practices.set_profile(u, Actor("col", "collector"), p, {"phone": "1"}, day(0))
    with uow() as u, pytest.raises(BadInput) as bad:
        practices.set_profile(u, admin, p, {"letter_due_days": 0, "zip": "1" * 13}, day(0))
    assert str(bad.value) == "letter-due-days: a whole number of days from 1 to 365; zip: at most 12 characters"
    assert bad.value.field == "letter_due_days"
    with uow() as u:
        practices.set_profile(u, admin, p, {"letter_due_days": 10, "address2": None}, day(0))
    with uow() as u:
        shown = practices.profile(practices.practice_by_id(u, p))
    assert (shown["letter_due_days"], shown["address2"], shown["phone"]) == (10, None, "(217) 555-0142")


def test_unknown_merge_field_is_refused_by_name(uow, admin, carol) -> None:
    p, _g = carol
    with uow() as u, pytest.raises(BadInput, match=r"^body: unknown merge field\(s\) balanse;"):
        roster.set_letter_template(u, admin, p, "Odd", "Dear {guarantor_name}, you owe {balanse}.")
    with uow() as u:
        assert u.session.execute(text("SELECT COUNT(*) FROM letter_template WHERE name = 'Odd'")).scalar_one() == 0


@pytest.mark.parametrize(("filed", "written", "greeting"), [
    ("Williams, Carol C", "Carol C Williams", "Carol Williams"),
    ("WILLIAMS, CAROL C", "Carol C Williams", "Carol Williams"),
    ("Williams Jr, Carol Ann", "Carol Ann Williams Jr", "Carol Williams Jr"),
    ("van der Berg, Anna", "Anna van der Berg", "Anna van der Berg"),
    ("Carol C Williams", "Carol C Williams", "Carol Williams"),
    ("Cher", "Cher", "Cher"),
])
def test_names_as_people_write_them(filed: str, written: str, greeting: str) -> None:
    assert (written_name(filed), greeting_name(filed)) == (written, greeting)
