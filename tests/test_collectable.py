"""SPEC 14 in every workflow: a held, a protected and an insurance-open account are left out of the
Pre-Collections list, the external run and the roster; held days do not age (SPEC 18.1); the
roster freezes an account on hold. Both databases, explicit business dates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from core import holds, protections, roster, tallies
from core import precollections as pc
from core.precollections import Criteria
from tests import factories as f
from tests.external_helpers import agency, placements, run

DAY = dt.date(2026, 3, 1)


def guarantor(u: Any, p: Any, sid: str, age: int = 100, **kw: Any) -> Any:
    """A patient with one 100.00 guarantor line posted `age` days before DAY."""
    enc_kw = {k: kw.pop(k) for k in ("insurance_status",) if k in kw}
    g = f.guarantor(u, p, sid, **kw)
    f.encounter(u, p, g, [10_000], source_id=f"E-{sid}", posted=DAY - dt.timedelta(days=age), **enc_kw)
    return g


@pytest.fixture
def world(uow, admin):  # type: ignore[no-untyped-def]
    with uow() as u:
        p = f.practice(u, income_threshold_pct=200)
        guarantor(u, p, "PLAIN")
        guarantor(u, p, "HELD")
        guarantor(u, p, "BANKRUPT", bankruptcy_filed=DAY - dt.timedelta(days=5))
        guarantor(u, p, "MINOR", birth_date=dt.date(2015, 1, 1))
        guarantor(u, p, "INSURANCE", insurance_status="open")
        guarantor(u, p, "POOR", household_income_cents=1_000_000, household_size=1)
        u.commit()
    with uow() as u:
        protections.set_guideline(u, admin, 2025, 1_565_000, 550_000, DAY)
    with uow() as u:
        holds.place_hold(u, admin, p.id, "dispute", "disputes the visit", DAY, guarantor="HELD")
    return p


LEFT_OUT = {"hold:dispute": "HELD", "protected:bankruptcy": "BANKRUPT", "protected:minor": "MINOR",
            "insurance_open": "INSURANCE"}


def assert_tally(uow: Any, admin: Any, tally: tallies.TallyView, left_out: dict[str, str], taken: int) -> None:
    """The batch's tally names each account it left out under its reason, with its 100.00, and
    considered = taken + left out; each reason opens exactly its account."""
    assert {c.code: (c.count, c.cents) for c in tally.excluded} == {code: (1, 10_000) for code in left_out}
    assert (tally.taken, tally.considered) == (taken, taken + len(left_out))
    with uow() as u:
        assert tallies.show(u, admin, tally.id) == tally  # stored as returned
        for code, sid in left_out.items():
            assert [a.guarantor for a in tallies.left_out(u, admin, tally.id, code)] == [sid]


def taken_by_precollections(uow, admin, p) -> set[str]:  # type: ignore[no-untyped-def]
    with uow() as u:
        built = pc.add_tasks(u, admin, p.id, Criteria(), DAY, confirmed=True)
    assert built.tally is not None
    assert_tally(uow, admin, built.tally, LEFT_OUT, 2)
    with uow() as u:
        return set(u.session.execute(text("SELECT e.source_id FROM precollection_task t JOIN encounter e "
                                          "ON e.id = t.encounter_id WHERE t.on_list = TRUE")).scalars())


def test_precollections_leaves_out_held_protected_and_insurance_open(uow, admin, world) -> None:
    assert taken_by_precollections(uow, admin, world) == {"E-PLAIN", "E-POOR"}  # income only stops agencies


def test_the_external_run_leaves_out_held_protected_income_exempt_and_insurance_open(
        uow, admin, world, tmp_path: Path) -> None:
    agency(uow, admin, world, "AG1", "0.00", 60)
    result = run(uow, admin, world, DAY, tmp_path)
    assert {line for line in placements(uow)} == {"E-PLAIN-1"}
    assert_tally(uow, admin, result.tally, {**LEFT_OUT, "protected:income_exempt": "POOR"}, 1)


def test_the_roster_leaves_out_held_protected_and_insurance_open(uow, admin, world) -> None:
    with uow() as u:
        result = roster.populate(u, admin, world.id, DAY)
    assert_tally(uow, admin, result.tally, LEFT_OUT, 2)
    with uow() as u:
        entered = set(u.session.execute(text("SELECT g.source_id FROM roster_account ra JOIN guarantor g "
                                             "ON g.id = ra.guarantor_id WHERE ra.active = TRUE")).scalars())
    assert entered == {"PLAIN", "POOR"}  # turnover, not the roster's letters, is what income exemption stops


def disputed_for_ten_days(uow: Any, admin: Any) -> Any:
    """SPEC 18.1's account: one line 40 days old on 1 March (DAY), disputed 1-10 March, and an agency
    for 'age greater than 60'."""
    with uow() as u:
        p = f.practice(u)
        guarantor(u, p, "G", age=40)
        u.commit()
    with uow() as u:
        holds.place_hold(u, admin, p.id, "dispute", "disputed", DAY, guarantor="G", end=dt.date(2026, 3, 10))
    agency(uow, admin, p, "AG1", "0.00", 60)
    return p


def test_a_hold_does_not_age_spec_18_1(uow, admin, tmp_path: Path) -> None:
    """40 days old on 1 March, disputed 1-10 March: on 31 March 60 days old, not 70. With an agency
    for 'age greater than 60' the line is taken on 1 April, not on 21 March."""
    p = disputed_for_ten_days(uow, admin)
    for day in (dt.date(2026, 3, 5), dt.date(2026, 3, 21), dt.date(2026, 3, 31)):
        run(uow, admin, p, day, tmp_path)
        assert placements(uow) == {}, day
    run(uow, admin, p, dt.date(2026, 4, 1), tmp_path)
    assert set(placements(uow)) == {"E-G-1"}


def test_the_roster_freezes_an_account_on_hold(uow, admin) -> None:
    """Status 1 lasts 15 days (the default table). A 10-day hold from day 5 stops the clock: the
    account moves on day 25, not day 15, and keeps its status and past-due meanwhile."""
    with uow() as u:
        p = f.practice(u)
        guarantor(u, p, "G", age=100)
        u.commit()

    def populate(day: int) -> dict[str, Any]:
        with uow() as u:
            roster.populate(u, admin, p.id, DAY + dt.timedelta(days=day))
        with uow() as u:
            row = u.session.execute(text("SELECT status_code, active, past_due_cents FROM roster_account")).one()
            return {"status": row[0], "active": bool(row[1]), "past_due": row[2]}
    first = populate(0)
    assert first["active"]
    with uow() as u:
        holds.place_hold(u, admin, p.id, "dispute", "disputed", DAY + dt.timedelta(days=5), guarantor="G",
                         end=DAY + dt.timedelta(days=14))
    for day in (5, 14, 15, 24):
        assert populate(day) == first, day  # still there, same status, same past-due
    moved = populate(25)
    assert moved["status"] != first["status"] and moved["active"]


def problems_of(uow: Any, name: str) -> list[str]:
    from core.verify import verify
    with uow(write=False) as u:
        return {c.name: c.problems for c in verify(u)}[name]


def test_verify_finds_a_balance_taken_while_on_hold_but_not_one_held_afterwards(uow, admin, world) -> None:
    """Every workflow's take is checked against the holds on record at the time. A batch that
    took the held encounter (a forged task and its history, as a bug or a hand edit would leave)
    is found; a hold placed after the batch, back-dated over its date, is not held against it."""
    taken_by_precollections(uow, admin, world)
    assert problems_of(uow, "holds obeyed") == []
    with uow() as u:  # back-dated after the build: the build was right when it ran
        holds.place_hold(u, admin, world.id, "appeal", "appealed", DAY + dt.timedelta(days=1), guarantor="PLAIN",
                         start=DAY - dt.timedelta(days=5))
    assert problems_of(uow, "holds obeyed") == []
    with uow() as u:
        forge_task(u, "E-HELD", 99)
        u.commit()
    assert problems_of(uow, "holds obeyed") == [
        "Pre-Collections build on 2026-03-01: took encounter E-HELD while it was on hold"]


def forge_task(u: Any, encounter: str, number: int) -> None:
    """A Pre-Collections take of `encounter` by the last build, as a bug or a hand edit would leave it."""
    u.session.execute(text("""INSERT INTO precollection_task (practice_id, task_no, encounter_id, guarantor_id,
            on_list, state, state_date, run_id, version)
        SELECT e.practice_id, :n, e.id, e.guarantor_id, TRUE, 'pre', :d, MAX(r.id), 1 FROM encounter e,
               precollection_run r WHERE e.source_id = :e GROUP BY e.practice_id, e.id, e.guarantor_id"""),
        {"d": DAY, "e": encounter, "n": number})
    u.session.execute(text("""INSERT INTO precollection_history (practice_id, task_id, encounter_id, run_id,
            from_state, to_state, amount_cents, business_date, at, operator)
        SELECT t.practice_id, t.id, t.encounter_id, t.run_id, NULL, 'pre', 10000, :d, :at, 'x'
        FROM precollection_task t WHERE t.task_no = :n"""), {"d": DAY, "at": u.now(), "n": number})


def test_verify_finds_a_balance_taken_while_protected_or_insurance_open_not_one_protected_afterwards(
        uow, admin, world) -> None:
    taken_by_precollections(uow, admin, world)
    assert problems_of(uow, "protections obeyed") == []
    with uow() as u:  # protected after the build, from a date before it: the build was right when it ran
        plain = u.session.execute(text("SELECT id FROM guarantor WHERE source_id = 'PLAIN'")).scalar_one()
        protections.set_protections(u, admin, plain, {"bankruptcy_filed": DAY - dt.timedelta(days=30)},
                                    DAY + dt.timedelta(days=1))
    assert problems_of(uow, "protections obeyed") == []
    with uow() as u:
        forge_task(u, "E-BANKRUPT", 98)
        forge_task(u, "E-INSURANCE", 99)
        u.commit()
    assert problems_of(uow, "protections obeyed") == [
        "Pre-Collections build on 2026-03-01: took encounter E-BANKRUPT while its guarantor was in bankruptcy",
        "Pre-Collections build on 2026-03-01: took encounter E-INSURANCE while its insurance was still open"]


def one_visit_disputed(uow: Any, admin: Any) -> Any:
    """A guarantor with two 100.00 visits 100 days old, one of them (E-HELD) under a dispute hold."""
    with uow() as u:
        p = f.practice(u)
        g = f.guarantor(u, p, "TWO")
        for sid in ("E-HELD", "E-FREE"):
            f.encounter(u, p, g, [10_000], source_id=sid, posted=DAY - dt.timedelta(days=100))
        u.commit()
    with uow() as u:
        holds.place_hold(u, admin, p.id, "dispute", "disputes one visit", DAY, encounter="E-HELD")
    return p


def no_work_rows(uow: Any) -> None:
    """A batch's scratch rows (what it read once, before SPEC 14) are gone when it commits."""
    with uow(write=False) as u:
        for table in ("external_work", "precollection_work", "roster_work"):
            assert u.session.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one() == 0, table


def test_an_encounter_hold_keeps_that_visit_out_of_the_external_run_only(uow, admin, tmp_path: Path) -> None:
    p = one_visit_disputed(uow, admin)
    agency(uow, admin, p, "AG1", "0.00", 60)
    result = run(uow, admin, p, DAY, tmp_path)
    assert set(placements(uow)) == {"E-FREE-1"}
    assert result.tally is not None
    assert_tally(uow, admin, result.tally, {"hold:dispute": "TWO"}, 1)
    no_work_rows(uow)


def test_an_encounter_hold_keeps_that_visit_off_the_precollections_list_only(uow, admin) -> None:
    p = one_visit_disputed(uow, admin)
    with uow() as u:
        built = pc.add_tasks(u, admin, p.id, Criteria(), DAY, confirmed=True)
    assert built.tally is not None
    assert_tally(uow, admin, built.tally, {"hold:dispute": "TWO"}, 1)
    with uow() as u:
        listed = set(u.session.execute(text("SELECT e.source_id FROM precollection_task t JOIN encounter e "
                                            "ON e.id = t.encounter_id WHERE t.on_list = TRUE")).scalars())
    assert listed == {"E-FREE"}
    no_work_rows(uow)


def test_the_roster_counts_only_the_visits_a_hold_leaves_it(uow, admin) -> None:
    """The account enters on its free visit's 100.00 (not 200.00); nothing is left out, as the account was taken."""
    p = one_visit_disputed(uow, admin)
    with uow() as u:
        result = roster.populate(u, admin, p.id, DAY)
    assert result.entered == (1, 10_000)
    assert result.tally is not None and not result.tally.excluded
    no_work_rows(uow)
