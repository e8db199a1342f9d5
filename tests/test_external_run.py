"""The nightly external collections run (SPEC 5): worked examples 13.4 and 13.5, boundaries,
each rule alone and together, re-age after deny, idempotent reruns, one balance one workflow."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from core import external, money
from core import precollections as pc
from core.errors import NeedsConfirmation
from core.precollections.criteria import Criteria
from tests import factories as f
from tests.conftest import TODAY
from tests.external_helpers import (
    agency,
    assert_verified,
    days_ago,
    line_aged,
    line_balances,
    placements,
    rules,
    run,
    snapshot,
)


def _practice(uow, admin):
    with uow() as u:
        p = f.practice(u)
        g = f.guarantor(u, p, "G1")
        u.commit()
    return p, g


def test_example_13_4_reassignment_by_age(uow, admin, tmp_path):
    """Balance > 99.00 for both; Agency 1 age > 45, Agency 2 age > 89; reassign on."""
    p, g = _practice(uow, admin)
    agency(uow, admin, p, "AG1", "99.00", 45, approve=True)
    agency(uow, admin, p, "AG2", "99.00", 89, approve=True)
    rules(uow, admin, p, reassign=True)
    with uow() as u:
        for age in (45, 46, 60, 89):
            line_aged(u, p, g, age, "100.00", source_id=f"E{age}")
        line_aged(u, p, g, 60, "99.00", source_id="E60low")
        u.commit()
    r = run(uow, admin, p, TODAY, tmp_path)
    got = placements(uow)
    assert got == {"E46-1": ("posted", "AG1", False), "E60-1": ("posted", "AG1", False),
                   "E89-1": ("posted", "AG1", False)}
    assert r.steps["select"] == (3, 30000) and r.steps["post"] == (3, 30000)
    assert_verified(uow)
    # the day the 89-day line is 90 days old it moves to Agency 2; the 46-day line stays
    r = run(uow, admin, p, TODAY + dt.timedelta(days=1), tmp_path)
    assert r.steps["reassign"] == (1, 10000)
    got = placements(uow)
    assert got["E89-1"] == ("posted", "AG2", False) and got["E60-1"][1] == "AG1"
    # a line reaching 90 days while at Agency 1 is reassigned on that day (not before)
    run(uow, admin, p, TODAY + dt.timedelta(days=43), tmp_path)  # the 46-day line is 89
    assert placements(uow)["E46-1"][1] == "AG1"
    run(uow, admin, p, TODAY + dt.timedelta(days=44), tmp_path)  # the 46-day line is now 90
    assert placements(uow)["E46-1"] == ("posted", "AG2", False)
    assert_verified(uow)


def test_reassignment_off_keeps_agency(uow, admin, tmp_path):
    p, g = _practice(uow, admin)
    agency(uow, admin, p, "AG1", "99.00", 45, approve=True)
    agency(uow, admin, p, "AG2", "99.00", 89, approve=True)
    with uow() as u:
        line_aged(u, p, g, 80, "150.00", source_id="E1")
        u.commit()
    run(uow, admin, p, TODAY, tmp_path)
    run(uow, admin, p, TODAY + dt.timedelta(days=20), tmp_path)
    assert placements(uow)["E1-1"] == ("posted", "AG1", False)


def test_highest_qualifying_age_wins_and_boundaries(uow, admin, tmp_path):
    p, g = _practice(uow, admin)
    agency(uow, admin, p, "YOUNG", "0.00", 30)
    agency(uow, admin, p, "OLD", "500.00", 120)
    with uow() as u:
        line_aged(u, p, g, 30, "1000.00", source_id="AT30")      # age exactly 30: not greater
        line_aged(u, p, g, 31, "0.01", source_id="B31")          # any balance > 0.00
        line_aged(u, p, g, 121, "500.00", source_id="AT500")     # balance exactly 500.00: YOUNG only
        line_aged(u, p, g, 121, "500.01", source_id="OLD1")      # qualifies for both: the older wins
        line_aged(u, p, g, 120, "900.00", source_id="AT120")     # age exactly 120: YOUNG
        line_aged(u, p, g, 200, "50.00", source_id="INS", responsibility="insurance")
        u.commit()
    run(uow, admin, p, TODAY, tmp_path)
    got = placements(uow)
    assert got == {"B31-1": ("pending", "YOUNG", False), "AT500-1": ("pending", "YOUNG", False),
                   "OLD1-1": ("pending", "OLD", False), "AT120-1": ("pending", "YOUNG", False)}
    assert line_balances(uow, "OLD1-1") == (50001, 0)  # pending: nothing moved yet
    assert_verified(uow)


def test_example_13_5_payment_exclusion(uow, admin, tmp_path):
    """Age > 74, exclusion: payment within 35 days of at least 20.00."""
    p, g = _practice(uow, admin)
    agency(uow, admin, p, "AG", "0.00", 74)
    rules(uow, admin, p, exclude_days=35, exclude_min_cents=2000)
    with uow() as u:
        encounters = {name: line_aged(u, p, g, 75, "300.00", source_id=name)
                      for name in ("RECENT", "OLD", "SMALL", "AT35", "AT36", "NONE")}
        line_aged(u, p, g, 74, "300.00", source_id="YOUNG")
        for name, amount, ago in (("RECENT", "25.00", 10), ("OLD", "25.00", 40), ("SMALL", "19.99", 5),
                                  ("AT35", "20.00", 35), ("AT36", "20.00", 36)):
            f.pay(u, encounters[name], money.parse(amount), days_ago(ago))
        u.commit()
    run(uow, admin, p, TODAY, tmp_path)
    assert set(placements(uow)) == {"OLD-1", "SMALL-1", "AT36-1", "NONE-1"}
    assert_verified(uow)


@pytest.mark.parametrize("pct, paid, excluded", [("10", "29.99", False), ("10", "30.00", True),
                                                 ("5", "20.00", True), ("5", "19.99", False)])
def test_example_13_5_larger_minimum_wins(uow, admin, tmp_path, pct, paid, excluded):
    """With 20.00 and 10 % of a 300.00 balance the minimum is 30.00; with 5 % it stays 20.00.
    The percentage is of the outstanding balance, so the line is charged 300.00 plus the payment."""
    p, g = _practice(uow, admin)
    agency(uow, admin, p, "AG", "0.00", 74)
    rules(uow, admin, p, exclude_days=35, exclude_min_cents=2000, exclude_pct_bp=external.parse_percent(pct))
    with uow() as u:
        e = f.encounter(u, p, g, [30000 + money.parse(paid)], posted=days_ago(80), source_id="E")
        f.pay(u, e, money.parse(paid), days_ago(3))
        u.commit()
    assert line_balances(uow, "E-1") == (30000, 0)
    run(uow, admin, p, TODAY, tmp_path)
    assert ("E-1" in placements(uow)) is not excluded


def test_percentage_only_exclusion(uow, admin, tmp_path):
    p, g = _practice(uow, admin)
    agency(uow, admin, p, "AG", "0.00", 10)
    rules(uow, admin, p, exclude_days=30, exclude_pct_bp=1000)
    with uow() as u:
        a = line_aged(u, p, g, 20, "200.00", source_id="A")    # 10 % of the 180.00 left = 18.00
        b = line_aged(u, p, g, 20, "200.00", source_id="B")
        f.pay(u, a, 2000, days_ago(1))
        f.pay(u, b, 1700, days_ago(1))                         # 10 % of 183.00 = 18.30 > 17.00
        u.commit()
    run(uow, admin, p, TODAY, tmp_path)
    assert set(placements(uow)) == {"B-1"}


def test_account_level_exclusion(uow, admin, tmp_path):
    p, g = _practice(uow, admin)
    agency(uow, admin, p, "AG", "0.00", 60)
    rules(uow, admin, p, exclude_days=30, exclude_min_cents=5000)
    with uow() as u:
        g2 = f.guarantor(u, p, "G2")
        line_aged(u, p, g, 90, "100.00", source_id="OLD")
        paid = line_aged(u, p, g, 10, "100.00", source_id="NEW")
        f.pay(u, paid, 6000, days_ago(2))                      # the guarantor paid on another line
        line_aged(u, p, g2, 90, "100.00", source_id="OTHER")
        u.commit()
    run(uow, admin, p, TODAY, tmp_path)
    assert set(placements(uow)) == {"OLD-1", "OTHER-1"}       # line level: that payment is not OLD's
    with uow() as u:
        external.deny(u, admin, p.id, TODAY, None, confirmed=True)
    rules(uow, admin, p, account_level=True)
    run(uow, admin, p, TODAY + dt.timedelta(days=1), tmp_path)
    assert {k for k, v in placements(uow).items() if v[0] == "pending"} == {"OTHER-1"}


def test_move_all_procedures_by_dos(uow, admin, tmp_path):
    p, g = _practice(uow, admin)
    agency(uow, admin, p, "AG", "99.00", 60, approve=True)
    with uow() as u:
        e = f.encounter(u, p, g, [15000, 2000], posted=days_ago(70), case_id="C1", source_id="E1")
        # a young line of the same DOS and case (posted later), and one of another case
        young = f.encounter(u, p, g, [3000], posted=days_ago(20), dos=e.dos, case_id="C1", source_id="E2")
        f.encounter(u, p, g, [3000], posted=days_ago(20), dos=e.dos, case_id="C2", source_id="E3")
        u.commit()
    rules(uow, admin, p, by_dos=True)
    run(uow, admin, p, TODAY, tmp_path)
    got = placements(uow)
    assert got == {"E1-1": ("posted", "AG", False), "E1-2": ("posted", "AG", False),
                   "E2-1": ("posted", "AG", False)}
    assert line_balances(uow, "E2-1") == (0, 3000)
    assert young is not None
    assert_verified(uow)


def test_without_dos_rule_only_the_qualifying_line(uow, admin, tmp_path):
    p, g = _practice(uow, admin)
    agency(uow, admin, p, "AG", "99.00", 60)
    with uow() as u:
        f.encounter(u, p, g, [15000, 2000], posted=days_ago(70), case_id="C1", source_id="E1")
        u.commit()
    run(uow, admin, p, TODAY, tmp_path)
    assert set(placements(uow)) == {"E1-1"}


def test_returned_mail_rolls_into_pending(uow, admin, tmp_path):
    p, g = _practice(uow, admin)
    agency(uow, admin, p, "AG", "99.00", 60, approve=True)
    with uow() as u:
        bad = f.guarantor(u, p, "BAD", returned_mail=True)
        line_aged(u, p, bad, 5, "10.00", source_id="YOUNG")     # qualifies for nothing
        line_aged(u, p, bad, 90, "500.00", source_id="OLDBAD")  # qualifies, but the address is bad
        line_aged(u, p, g, 90, "500.00", source_id="OK")
        u.commit()
    run(uow, admin, p, TODAY, tmp_path)
    assert placements(uow) == {"OLDBAD-1": ("posted", "AG", False), "OK-1": ("posted", "AG", False)}
    with uow() as u:
        external.reverse(u, admin, p.id, TODAY, ["OLDBAD-1"], confirmed=True)
    rules(uow, admin, p, returned_mail=True)
    run(uow, admin, p, TODAY + dt.timedelta(days=1), tmp_path)
    got = placements(uow)
    assert got["YOUNG-1"] == ("pending", None, True)          # no agency qualifies: an operator assigns one
    assert got["OLDBAD-1"] == ("reversed", "AG", False)       # reversed lines come back only by hand
    assert got["OK-1"] == ("posted", "AG", False)
    assert_verified(uow)


def test_all_rules_together(uow, admin, tmp_path):
    p, g = _practice(uow, admin)
    agency(uow, admin, p, "AG1", "99.00", 45, approve=True, file=True)
    agency(uow, admin, p, "AG2", "99.00", 89, approve=True, file=True)
    rules(uow, admin, p, exclude_days=30, exclude_min_cents=1000, exclude_pct_bp=500, account_level=False,
          returned_mail=True, reassign=True, reage_denied=True, by_dos=True)
    with uow() as u:
        bad = f.guarantor(u, p, "BAD", returned_mail=True)
        e = f.encounter(u, p, g, [20000, 1000], posted=days_ago(50), case_id="K", source_id="E1")
        paid = line_aged(u, p, g, 100, "300.00", source_id="PAID")
        f.pay(u, paid, 1500, days_ago(3))                      # 15.00 >= max(10.00, 5 % of 285.00 = 14.25)
        line_aged(u, p, bad, 2, "40.00", source_id="RM")
        u.commit()
    r = run(uow, admin, p, TODAY, tmp_path)
    got = placements(uow)
    assert got == {"E1-1": ("filed", "AG1", False), "E1-2": ("filed", "AG1", False), "RM-1": ("pending", None, True)}
    assert r.steps["file"] == (2, 21000) and len(r.files) == 1
    assert e is not None
    before = snapshot(uow)
    run(uow, admin, p, TODAY, tmp_path)
    assert snapshot(uow) == before
    r = run(uow, admin, p, TODAY + dt.timedelta(days=40), tmp_path)   # E1 is 90: reassigned to AG2
    # E1-2's 10.00 is not over 99.00, but it came in with E1-1 by the DOS rule: it goes along
    assert r.steps["reassign"] == (2, 21000)
    assert placements(uow)["E1-1"] == placements(uow)["E1-2"] == ("posted", "AG2", False)
    r = run(uow, admin, p, TODAY + dt.timedelta(days=41), tmp_path)   # ... and goes into AG2's next file
    assert placements(uow)["E1-1"] == ("filed", "AG2", False) and r.steps["file"] == (2, 21000)
    with uow(write=False) as u:  # the history says where each came from
        moved = u.session.execute(text(
            "SELECT l.source_id, fa.source_id, ta.source_id FROM external_history h JOIN external_placement x "
            "ON x.id = h.placement_id JOIN service_line l ON l.id = x.line_id "
            "JOIN agency fa ON fa.id = h.from_agency_id JOIN agency ta ON ta.id = h.agency_id "
            "WHERE h.step = 'reassign' ORDER BY l.source_id")).all()
    assert [tuple(r) for r in moved] == [("E1-1", "AG1", "AG2"), ("E1-2", "AG1", "AG2")]
    assert_verified(uow)


def test_a_dos_group_reassigned_to_two_agencies_goes_to_the_higher_one(uow, admin, tmp_path):
    """Two lines of one group qualify tonight for different agencies (one by balance): both go to
    the agency with the higher age threshold; a line of another case stays where it is."""
    p, g = _practice(uow, admin)
    agency(uow, admin, p, "AG1", "0.00", 45, approve=True, file=True)
    agency(uow, admin, p, "AG3", "0.00", 60, approve=True, file=True)
    agency(uow, admin, p, "AG2", "99.00", 89, approve=True, file=True)
    rules(uow, admin, p, reassign=True, by_dos=True)
    with uow() as u:
        e = f.encounter(u, p, g, [20000, 1000], posted=days_ago(50), case_id="K", source_id="E1")
        f.encounter(u, p, g, [500], posted=days_ago(50), dos=e.dos, case_id="OTHER", source_id="E2")
        u.commit()
    run(uow, admin, p, TODAY, tmp_path)
    assert {k: v[1] for k, v in placements(uow).items()} == {"E1-1": "AG1", "E1-2": "AG1", "E2-1": "AG1"}
    # at 90 days E1-1 (200.00) qualifies for AG2, E1-2 (10.00) and E2-1 (5.00) only for AG3
    r = run(uow, admin, p, TODAY + dt.timedelta(days=40), tmp_path)
    got = placements(uow)
    assert got["E1-1"] == got["E1-2"] == ("posted", "AG2", False)
    assert got["E2-1"] == ("posted", "AG3", False)
    assert r.steps["reassign"] == (3, 21500)
    with uow(write=False) as u:
        moved = u.session.execute(text(
            "SELECT l.source_id, fa.source_id, ta.source_id FROM external_history h JOIN external_placement x "
            "ON x.id = h.placement_id JOIN service_line l ON l.id = x.line_id "
            "JOIN agency fa ON fa.id = h.from_agency_id JOIN agency ta ON ta.id = h.agency_id "
            "WHERE h.step = 'reassign' ORDER BY l.source_id")).all()
    assert [tuple(m) for m in moved] == [("E1-1", "AG1", "AG2"), ("E1-2", "AG1", "AG2"), ("E2-1", "AG1", "AG3")]
    with uow(write=False) as u:
        assert u.session.execute(text("SELECT COUNT(*) FROM external_work")).scalar_one() == 0
    assert_verified(uow)


def test_reage_after_deny(uow, admin, tmp_path):
    p, g = _practice(uow, admin)
    agency(uow, admin, p, "AG", "0.00", 30)
    rules(uow, admin, p, reage_denied=True)
    with uow() as u:
        line_aged(u, p, g, 40, "80.00", source_id="E")
        u.commit()
    run(uow, admin, p, TODAY, tmp_path)
    with uow() as u:
        external.deny(u, admin, p.id, TODAY, ["E-1"], confirmed=True)
    assert placements(uow)["E-1"][0] == "denied"
    run(uow, admin, p, TODAY, tmp_path)                                     # same day: not back
    run(uow, admin, p, TODAY + dt.timedelta(days=30), tmp_path)             # age 30 since denial: not greater
    assert placements(uow)["E-1"][0] == "denied"
    run(uow, admin, p, TODAY + dt.timedelta(days=31), tmp_path)
    assert placements(uow)["E-1"] == ("pending", "AG", False)
    with uow(write=False) as u:
        steps = [r[0] for r in u.session.execute(text("SELECT step FROM external_history ORDER BY id")).all()]
    assert steps == ["select", "deny", "select"]


def test_deny_without_reage_comes_back_next_day(uow, admin, tmp_path):
    p, g = _practice(uow, admin)
    agency(uow, admin, p, "AG", "0.00", 30)
    with uow() as u:
        line_aged(u, p, g, 40, "80.00", source_id="E")
        u.commit()
    run(uow, admin, p, TODAY, tmp_path)
    with uow() as u:
        external.deny(u, admin, p.id, TODAY, None, confirmed=True)
    run(uow, admin, p, TODAY, tmp_path)
    assert placements(uow)["E-1"][0] == "denied"
    run(uow, admin, p, TODAY + dt.timedelta(days=1), tmp_path)
    assert placements(uow)["E-1"][0] == "pending"


def test_idempotent_rerun_changes_nothing(uow, admin, tmp_path):
    p, g = _practice(uow, admin)
    agency(uow, admin, p, "AG1", "10.00", 30, approve=True, file=True)
    agency(uow, admin, p, "AG2", "10.00", 60, approve=False)
    rules(uow, admin, p, reassign=True, by_dos=True)
    with uow() as u:
        for i in range(6):
            line_aged(u, p, g, 31 + i * 10, "50.00", source_id=f"E{i}")
        u.commit()
    first = run(uow, admin, p, TODAY, tmp_path)
    assert first.steps["select"][0] == 6 and first.steps["post"][0] == 3 and len(first.files) == 1
    before = snapshot(uow)
    second = run(uow, admin, p, TODAY, tmp_path)
    assert snapshot(uow) == before
    assert all(v == (0, 0) for v in second.steps.values()) and second.files == []
    with uow(write=False) as u:
        runs = u.session.execute(text("SELECT COUNT(*) FROM external_run WHERE kind = 'nightly'")).scalar_one()
        audits = u.session.execute(text("SELECT COUNT(*) FROM audit_entry WHERE action = 'external.run'")).scalar_one()
    assert runs == 2 and audits == 2
    assert_verified(uow)


def test_reversal_restores_ar_exactly(uow, admin, tmp_path):
    p, g = _practice(uow, admin)
    agency(uow, admin, p, "AG", "0.00", 30, approve=True, file=True)
    with uow() as u:
        e = f.encounter(u, p, g, [12345, 6789], posted=days_ago(50), source_id="E")
        f.pay(u, e, 345, days_ago(45))
        u.commit()
    with uow(write=False) as u:
        before = u.session.execute(text("SELECT ar_cents, collections_cents FROM guarantor "
                                     "WHERE source_id = 'G1'")).one()
    run(uow, admin, p, TODAY, tmp_path)
    assert line_balances(uow, "E-1") == (0, 12000) and line_balances(uow, "E-2") == (0, 6789)
    with uow() as u, pytest.raises(NeedsConfirmation):
        external.reverse(u, admin, p.id, TODAY, ["E-1"])
    with uow() as u:
        out = external.reverse(u, admin, p.id, TODAY, ["E-1", "E-2"], confirmed=True)
    assert out["count"] == 2 and out["dollars"] == "187.89" and out["filed"] == 2
    assert line_balances(uow, "E-1") == (12000, 0) and line_balances(uow, "E-2") == (6789, 0)
    with uow(write=False) as u:
        after = u.session.execute(text("SELECT ar_cents, collections_cents FROM guarantor "
                                     "WHERE source_id = 'G1'")).one()
    assert tuple(after) == tuple(before)
    assert_verified(uow)


def test_lines_in_precollections_are_not_selected(uow, admin, tmp_path):
    p, g = _practice(uow, admin)
    agency(uow, admin, p, "AG", "0.00", 30)
    with uow() as u:
        on_list = line_aged(u, p, g, 90, "100.00", source_id="PC")
        line_aged(u, p, g, 90, "100.00", source_id="FREE")
        u.commit()
    with uow() as u:
        pc.add_tasks(u, admin, p.id, Criteria(encounter="PC"), TODAY, confirmed=True)
    run(uow, admin, p, TODAY, tmp_path)
    assert set(placements(uow)) == {"FREE-1"}
    assert on_list is not None


def test_pending_lines_are_not_added_to_precollections(uow, admin, tmp_path):
    p, g = _practice(uow, admin)
    agency(uow, admin, p, "AG", "0.00", 30)
    with uow() as u:
        line_aged(u, p, g, 90, "100.00", source_id="EXT")
        line_aged(u, p, g, 20, "100.00", source_id="OTHER")   # too young for the agency
        u.commit()
    run(uow, admin, p, TODAY, tmp_path)
    assert set(placements(uow)) == {"EXT-1"}
    with uow() as u:
        pc.add_tasks(u, admin, p.id, Criteria(age_min=10), TODAY, confirmed=True)
    with uow(write=False) as u:
        listed = {r[0] for r in u.session.execute(text(
            "SELECT e.source_id FROM precollection_task t JOIN encounter e ON e.id = t.encounter_id")).all()}
    assert listed == {"OTHER"}


def test_released_when_paid_while_pending(uow, admin, tmp_path):
    p, g = _practice(uow, admin)
    agency(uow, admin, p, "AG", "0.00", 30)
    with uow() as u:
        e = line_aged(u, p, g, 90, "100.00", source_id="E")
        u.commit()
    run(uow, admin, p, TODAY, tmp_path)
    with uow() as u:
        f.pay(u, u.session.merge(e), 10000, TODAY)
        u.commit()
    r = run(uow, admin, p, TODAY + dt.timedelta(days=1), tmp_path)
    assert r.steps["release"] == (1, 0)
    assert placements(uow)["E-1"][0] == "released"


def test_external_off_practice_is_skipped(uow, admin, tmp_path):
    with uow() as u:
        p = f.practice(u, external_on=False)
        g = f.guarantor(u, p)
        line_aged(u, p, g, 90)
        u.commit()
    agency(uow, admin, p, "AG", "0.00", 30, approve=True)
    r = run(uow, admin, p, TODAY, tmp_path)
    assert placements(uow) == {} and r.steps["select"] == (0, 0)


def test_a_manual_reassign_takes_the_lines_that_came_in_by_dos(uow, admin, tmp_path):
    """Lines pulled in together by the DOS rule stay with one agency when an operator reassigns one."""
    p, g = _practice(uow, admin)
    agency(uow, admin, p, "AG", "99.00", 60, approve=True)
    agency(uow, admin, p, "AG2", None, None)
    with uow() as u:
        e = f.encounter(u, p, g, [15000, 2000], posted=days_ago(70), case_id="C1", source_id="E1")
        f.encounter(u, p, g, [15000], posted=days_ago(70), dos=e.dos, case_id="C2", source_id="E3")
        u.commit()
    rules(uow, admin, p, by_dos=True)
    run(uow, admin, p, TODAY, tmp_path)
    with uow() as u, pytest.raises(NeedsConfirmation) as warn:
        external.reassign(u, admin, p.id, TODAY, "AG2", ["E1-1"])
    assert (warn.value.summary.lines[0].count, warn.value.summary.lines[0].cents) == (2, 17000)
    with uow() as u:
        external.reassign(u, admin, p.id, TODAY, "AG2", ["E1-1"], confirmed=True)
    got = placements(uow)
    assert got["E1-1"] == got["E1-2"] == ("posted", "AG2", False)
    assert got["E3-1"] == ("posted", "AG", False)   # another case: not part of the group
    assert_verified(uow)
