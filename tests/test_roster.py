"""Populate Collection Roster: worked examples 13.7 and 13.8, suppression, plans, partial
payments, one step per populate, letters once per status per episode, idempotent reruns.
Runs on SQLite and (with RECOUP_TEST_POSTGRES_URL) PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import select

from core import roster
from core.models import LetterQueue, RosterAccount
from tests import roster_data as rd
from tests.roster_data import day


def _status(u, g: int) -> str | None:  # type: ignore[no-untyped-def]
    ra = u.session.exec(select(RosterAccount).where(RosterAccount.guarantor_id == g)).first()
    return ra.status_code if ra is not None and ra.active else None


def _letters(u, g: int) -> list[tuple[str, str, int]]:  # type: ignore[no-untyped-def]
    rows = u.session.exec(select(LetterQueue).where(LetterQueue.guarantor_id == g).order_by(LetterQueue.id))
    return [(q.status_code, q.template, q.episode) for q in rows]


def _populate(uow, admin, p: int, n: int) -> roster.PopulateResult:  # type: ignore[no-untyped-def]
    with uow() as u:
        return roster.populate(u, admin, p, day(n))


@pytest.fixture
def one(uow, admin):  # type: ignore[no-untyped-def]
    """Practice P1 with G1 owing 100.00 posted 60 days before day 0 (so it enters on day 0)."""
    with uow() as u:
        p = rd.practice(u)
        g = rd.guarantor(u, p, "G1")
        line = rd.charge(u, p, g, 10000, day(-60))
        u.commit()
    return p, g, line


def test_13_7_roster_timing(uow, admin, one) -> None:
    p, g, _ = one
    r = _populate(uow, admin, p, 0)
    assert r.entered == (1, 10000) and r.letters == 1
    with uow() as u:
        assert _status(u, g) == "1"
        assert _letters(u, g) == [("1", "Past Due Reminder", 1)]
    for n in (7, 14):
        r = _populate(uow, admin, p, n)
        assert r.moved == (0, 0) and r.letters == 0
        with uow() as u:
            assert _status(u, g) == "1"
    r = _populate(uow, admin, p, 15)
    assert r.moved == (1, 10000) and r.letters == 1
    with uow() as u:
        assert _status(u, g) == "2"
        assert _letters(u, g) == [("1", "Past Due Reminder", 1), ("2", "Second Notice", 1)]
    _populate(uow, admin, p, 16)
    with uow() as u:
        assert _status(u, g) == "2"
        assert len(_letters(u, g)) == 2


def test_13_7_first_populate_after_day_15(uow, admin, one) -> None:
    """Populating on day 20 (nothing between) still moves exactly one step, to 2."""
    p, g, _ = one
    _populate(uow, admin, p, 0)
    _populate(uow, admin, p, 40)
    with uow() as u:
        assert _status(u, g) == "2"  # not 3, although 40 days > 15 + 15
        assert [c for c, _, _ in _letters(u, g)] == ["1", "2"]
    _populate(uow, admin, p, 41)
    with uow() as u:
        assert _status(u, g) == "2"  # its days in status 2 count from day 40
    _populate(uow, admin, p, 55)
    with uow() as u:
        assert _status(u, g) == "3"


def test_13_8_credit_balance_never_enters(uow, admin) -> None:
    with uow() as u:
        p = rd.practice(u)
        g = rd.guarantor(u, p, "G1")
        rd.charge(u, p, g, 10000, day(-90))
        rd.pay(u, p, g, 15000, day(-5))  # unapplied: escrow 150.00, total balance -50.00
        zero = rd.guarantor(u, p, "G2")
        rd.charge(u, p, zero, 5000, day(-90))
        rd.pay(u, p, zero, 5000, day(-5))  # escrow equal to the balance: owes nothing
        u.commit()
    r = _populate(uow, admin, p, 0)
    assert r.entered == (0, 0)
    with uow() as u:
        assert _status(u, g) is None and _status(u, zero) is None


def test_age_and_minimum_balance(uow, admin) -> None:
    with uow() as u:
        p = rd.practice(u)
        young = rd.guarantor(u, p, "YOUNG")
        rd.charge(u, p, young, 10000, day(-59))  # 59 days: not yet delinquent
        small = rd.guarantor(u, p, "SMALL")
        rd.charge(u, p, small, 2499, day(-90))  # below the 25.00 minimum
        ins = rd.guarantor(u, p, "INS")
        rd.charge(u, p, ins, 50000, day(-90), responsibility="insurance")  # never collected
        patient_date = rd.guarantor(u, p, "PDATE")
        rd.charge(u, p, patient_date, 10000, day(-200), responsibility_date=day(-10))
        u.commit()
    r = _populate(uow, admin, p, 0)
    assert r.entered == (0, 0)
    with uow() as u:
        roster.update_settings(u, admin, p, {"aging_basis": "acct"})
    r = _populate(uow, admin, p, 1)
    assert r.entered == (2, 20000)  # YOUNG is now 60 days old; PDATE ages from its posted date
    with uow() as u:
        assert _status(u, young) == "1" and _status(u, patient_date) == "1"
        assert _status(u, small) is None and _status(u, ins) is None


def test_rerun_same_date_changes_nothing(uow, admin, one) -> None:
    p, g, _line = one
    with uow() as u:
        g2 = rd.guarantor(u, p, "G2")
        rd.charge(u, p, g2, 7000, day(-100))
        u.commit()
    _populate(uow, admin, p, 0)
    with uow() as u:  # G2 pays part: a partial payment on day 20, G1 will move to 2 on day 20
        rd.pay(u, p, g2, 1000, day(20))
        u.commit()
    _populate(uow, admin, p, 20)

    def snapshot():  # type: ignore[no-untyped-def]
        with uow() as u:
            acc = u.session.execute(text(
                "SELECT guarantor_id, active, status_code, status_since, episode, version, past_due_cents "
                "FROM roster_account ORDER BY guarantor_id")).all()
            counts = [u.session.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
                      for t in ("roster_history", "letter_queue", "account_note", "ledger_txn", "roster_work")]
            return acc, counts
    before = snapshot()
    r = _populate(uow, admin, p, 20)
    assert (r.left, r.entered, r.plan_failed, r.partial_payment, r.moved, r.letters) == \
        ((0, 0), (0, 0), (0, 0), (0, 0), (0, 0), 0)
    assert snapshot() == before
    with uow() as u:
        assert _status(u, g) == "2" and _status(u, g2) == "PP"


def test_paid_in_full_leaves_and_reenters_new_episode(uow, admin, one) -> None:
    p, g, line = one
    _populate(uow, admin, p, 0)
    with uow() as u:
        rd.pay(u, p, g, 10000, day(3), line)
        u.commit()
    r = _populate(uow, admin, p, 3)
    assert r.left == (1, 10000)
    with uow() as u:
        assert _status(u, g) is None
        rd.charge(u, p, g, 4000, day(-70))
        u.commit()
    r = _populate(uow, admin, p, 4)
    assert r.entered == (1, 4000)
    with uow() as u:
        # a new episode: status 1's letter again, but once per episode
        assert _letters(u, g) == [("1", "Past Due Reminder", 1), ("1", "Past Due Reminder", 2)]
        hist = u.session.execute(text("SELECT reason, from_status, to_status FROM roster_history "
                                      "WHERE guarantor_id = :g ORDER BY id"), {"g": g}).all()
        assert [tuple(h) for h in hist] == [("enter", None, "1"), ("leave", "1", None), ("enter", None, "1")]


def test_letters_never_twice_for_one_status_in_an_episode(uow, admin, one) -> None:
    p, g, _ = one
    _populate(uow, admin, p, 0)
    _populate(uow, admin, p, 15)  # -> 2
    with uow() as u:
        roster.change_status(u, admin, g, "1", day(16))  # back to 1 by hand
    _populate(uow, admin, p, 31)  # -> 2 again
    with uow() as u:
        assert _status(u, g) == "2"
        assert [c for c, _, _ in _letters(u, g)] == ["1", "2"]


def test_suppression_by_account(uow, admin) -> None:
    with uow() as u:
        p = rd.practice(u)
        roster.ensure_defaults(u, p)
        u.commit()
    with uow() as u:
        roster.set_billing_group(u, admin, p, "NOC", "No collections", suppress=True)
    with uow() as u:
        roster.set_billing_group(u, admin, p, "STD", "Standard", suppress=False)
    with uow() as u:
        out = rd.guarantor(u, p, "OUT", billing_group="NOC")
        rd.charge(u, p, out, 10000, day(-90))
        inside = rd.guarantor(u, p, "IN", billing_group="STD")
        rd.charge(u, p, inside, 10000, day(-90), billing_group="NOC")  # line group ignored by account
        u.commit()
    r = _populate(uow, admin, p, 0)
    assert r.entered == (1, 10000)
    with uow() as u:
        assert _status(u, out) is None and _status(u, inside) == "1"
        u.session.execute(text("UPDATE guarantor SET billing_group = 'NOC' WHERE id = :g"), {"g": inside})
        u.commit()
    r = _populate(uow, admin, p, 1)  # its billing group is now suppressed: it leaves
    assert r.left == (1, 10000)
    with uow() as u:
        assert _status(u, inside) is None


def test_suppression_by_transaction(uow, admin) -> None:
    with uow() as u:
        p = rd.practice(u)
        roster.ensure_defaults(u, p)
        u.commit()
    with uow() as u:
        roster.set_billing_group(u, admin, p, "NOC", "No collections", suppress=True)
    with uow() as u:
        roster.update_settings(u, admin, p, {"suppress_by": "transaction"})
    with uow() as u:
        g = rd.guarantor(u, p, "G1", billing_group="NOC")  # the account's group is ignored now
        rd.charge(u, p, g, 10000, day(-90), billing_group="NOC")  # old suppressed line: excluded
        rd.charge(u, p, g, 3000, day(-90))  # counts
        only = rd.guarantor(u, p, "G2")
        rd.charge(u, p, only, 10000, day(-90), billing_group="NOC")
        u.commit()
    r = _populate(uow, admin, p, 0)
    assert r.entered == (1, 3000)
    with uow() as u:
        assert _status(u, g) == "1" and _status(u, only) is None


def test_plan_failure_and_plan_kept(uow, admin) -> None:
    with uow() as u:
        p = rd.practice(u)
        bad = rd.guarantor(u, p, "BAD")
        bad_line = rd.charge(u, p, bad, 30000, day(-90))
        good = rd.guarantor(u, p, "GOOD")
        good_line = rd.charge(u, p, good, 30000, day(-90))
        u.commit()
    _populate(uow, admin, p, 0)
    for g in (bad, good):
        with uow() as u:
            roster.set_plan(u, admin, g, 5000, 30, day(1), day(1))
    with uow() as u:
        assert _status(u, bad) == "P" and roster.plan_alert(u, bad).startswith("Collection payment plan: 50.00")
        rd.pay(u, p, bad, 5000, day(2), bad_line)
        rd.pay(u, p, good, 5000, day(2), good_line)
        rd.pay(u, p, good, 5000, day(30))  # unapplied money counts as paid too
        u.commit()
    r = _populate(uow, admin, p, 31)  # installments due day 1 and day 31; day 31 not yet missed
    assert r.plan_failed == (0, 0)
    r = _populate(uow, admin, p, 32)  # day 31's installment is now missed by BAD (paid 50 of 100)
    assert r.plan_failed == (1, 25000)
    with uow() as u:
        assert _status(u, bad) == "PF" and _status(u, good) == "P"
        assert roster.plan_alert(u, bad) is None  # the failed plan is no longer active
        assert ("PF", "Payment Plan Failed", 1) in _letters(u, bad)
        dead = roster.dead_end_report(u, admin, p, day(32))
        assert {(row["guarantor"], row["status"]) for row in dead} == {("GOOD", "P"), ("BAD", "PF")}
    r = _populate(uow, admin, p, 33)
    assert r.plan_failed == (0, 0) and r.partial_payment == (0, 0)


def test_plan_default_status_wins(uow, admin, one) -> None:
    p, g, _ = one
    _populate(uow, admin, p, 0)
    with uow() as u:
        roster.set_plan(u, admin, g, 2000, 14, day(1), day(1), default_status="3")
    _populate(uow, admin, p, 2)
    with uow() as u:
        assert _status(u, g) == "3"


def test_non_delinquent_plan(uow, admin) -> None:
    with uow() as u:
        p = rd.practice(u)
        g = rd.guarantor(u, p, "ND")
        line = rd.charge(u, p, g, 20000, day(-10))  # not delinquent
        u.commit()
    with uow() as u:
        roster.set_plan(u, admin, g, 5000, 30, day(1), day(0), non_delinquent=True)
    r = _populate(uow, admin, p, 1)
    assert r.left == (0, 0)
    with uow() as u:
        assert _status(u, g) == "N"  # stays although nothing is past due
    r = _populate(uow, admin, p, 2)  # the day-1 installment was missed
    with uow() as u:
        assert _status(u, g) == "NF"
        rd.pay(u, p, g, 20000, day(3), line)
        u.commit()
    r = _populate(uow, admin, p, 3)
    assert r.left[0] == 1


def test_partial_payment(uow, admin, one) -> None:
    p, g, line = one
    _populate(uow, admin, p, 0)
    with uow() as u:
        rd.pay(u, p, g, 4000, day(5), line)
        u.commit()
    r = _populate(uow, admin, p, 5)
    assert r.partial_payment == (1, 6000)
    with uow() as u:
        assert _status(u, g) == "PP"
        assert ("PP", "Partial Payment", 1) in _letters(u, g)
    r = _populate(uow, admin, p, 6)  # no payment since the last populate: stays
    assert r.partial_payment == (0, 0)


def test_require_letter_printed(uow, admin, one, tmp_path) -> None:
    p, g, _ = one
    with uow() as u:
        roster.update_settings(u, admin, p, {"require_letter_printed": True})
    _populate(uow, admin, p, 0)
    _populate(uow, admin, p, 20)
    with uow() as u:
        assert _status(u, g) == "1"  # its letter is not printed yet
        out = roster.print_letters(u, admin, day(20), out_dir=tmp_path, confirmed=True)
        assert out["letters"] == 1
    _populate(uow, admin, p, 21)
    with uow() as u:
        assert _status(u, g) == "2"


def test_letters_into_notes_and_account_history(uow, admin, one) -> None:
    from core.verify import verify
    p, g, _ = one
    with uow() as u:
        roster.update_settings(u, admin, p, {"letters_in_history": True, "letters_in_notes": True})
    r = _populate(uow, admin, p, 0)
    assert (r.letters, r.notes, r.history_adjustments) == (1, 1, 1)
    with uow() as u:
        txn = u.session.execute(text("SELECT kind, amount_cents, adjustment_code FROM ledger_txn "
                                     "WHERE guarantor_id = :g AND kind = 'adjustment'"), {"g": g}).all()
        assert [tuple(t) for t in txn] == [("adjustment", 0, "LTR")]
        note = u.session.execute(text("SELECT kind, text FROM account_note WHERE guarantor_id = :g"),
                                 {"g": g}).one()
        assert note.kind == "letter" and "Past Due Reminder" in note.text
        assert all(c.ok for c in verify(u))


def test_precollections_list_keeps_a_line_out(uow, admin) -> None:
    from core.models import PrecollectionTask
    with uow() as u:
        p = rd.practice(u)
        g = rd.guarantor(u, p, "G1")
        line = rd.charge(u, p, g, 10000, day(-90))
        enc = u.session.execute(text("SELECT encounter_id FROM service_line WHERE id = :l"), {"l": line}).scalar_one()
        u.session.add(PrecollectionTask(practice_id=p, task_no=1, encounter_id=enc, guarantor_id=g,
                                        state_date=day(-1)))
        u.commit()
    r = _populate(uow, admin, p, 0)
    assert r.entered == (0, 0)


def test_populate_records_run_and_one_audit_entry(uow, admin, one) -> None:
    p, _, _ = one
    with uow() as u:
        n0 = u.session.execute(text("SELECT COUNT(*) FROM audit_entry WHERE action = 'roster.populate'")).scalar_one()
    r = _populate(uow, admin, p, 0)
    with uow() as u:
        run = u.session.execute(text("SELECT entered_count, entered_cents, letters_count, outcome FROM roster_run "
                                     "WHERE id = :r"), {"r": r.run_id}).one()
        assert tuple(run) == (1, 10000, 1, "done")
        n1 = u.session.execute(text("SELECT COUNT(*) FROM audit_entry WHERE action = 'roster.populate'")).scalar_one()
        assert n1 == n0 + 1
