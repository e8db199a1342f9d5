"""The contact log and Regulation F (SPEC 15.2): the 7-in-7 presumption, the 7 days after a
conversation, calling hours in the guarantor's time zone, Save & Continue (exit 3 / --yes),
letters as mail contacts, the placement figures, and a call in the future refused. Both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from core import contacts
from core.errors import BadInput, NeedsConfirmation
from tests import factories as f

D = dt.date(2026, 3, 20)


@pytest.fixture
def world(uow, admin):  # type: ignore[no-untyped-def]
    with uow() as u:
        p = f.practice(u)
        f.guarantor(u, p, "G1", state="CA")
        f.guarantor(u, p, "G2")  # no state: calling hours cannot be judged
        u.commit()
        pid = p.id
    with uow() as u:
        contacts.set_time_zone(u, admin, "CA", "America/Los_Angeles", D)
    return pid


def call(uow, admin, pid, at: dt.datetime, outcome="no_answer", g="G1", yes=False, as_of=D):  # type: ignore[no-untyped-def]
    with uow() as u:
        return contacts.log_call(u, admin, pid, g, outcome, as_of, at=at, confirmed=yes)


def calls(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as c:
        return int(c.execute(text("SELECT COUNT(*) FROM contact_log")).scalar_one())


def test_the_eighth_call_in_seven_days_warns_and_is_recorded_flagged_on_confirmation(engine, uow, admin, world):
    for day in range(14, 21):  # 7 calls, 14..20 March
        call(uow, admin, world, dt.datetime(2026, 3, day, 10))
    with pytest.raises(NeedsConfirmation) as w:
        call(uow, admin, world, dt.datetime(2026, 3, 20, 15))
    assert "call number 8 or more" in " ".join(w.value.summary.notes) and calls(engine) == 7
    row = call(uow, admin, world, dt.datetime(2026, 3, 20, 15), yes=True)
    assert row.flags == "seven_in_seven" and calls(engine) == 8
    # a week later the window has moved on
    assert call(uow, admin, world, dt.datetime(2026, 3, 27, 10), as_of=dt.date(2026, 3, 27)).flags == ""


def test_a_call_within_seven_days_after_a_conversation_warns(uow, admin, world):
    call(uow, admin, world, dt.datetime(2026, 3, 12, 10), outcome="conversation", as_of=dt.date(2026, 3, 12))
    with pytest.raises(NeedsConfirmation, match="Regulation F"):
        call(uow, admin, world, dt.datetime(2026, 3, 19, 10), as_of=dt.date(2026, 3, 19))
    assert call(uow, admin, world, dt.datetime(2026, 3, 20, 10)).flags == ""


def test_calling_hours_are_judged_in_the_guarantors_time_zone(uow, admin, world):
    # 10:30 in New York is 07:30 in California
    with pytest.raises(NeedsConfirmation) as w:
        call(uow, admin, world, dt.datetime(2026, 3, 20, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=-4))))
    assert "outside 08:00-21:00" in " ".join(w.value.summary.notes)
    assert call(uow, admin, world, dt.datetime(2026, 3, 20, 20, 59)).flags == ""
    assert call(uow, admin, world, dt.datetime(2026, 3, 20, 21, 0), yes=True).flags == "calling_hours"
    assert call(uow, admin, world, dt.datetime(2026, 3, 20, 6, 0), g="G2").flags == ""  # no state on file


def test_a_call_in_the_future_is_refused_and_nothing_is_written(engine, uow, admin, world):
    with pytest.raises(BadInput, match=r"at: 2026-03-21 09:00 is in the future") as bad:
        call(uow, admin, world, dt.datetime(2026, 3, 21, 9))
    assert bad.value.field == "at" and calls(engine) == 0


def test_printed_letters_are_mail_contacts_and_placement_figures(uow, admin, world):
    call(uow, admin, world, dt.datetime(2026, 3, 10, 10), outcome="conversation", as_of=dt.date(2026, 3, 10))
    call(uow, admin, world, dt.datetime(2026, 3, 18, 10))
    call(uow, admin, world, dt.datetime(2026, 3, 19, 10))
    with uow() as u:
        gid = u.session.execute(text("SELECT id FROM guarantor WHERE source_id = 'G1'")).scalar_one()
        u.session.execute(text("INSERT INTO letter_queue (practice_id, guarantor_id, status_code, template, episode, "
                               "queued_date, printed_date, printed_by) VALUES (:p, :g, 'S1', 'First notice', 1, "
                               ":q, :d, 'ann')"), {"p": world, "g": gid, "q": dt.date(2026, 3, 1),
                                                    "d": dt.date(2026, 3, 2)})
        u.commit()
    with uow(write=False) as u:
        log = contacts.contact_log(u, admin, world, "G1", D)
        figures = contacts.placement_figures(u, [gid], D)
    assert [(c.date.day, c.kind, c.outcome) for c in log] == [
        (19, "call", "no_answer"), (18, "call", "no_answer"), (10, "call", "conversation"),
        (2, "letter", "First notice")]
    assert figures[gid] == contacts.Figures(2, dt.date(2026, 3, 10))


def test_cli_exit_3_without_yes_and_the_zone_table(cli, uow, admin, world):
    code, out, _ = cli("--as-of", "2026-03-20", "contacts", "call", "--guarantor", "G1", "--outcome", "no_answer",
                       "--at", "2026-03-20T22:15")
    assert code == 3 and "outside 08:00-21:00" in out and "Nothing was changed" in out
    code, out, _ = cli("--as-of", "2026-03-20", "contacts", "call", "--guarantor", "G1", "--outcome", "no_answer",
                       "--at", "2026-03-20T22:15", "--yes")
    assert code == 0 and "flagged: calling_hours" in out
    code, _, err = cli("--as-of", "2026-03-20", "contacts", "call", "--guarantor", "G1", "--outcome", "no_answer",
                       "--at", "tomorrow")
    assert code == 2 and "at: not a date and time" in err
    code, _, err = cli("contacts", "zone", "CA", "Mars/Olympus")
    assert code == 2 and "zone: 'Mars/Olympus' is not a time zone" in err
