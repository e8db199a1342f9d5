"""Collection Status Table and integration settings: the pre-loaded table, the refusals (missing
code, loop with no exit, code in use, wrong role), validation, audit; manual change conflicts."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from core import roster
from core.errors import BadInput, Conflict, Refused
from core.security import Actor
from tests import roster_data as rd
from tests.roster_data import day


@pytest.fixture
def p(uow):  # type: ignore[no-untyped-def]
    with uow() as u:
        pid = rd.practice(u)
        roster.ensure_defaults(u, pid)
        u.commit()
    return pid


def test_defaults_are_preloaded_once(uow, admin, p) -> None:
    with uow() as u:
        table = roster.status_map(u, p)
        assert [table[c].transfer_to for c in ("1", "2", "3")] == ["2", "3", "R"]
        assert table["1"].days_to_remain == 15 and table["1"].letter == "Past Due Reminder"
        assert {"R", "A", "P", "PF", "N", "NF", "PP"} <= set(table)
        cfg = roster.settings(u, p)
        assert (cfg.initial_status, cfg.auto_time, cfg.min_balance_cents) == ("1", "02:00", 2500)
        roster.ensure_defaults(u, p)
        u.commit()
        assert u.session.execute(text("SELECT COUNT(*) FROM collection_status")).scalar_one() == len(table)


def test_set_and_remove_a_status(uow, admin, p) -> None:
    with uow() as u:
        roster.set_status(u, admin, p, "4", description="Attorney review")
    with uow() as u:
        roster.set_status(u, admin, p, "3", days=10, transfer_to="4")
    with uow() as u:
        assert roster.status_map(u, p)["3"].transfer_to == "4"
        row = u.session.execute(text("SELECT before, after FROM audit_entry WHERE action = 'roster.status.set' "
                                     "ORDER BY id DESC LIMIT 1")).one()
        assert '"transfer_to":"R"' in row.before and '"transfer_to":"4"' in row.after
    with uow() as u, pytest.raises(Refused, match="status 3 transfers to it"):
        roster.remove_status(u, admin, p, "4")
    with uow() as u:
        roster.set_status(u, admin, p, "3", days=15, transfer_to="R")
    with uow() as u:
        roster.remove_status(u, admin, p, "4")
    with uow() as u:
        assert "4" not in roster.status_map(u, p)


@pytest.mark.parametrize("kw,match", [
    (dict(days=10, transfer_to="9"), "does not exist"),
    (dict(days=10, transfer_to=None), "go together"),
    (dict(days=0, transfer_to="2"), "between 1 and 999"),
    (dict(letter="No Such Letter"), "no letter template"),
])
def test_status_refusals(uow, admin, p, kw, match) -> None:  # type: ignore[no-untyped-def]
    with uow() as u, pytest.raises(BadInput, match=match):
        roster.set_status(u, admin, p, "1", **kw)


def test_loop_with_no_exit_is_refused_but_one_through_review_is_not(uow, admin, p) -> None:
    with uow() as u, pytest.raises(BadInput, match=r"loop with no exit: 1 -> 2 -> 1"):
        roster.set_status(u, admin, p, "2", days=15, transfer_to="1")
    with uow() as u, pytest.raises(BadInput, match="cannot transfer to itself"):
        roster.set_status(u, admin, p, "PP", days=5, transfer_to="PP")
    with uow() as u:  # R -> 3 -> R: every pass lands on the Review for Turn Over report
        roster.set_status(u, admin, p, "R", days=30, transfer_to="3")
    assert roster.find_loop({"A": (1, "B"), "B": (1, "C"), "C": (1, "A")}, None) == ["A", "B", "C", "A"]
    assert roster.find_loop({"A": (1, "B"), "B": (None, None)}, None) is None


def test_removing_a_code_in_use(uow, admin, p) -> None:
    with uow() as u, pytest.raises(Refused, match="integration setting initial status"):
        roster.remove_status(u, admin, p, "1")
    with uow() as u:
        roster.set_status(u, admin, p, "X", description="Special handling")
    with uow() as u:
        g = rd.guarantor(u, p, "G1")
        u.commit()
    with uow() as u:
        roster.change_status(u, admin, g, "X", day(0))
    with uow() as u, pytest.raises(Refused, match="1 roster account"):
        roster.remove_status(u, admin, p, "X")


def test_only_admins_edit_the_table(uow, admin, p) -> None:
    collector = Actor("carol", "collector")
    with uow() as u, pytest.raises(Refused, match="admin"):
        roster.set_status(u, collector, p, "9", description="Nope")
    with uow() as u, pytest.raises(Refused, match="admin"):
        roster.update_settings(u, collector, p, {"age_to_enter": 30})


@pytest.mark.parametrize("changes,match", [
    ({"initial_status": "ZZ"}, "initial-status: status 'ZZ' does not exist"),
    ({"write_off_code": "NOPE"}, "write-off-code: adjustment code"),
    ({"transfer_billing_group": "NOPE"}, "billing group"),
    ({"age_to_enter": 1000}, "age-to-enter: must be a whole number of days from 0 to 999"),
    ({"auto_time": "25:00"}, "auto-time"),
    ({"internal_comment": "x" * 46}, "at most 45"),
    ({"min_balance_cents": -1}, "min-balance-cents"),
    ({"suppress_by": "encounter"}, "suppress-by: must be one of account, transaction"),
    ({"letters_in_history": True, "letter_adj_code": None}, "letter-adj-code"),
])
def test_settings_validation(uow, admin, p, changes, match) -> None:  # type: ignore[no-untyped-def]
    with uow() as u, pytest.raises(BadInput, match=match):
        roster.update_settings(u, admin, p, changes)
    with uow() as u:
        assert roster.settings(u, p).version == 1  # nothing changed


def test_settings_update_is_audited(uow, admin, p) -> None:
    with uow() as u:
        roster.update_settings(u, admin, p, {"age_to_enter": 45, "initial_status": "2", "auto_time": "03:30"})
    with uow() as u:
        cfg = roster.settings(u, p)
        assert (cfg.age_to_enter, cfg.initial_status, cfg.auto_time, cfg.version) == (45, "2", "03:30", 2)
        row = u.session.execute(text("SELECT before, after FROM audit_entry WHERE action = 'roster.settings'")).one()
        assert '"age_to_enter":60' in row.before and '"age_to_enter":45' in row.after


def test_stale_manual_change_is_a_conflict(uow, admin, p) -> None:
    with uow() as u:
        g = rd.guarantor(u, p, "G1")
        rd.charge(u, p, g, 10000, day(-90))
        u.commit()
    with uow() as u:
        roster.populate(u, admin, p, day(0))
    with uow() as u:
        seen = roster.account(u, g).version
    with uow() as u:
        roster.change_status(u, Actor("bob", "collector"), g, "2", day(1), expected_version=seen)
    with uow() as u, pytest.raises(Conflict, match=r"changed by bob at .* — reload"):
        roster.change_status(u, admin, g, "3", day(1), expected_version=seen)
    with uow() as u:
        assert roster.account(u, g).status_code == "2"


def test_note_defaults_next_contact(uow, admin, p) -> None:
    with uow() as u:
        g = rd.guarantor(u, p, "G1")
        rd.charge(u, p, g, 10000, day(-90))
        u.commit()
    with uow() as u:
        roster.populate(u, admin, p, day(0))
    with uow() as u:
        note = roster.add_note(u, admin, g, "Called, left message", day(0))
        assert note.next_contact == day(7)
    with uow() as u:
        rows = roster.work_list(u, admin, p)
        assert rows[0]["guarantor"] == "G1" and rows[0]["next_contact"] == day(7)
        assert roster.work_list(u, admin, p, due_by=day(6)) == []
    with uow() as u, pytest.raises(BadInput, match="text"):
        roster.add_note(u, admin, g, "   ", day(0))


def test_populate_moving_an_account_makes_an_open_edit_stale(uow, admin, p) -> None:
    """An operator who opened the account before the night's populate moved it gets a clear
    conflict instead of overwriting the move."""
    with uow() as u:
        g = rd.guarantor(u, p, "G1")
        rd.charge(u, p, g, 10000, day(-90))
        u.commit()
    with uow() as u:
        roster.populate(u, admin, p, day(0))
    with uow() as u:
        seen = roster.account(u, g).version
    with uow() as u:
        roster.populate(u, Actor("nightly", "collector"), p, day(15))
    with uow() as u, pytest.raises(Conflict, match=r"changed by nightly at .* — reload"):
        roster.change_status(u, admin, g, "R", day(15), expected_version=seen)
    with uow() as u:
        assert roster.account(u, g).status_code == "2"


def test_employers_and_plan_alert_setting(uow, admin, p) -> None:
    with uow() as u:
        emp = rd.guarantor(u, p, "EMP", kind="employer")
        rd.charge(u, p, emp, 10000, day(-90))
        g = rd.guarantor(u, p, "G1")
        rd.charge(u, p, g, 10000, day(-90))
        u.commit()
    with uow() as u:
        r = roster.populate(u, admin, p, day(0))
    assert r.entered == (1, 10000)  # employer balances are not the patient roster's
    with uow() as u:
        roster.set_plan(u, admin, g, 2500, 30, day(1), day(1))
    with uow() as u:
        assert roster.plan_alert(u, g) is not None
        roster.update_settings(u, admin, p, {"plan_alert": False})
    with uow() as u:
        assert roster.plan_alert(u, g) is None
    with uow() as u, pytest.raises(BadInput, match="not in the collection roster"):
        roster.set_plan(u, admin, emp, 2500, 30, day(1), day(1))


def test_auto_practices(uow, admin, p) -> None:
    with uow() as u:
        other = rd.practice(u, "P2")  # no settings yet: the pre-loaded ones populate automatically
        off = rd.practice(u, "P3")
        u.commit()
    with uow() as u:
        roster.update_settings(u, admin, off, {"auto_populate": False})
    with uow() as u:
        assert roster.auto_practices(u) == [p, other]
