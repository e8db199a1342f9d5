"""Pre-Collections use cases (SPEC 3): the worked examples, criteria, warnings, refusals, staleness.

Every test runs on a real SQLite file and, with RECOUP_TEST_POSTGRES_URL, on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import factories as f
import pytest
from conftest import TODAY
from pc_helpers import (
    COLLECTOR,
    SUPERVISOR,
    SUPPORT,
    VIEWER,
    assert_verified,
    call,
    on_list,
    snapshot,
    tasks_by_encounter,
)
from sqlalchemy import text

from core import precollections as pc
from core.errors import BadInput, NeedsConfirmation, Refused, SummaryLine
from core.exchange import agency_files
from core.precollections.criteria import Criteria, TaskFilter


@pytest.fixture
def eight(uow):
    """Eight patient encounters of 100.00 with dunning 1, E1..E8: encounter E is E7, task 7."""
    with uow() as u:
        p = f.practice(u)
        gs = [f.guarantor(u, p, f"G{i}") for i in range(1, 5)]
        for i in range(1, 9):
            f.encounter(u, p, gs[i % 4], [6000, 4000], source_id=f"E{i}", dunning=1)
        u.commit()
    call(uow, pc.add_tasks, COLLECTOR, p.id, Criteria(dunning_min=1), TODAY)
    assert on_list(uow) == {f"E{i}": i for i in range(1, 9)}
    return SimpleNamespace(practice=p.id, guarantors=[g.id for g in gs])


def _encounter(u, source_id):
    from sqlmodel import select

    from core.models.ledger import Encounter
    return u.session.exec(select(Encounter).where(Encounter.source_id == source_id)).one()


def _pay(uow, source_id, cents):
    with uow() as u:
        f.pay(u, _encounter(u, source_id), cents, TODAY)
        u.commit()


def _new_encounter(uow, source_id, dunning=1, guarantor="G1"):
    from sqlmodel import select

    from core.models.ledger import Guarantor, Practice
    with uow() as u:
        p = u.session.exec(select(Practice)).one()
        g = u.session.exec(select(Guarantor).where(Guarantor.source_id == guarantor)).one()
        f.encounter(u, p, g, [10000], source_id=source_id, dunning=dunning)
        u.commit()


def _set_dunning(uow, source_id, n):
    with uow() as u:
        u.session.execute(text("UPDATE encounter SET dunning_count = :n WHERE source_id = :s"),
                          {"n": n, "s": source_id})
        u.commit()


# ------------------------------------------------------------------------------ worked examples

def test_13_1_clear_list_paid_to_zero(uow, eight):
    _pay(uow, "E7", 10000)
    _new_encounter(uow, "E9")
    r = call(uow, pc.add_tasks, COLLECTOR, eight.practice, Criteria(dunning_min=1), TODAY, clear=True)
    assert (r.added, r.dropped, r.returned) == (1, 1, 0)
    expected = {f"E{i}": i for i in (1, 2, 3, 4, 5, 6, 8)} | {"E9": 9}
    assert on_list(uow) == expected
    assert tasks_by_encounter(uow)["E7"][:3] == (7, "dropped", False)
    rows = call(uow, pc.list_tasks, VIEWER, eight.practice, TODAY)
    assert len({r.encounter for r in rows}) == len(rows) == 8
    assert_verified(uow)


def test_13_2_no_clear_paid_to_zero(uow, eight):
    _pay(uow, "E7", 10000)
    _new_encounter(uow, "E9")
    r = call(uow, pc.add_tasks, COLLECTOR, eight.practice, Criteria(dunning_min=1), TODAY)
    assert (r.added, r.dropped) == (1, 0)
    assert on_list(uow) == {f"E{i}": i for i in range(1, 10)}
    assert tasks_by_encounter(uow)["E7"] == (7, "pre", True, 0)
    rows = call(uow, pc.list_tasks, VIEWER, eight.practice, TODAY)
    assert [r.task for r in rows] == list(range(1, 10))
    assert_verified(uow)


def test_13_3_partial_payment_and_dunning(uow, eight):
    _pay(uow, "E7", 4000)
    call(uow, pc.add_tasks, COLLECTOR, eight.practice, Criteria(dunning_min=1), TODAY, clear=True)
    assert tasks_by_encounter(uow)["E7"] == (7, "pre", True, 6000)
    _set_dunning(uow, "E7", 0)
    call(uow, pc.add_tasks, COLLECTOR, eight.practice, Criteria(dunning_min=1), TODAY, clear=True)
    assert "E7" not in on_list(uow)
    _set_dunning(uow, "E7", 2)  # back later: the same task number, forever
    call(uow, pc.add_tasks, COLLECTOR, eight.practice, Criteria(dunning_min=1), TODAY)
    assert on_list(uow)["E7"] == 7
    assert_verified(uow)


def test_clear_warns_with_the_count_of_unapplied_actions(uow, eight):
    call(uow, pc.set_action, COLLECTOR, eight.practice, "remove", TODAY, tasks=[2, 5])
    before = snapshot(uow)
    with pytest.raises(NeedsConfirmation) as exc:
        call(uow, pc.add_tasks, COLLECTOR, eight.practice, Criteria(dunning_min=1), TODAY, clear=True)
    assert exc.value.summary.lines[0].count == 2
    assert snapshot(uow) == before
    call(uow, pc.add_tasks, COLLECTOR, eight.practice, Criteria(dunning_min=1), TODAY)  # no clear: no warning
    r = call(uow, pc.add_tasks, COLLECTOR, eight.practice, Criteria(dunning_min=1), TODAY, clear=True,
             confirmed=True)
    assert r.actions_cleared == 2
    assert all(t.action is None for t in call(uow, pc.list_tasks, VIEWER, eight.practice, TODAY))


# -------------------------------------------------------------------------------------- criteria

@pytest.fixture
def mixed(uow):
    def d(days: int) -> dt.date:
        return TODAY - dt.timedelta(days=days)
    with uow() as u:
        p = f.practice(u, employer_collections=False)
        ga, gb, gc = (f.guarantor(u, p, s) for s in ("GA", "GB", "GC"))
        ge = f.guarantor(u, p, "GE", kind="employer")
        f.encounter(u, p, ga, [5000], source_id="EA", statement_profile="STD")
        f.encounter(u, p, ga, [20000], source_id="EB", posted=d(days=10), dunning=2, statement_profile="STD")
        f.encounter(u, p, gb, [30000], source_id="EC", responsibility="insurance")
        f.encounter(u, p, gb, [15000], source_id="ED", posted=d(days=200), responsibility_date=d(days=20))
        f.encounter(u, p, ge, [40000], source_id="EE")
        ef = f.encounter(u, p, gc, [10000], source_id="EF")
        f.pay(u, ef, 10000, TODAY)
        u.commit()
    return p.id


@pytest.mark.parametrize("criteria,expected", [
    (Criteria(), {"EA", "EB", "ED"}),
    (Criteria(guarantor_balance_min=25000), {"EA", "EB"}),
    (Criteria(guarantor_balance_max=20000), {"ED"}),
    (Criteria(encounter_balance_min=15000), {"EB", "ED"}),
    (Criteria(encounter_balance_max=15000), {"EA", "ED"}),
    (Criteria(encounter_balance_min=10000, encounter_balance_max=16000), {"ED"}),
    (Criteria(age_min=30), {"EA"}),
    (Criteria(age_min=20), {"EA", "ED"}),
    (Criteria(dunning_min=1), {"EB"}),
    (Criteria(statement_profile="STD"), {"EA", "EB"}),
    (Criteria(encounter="ED"), {"ED"}),
    (Criteria(guarantor="GA"), {"EA", "EB"}),
])
def test_each_criterion(uow, mixed, criteria, expected):
    call(uow, pc.add_tasks, COLLECTOR, mixed, criteria, TODAY)
    assert set(on_list(uow)) == expected


def test_accounting_date_aging(uow, mixed):
    with uow() as u:
        u.session.execute(text("UPDATE practice SET aging_basis = 'acct'"))
        u.commit()
    call(uow, pc.add_tasks, COLLECTOR, mixed, Criteria(age_min=30), TODAY)
    assert set(on_list(uow)) == {"EA", "ED"}
    rows = {r.encounter: r.age_days for r in call(uow, pc.list_tasks, VIEWER, mixed, TODAY)}
    assert rows["ED"] == 200


def test_employer_balances_need_employer_collections(uow, mixed):
    with pytest.raises(Refused, match="Employer Collections is not activated"):
        call(uow, pc.add_tasks, COLLECTOR, mixed, Criteria(balance_for="employer"), TODAY)
    with pytest.raises(Refused, match="support"):
        call(uow, pc.set_employer_collections, SUPERVISOR, mixed, True, TODAY)
    call(uow, pc.set_employer_collections, SUPPORT, mixed, True, TODAY)
    r = call(uow, pc.add_tasks, COLLECTOR, mixed, Criteria(), TODAY)  # Employer is now the default
    assert r.balance_for == "employer" and set(on_list(uow)) == {"EE"}
    call(uow, pc.add_tasks, COLLECTOR, mixed, Criteria(balance_for="patient"), TODAY)
    assert set(on_list(uow)) == {"EA", "EB", "ED", "EE"}
    assert_verified(uow)


def test_bad_criteria_name_the_field(uow, mixed):
    with pytest.raises(BadInput, match="separate-by"):
        call(uow, pc.add_tasks, COLLECTOR, mixed, Criteria(separate_by="guarantor"), TODAY)
    with pytest.raises(BadInput, match="encounter-balance-min is more than"):
        call(uow, pc.add_tasks, COLLECTOR, mixed, Criteria(encounter_balance_min=5, encounter_balance_max=1), TODAY)
    with pytest.raises(BadInput, match="encounter: no encounter 'NOPE'"):
        call(uow, pc.add_tasks, COLLECTOR, mixed, Criteria(encounter="NOPE"), TODAY)
    with pytest.raises(Refused, match="viewer"):
        call(uow, pc.add_tasks, VIEWER, mixed, Criteria(), TODAY)
    assert on_list(uow) == {}


def test_explain_shows_each_criterion(uow, mixed):
    call(uow, pc.add_tasks, COLLECTOR, mixed, Criteria(dunning_min=1, encounter_balance_min=10000), TODAY)
    x = call(uow, pc.explain, VIEWER, mixed, "ED", TODAY)
    checks = {c.criterion: (c.actual, c.threshold, c.passed) for c in x.checks}
    assert checks["dunning (message count) >="] == (0, 1, False)
    assert checks["encounter balance >="] == (15000, 10000, True)
    assert checks["encounter balance in A/R (guarantor responsibility) > 0"] == (15000, 0, True)
    assert not x.on_list and not x.qualifies and x.task is None
    x = call(uow, pc.explain, VIEWER, mixed, "EB", TODAY)
    assert x.on_list and x.task == 1 and x.qualifies
    x = call(uow, pc.explain, VIEWER, mixed, "EC", TODAY)  # insurance balance: never collected
    assert [c.passed for c in x.checks][:1] == [False]


# ---------------------------------------------------------------------------------- filters, set

def test_filters_narrow_the_display_not_the_list(uow, mixed):
    with uow() as u:
        from sqlmodel import select

        from core.models.ledger import Guarantor
        gb = u.session.exec(select(Guarantor).where(Guarantor.source_id == "GB")).one()
        f.unapplied(u, gb, 2500, TODAY)
        f.unapplied(u, gb, 5000, TODAY)
        u.commit()
    call(uow, pc.add_tasks, COLLECTOR, mixed, Criteria(), TODAY)
    rows = call(uow, pc.list_tasks, VIEWER, mixed, TODAY, TaskFilter(escrow_min=1000))
    assert [(r.encounter, r.escrow_cents) for r in rows] == [("ED", 7500)]
    assert [r.encounter for r in call(uow, pc.list_tasks, VIEWER, mixed, TODAY,
                                      TaskFilter(guarantor="GA"))] == ["EA", "EB"]
    assert [r.encounter for r in call(uow, pc.list_tasks, VIEWER, mixed, TODAY, TaskFilter(age_min=300))] == ["EA"]
    assert call(uow, pc.list_tasks, VIEWER, mixed, TODAY, TaskFilter(states=("sent",))) == []
    assert len(call(uow, pc.list_tasks, VIEWER, mixed, TODAY)) == 3
    # Select All on the filtered view, minus one exclusion, then Set Action
    n = call(uow, pc.set_action, COLLECTOR, mixed, "remove", TODAY, filt=TaskFilter(guarantor="GA"), exclude=[1])
    assert n == 1
    assert {r.encounter: r.action for r in call(uow, pc.list_tasks, VIEWER, mixed, TODAY)} == \
        {"EA": None, "EB": "remove", "ED": None}
    assert_verified(uow)


def test_set_action_refusals(uow, eight):
    with pytest.raises(BadInput, match="task 99"):
        call(uow, pc.set_action, COLLECTOR, eight.practice, "remove", TODAY, tasks=[1, 99])
    with pytest.raises(Refused, match=r"task 3 .*Send to Sent to Agency is not allowed"):
        call(uow, pc.set_action, COLLECTOR, eight.practice, "send-to-agency", TODAY, tasks=[3])
    with pytest.raises(Refused, match=r"task 2 .*Remove from Collections is not allowed .* in Pre-Collections"):
        call(uow, pc.set_action, COLLECTOR, eight.practice, "remove-from-collections", TODAY, tasks=[2])
    with pytest.raises(Refused, match="viewer"):
        call(uow, pc.set_action, VIEWER, eight.practice, "remove", TODAY, tasks=[2])
    assert all(t.action is None for t in call(uow, pc.list_tasks, VIEWER, eight.practice, TODAY))


# ------------------------------------------------------------------------------------------ apply

def test_apply_warns_per_action_with_counts_and_dollars(uow, eight):
    _pay(uow, "E3", 2550)
    call(uow, pc.set_action, COLLECTOR, eight.practice, "send-to-collections", TODAY, tasks=[1, 2, 3])
    call(uow, pc.set_action, COLLECTOR, eight.practice, "remove", TODAY, tasks=[4, 5])
    call(uow, pc.set_action, COLLECTOR, eight.practice, "write-off", TODAY, tasks=[6])
    before = snapshot(uow)
    with pytest.raises(NeedsConfirmation) as exc:
        call(uow, pc.apply, SUPERVISOR, eight.practice, TODAY)
    assert exc.value.summary.lines == [
        SummaryLine(2, 20000, "will be removed from Pre-Collections"),
        SummaryLine(3, 27450, "will be sent to Collections"),
        SummaryLine(1, 10000, "will be written off")]
    with pytest.raises(NeedsConfirmation) as exc:  # only one action
        call(uow, pc.apply, SUPERVISOR, eight.practice, TODAY, "remove")
    assert exc.value.summary.lines == [SummaryLine(2, 20000, "will be removed from Pre-Collections")]
    assert snapshot(uow) == before  # no confirmation: nothing changed
    r = call(uow, pc.apply, SUPERVISOR, eight.practice, TODAY, confirmed=True)
    assert r.count == 6
    t = tasks_by_encounter(uow)
    assert [t[f"E{i}"][1] for i in range(1, 9)] == ["not_sent"] * 3 + ["removed"] * 2 + ["written_off", "pre", "pre"]
    with uow(write=False) as u:
        e1 = _encounter(u, "E1")
        assert (e1.ar_cents, e1.collections_cents) == (0, 10000)
        wo = u.session.execute(text("SELECT SUM(amount_cents), MIN(adjustment_code) FROM ledger_txn "
                                    "WHERE kind = 'write_off'")).one()
        assert tuple(wo) == (10000, "WO")
        hist = u.session.execute(text("SELECT from_state, to_state, action FROM precollection_history "
                                      "WHERE action IS NOT NULL ORDER BY id")).all()
        assert len(hist) == 6 and ("pre", "written_off", "write-off") in [tuple(h) for h in hist]
    assert all(x.action is None for x in call(uow, pc.list_tasks, VIEWER, eight.practice, TODAY))
    assert_verified(uow)


def test_apply_refuses_a_role_that_may_not_move_money(uow, eight):
    call(uow, pc.set_action, COLLECTOR, eight.practice, "send-to-collections", TODAY, tasks=[1])
    call(uow, pc.set_action, COLLECTOR, eight.practice, "remove", TODAY, tasks=[2])
    before = snapshot(uow)
    with pytest.raises(Refused, match="supervisor"):
        call(uow, pc.apply, COLLECTOR, eight.practice, TODAY, confirmed=True)
    assert snapshot(uow) == before
    r = call(uow, pc.apply, COLLECTOR, eight.practice, TODAY, "remove", confirmed=True)  # a collector may remove
    assert r.count == 1


def test_zero_balance_task_cannot_be_sent_and_refuses_the_whole_apply(uow, eight):
    _pay(uow, "E7", 10000)
    call(uow, pc.set_action, COLLECTOR, eight.practice, "send-to-collections", TODAY, tasks=[1, 2])
    with pytest.raises(Refused, match=r"task 7 \(encounter E7\): there is no guarantor balance"):
        call(uow, pc.set_action, COLLECTOR, eight.practice, "send-to-collections", TODAY, tasks=[7])
    with uow() as u:  # set before the payment, as it would have been
        u.session.execute(text("UPDATE precollection_task SET action = 'write-off' WHERE task_no = 7"))
        u.commit()
    before = snapshot(uow)
    with pytest.raises(Refused, match=r"task 7 \(encounter E7\)"):
        call(uow, pc.apply, SUPERVISOR, eight.practice, TODAY, confirmed=True)
    assert snapshot(uow) == before


def test_stale_apply_by_a_second_operator_is_refused_naming_the_task(uow, eight):
    call(uow, pc.set_action, COLLECTOR, eight.practice, "write-off", TODAY, tasks=[1])
    call(uow, pc.set_action, COLLECTOR, eight.practice, "send-to-collections", TODAY, tasks=[2])
    with pytest.raises(NeedsConfirmation):  # operator A sees the warning ...
        call(uow, pc.apply, SUPERVISOR, eight.practice, TODAY)
    other = SUPERVISOR.__class__("otto", "supervisor")  # ... operator B sends E1 from its dashboard
    call(uow, pc.send_to_collections, other, eight.practice, TODAY, encounter="E1", confirmed=True)
    before = snapshot(uow)
    with pytest.raises(Refused, match=r"task 1 \(encounter E1\): Write-Off is not allowed .*In Collections/Not Sent "
                                      r"\(its state changed"):
        call(uow, pc.apply, SUPERVISOR, eight.practice, TODAY, confirmed=True)  # A saves & continues
    assert snapshot(uow) == before
    assert tasks_by_encounter(uow)["E2"][1] == "pre"
    assert_verified(uow)


def test_nothing_to_apply(uow, eight):
    assert call(uow, pc.apply, SUPERVISOR, eight.practice, TODAY, confirmed=True).count == 0


# ----------------------------------------------------------------------------- dashboards, employer

def test_to_collections_from_the_dashboards(uow, eight):
    _new_encounter(uow, "E9", dunning=0)  # G1's, not on the list yet
    with pytest.raises(NeedsConfirmation) as exc:
        call(uow, pc.send_to_collections, SUPERVISOR, eight.practice, TODAY, guarantor="G1")
    # G1 owns E4, E8 (on the list) and E9 (not yet)
    assert exc.value.summary.lines == [SummaryLine(3, 30000, "will be sent to Collections")]
    call(uow, pc.send_to_collections, SUPERVISOR, eight.practice, TODAY, guarantor="G1", confirmed=True)
    t = tasks_by_encounter(uow)
    assert {e: t[e][:2] for e in ("E4", "E8", "E9")} == {"E4": (4, "not_sent"), "E8": (8, "not_sent"),
                                                          "E9": (9, "not_sent")}
    with pytest.raises(Refused, match="nothing to send"):
        call(uow, pc.send_to_collections, SUPERVISOR, eight.practice, TODAY, encounter="E4", confirmed=True)
    with pytest.raises(Refused, match="supervisor"):
        call(uow, pc.send_to_collections, COLLECTOR, eight.practice, TODAY, encounter="E1", confirmed=True)
    call(uow, pc.send_to_collections, SUPERVISOR, eight.practice, TODAY, encounter="E1", confirmed=True)
    assert tasks_by_encounter(uow)["E1"][1] == "not_sent"
    assert_verified(uow)


@pytest.fixture
def employer(uow):
    with uow() as u:
        p = f.practice(u, employer_collections=True)
        ge = f.guarantor(u, p, "GE", kind="employer")
        for i in range(1, 4):
            f.encounter(u, p, ge, [25000], source_id=f"EMP{i}")
        u.commit()
    call(uow, pc.add_tasks, COLLECTOR, p.id, Criteria(), TODAY)
    return p.id


def test_employer_rules(uow, employer, tmp_path):
    with pytest.raises(Refused, match="only through the Pre-Collections list"):
        call(uow, pc.send_to_collections, SUPERVISOR, employer, TODAY, encounter="EMP1", confirmed=True)
    call(uow, agency_files.save_agency, SUPPORT, employer, "AG", TODAY, name="Agency")
    call(uow, pc.set_action, COLLECTOR, employer, "send-to-collections", TODAY, tasks=[1, 2, 3])
    call(uow, pc.set_employer_collections, SUPPORT, employer, False, TODAY)
    with pytest.raises(Refused, match=r"task 1 .*Employer Collections is not activated"):
        call(uow, pc.apply, SUPERVISOR, employer, TODAY, confirmed=True)
    call(uow, pc.set_employer_collections, SUPPORT, employer, True, TODAY)
    call(uow, pc.apply, SUPERVISOR, employer, TODAY, confirmed=True)
    call(uow, pc.set_action, COLLECTOR, employer, "send-to-agency", TODAY, tasks=[1])
    call(uow, pc.apply, SUPERVISOR, employer, TODAY, agency="AG", out_dir=tmp_path, confirmed=True)
    call(uow, pc.set_action, COLLECTOR, employer, "remove-from-collections", TODAY, tasks=[1, 2])
    with pytest.raises(NeedsConfirmation) as exc:
        call(uow, pc.apply, SUPERVISOR, employer, TODAY)
    s = exc.value.summary
    assert s.lines == [SummaryLine(1, 25000, "will be removed from Collections and returned to A/R"),
                       SummaryLine(1, 25000, "will be taken off the In Collections/Sent list")]
    assert any("agency still holds it" in n and "best practice: do not remove after sending" in n for n in s.notes)
    call(uow, pc.apply, SUPERVISOR, employer, TODAY, confirmed=True)
    t = tasks_by_encounter(uow)
    assert t["EMP1"] == (1, "withdrawn", False, 25000)  # the agency holds it: still in collections
    assert t["EMP2"] == (2, "returned", False, 25000)
    with uow(write=False) as u:
        assert (_encounter(u, "EMP1").collections_cents, _encounter(u, "EMP2").ar_cents) == (25000, 25000)
    call(uow, pc.add_tasks, COLLECTOR, employer, Criteria(), TODAY)  # EMP2 comes back as task 2, EMP1 cannot
    assert on_list(uow) == {"EMP2": 2, "EMP3": 3}
    assert_verified(uow)
