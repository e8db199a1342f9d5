"""Collections Admin -> External Collections (SPEC 5): worked example 13.6 (threshold coupling),
the auto flags, exclusions validation, roles and the audit trail."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from core import external
from core.errors import BadInput, NeedsConfirmation, Refused
from core.security import Actor
from tests import factories as f
from tests.conftest import TODAY
from tests.external_helpers import agency, line_aged, placements, rules, run


def _practice(uow):
    with uow() as u:
        p = f.practice(u)
        g = f.guarantor(u, p, "G1")
        u.commit()
    return p, g


def test_example_13_6_age_alone_means_any_balance(uow, admin, tmp_path):
    p, g = _practice(uow)
    agency(uow, admin, p, "AG", None, 60)
    with uow(write=False) as u:
        [row] = external.assignments(u, p.id)
    assert (row.balance_gt_cents, row.age_gt) == (0, 60)
    with uow() as u:
        line_aged(u, p, g, 61, "0.01", source_id="CENT")
        line_aged(u, p, g, 60, "900.00", source_id="AT60")
        u.commit()
    run(uow, admin, p, TODAY, tmp_path)
    assert set(placements(uow)) == {"CENT-1"}


def test_example_13_6_balance_alone_is_refused(uow, admin):
    p, _ = _practice(uow)
    with uow() as u, pytest.raises(BadInput) as exc:
        external.add_assignment(u, admin, p.id, external.Assignment("AG", 5000, None), TODAY)
    assert exc.value.field == "age_gt" and "Age Greater Than is required" in exc.value.message
    with uow(write=False) as u:
        assert u.session.execute(text("SELECT COUNT(*) FROM agency")).scalar_one() == 0
        assert u.session.execute(text("SELECT COUNT(*) FROM agency_assignment")).scalar_one() == 0


def test_both_blank_is_manual_only_and_auto_flags_need_thresholds(uow, admin):
    p, _ = _practice(uow)
    agency(uow, admin, p, "MAN", None, None)
    with uow(write=False) as u:
        [row] = external.assignments(u, p.id)
    assert (row.balance_gt_cents, row.age_gt) == (None, None)
    for flag in ("auto_approve", "auto_file"):
        with uow() as u, pytest.raises(BadInput) as exc:
            external.update_assignment(u, admin, p.id, "MAN", TODAY, **{flag: True})
        assert exc.value.field == flag
    with uow() as u, pytest.raises(BadInput):
        external.add_assignment(u, admin, p.id, external.Assignment("X", None, None, auto_approve=True), TODAY)


def test_update_keeps_coupling_and_remove_confirms(uow, admin):
    p, _ = _practice(uow)
    agency(uow, admin, p, "AG", "10.00", 30)
    with uow() as u:
        row = external.update_assignment(u, admin, p.id, "AG", TODAY, age_gt=45, auto_approve=True)
    assert (row.balance_gt_cents, row.age_gt, row.auto_approve) == (1000, 45, True)
    with uow() as u, pytest.raises(BadInput) as exc:  # clearing the age while a balance remains
        external.update_assignment(u, admin, p.id, "AG", TODAY, age_gt=None, balance_gt_cents=1000)
    assert exc.value.field == "age_gt"
    with uow() as u, pytest.raises(BadInput):          # manual-only with auto approve still on
        external.update_assignment(u, admin, p.id, "AG", TODAY, age_gt=None)
    with uow() as u:
        row = external.update_assignment(u, admin, p.id, "AG", TODAY, age_gt=None, auto_approve=False)
    assert (row.balance_gt_cents, row.age_gt) == (None, None)
    with uow() as u, pytest.raises(NeedsConfirmation):
        external.remove_assignment(u, admin, p.id, "AG", TODAY)
    with uow() as u:
        external.remove_assignment(u, admin, p.id, "AG", TODAY, confirmed=True)
    with uow(write=False) as u:
        assert external.assignments(u, p.id) == []
        actions = [r[0] for r in u.session.execute(text(
            "SELECT action FROM audit_entry WHERE action LIKE 'external.assignment%' ORDER BY id")).all()]
        before, after = u.session.execute(text(
            "SELECT before, after FROM audit_entry WHERE action = 'external.assignment.update' ORDER BY id")).first()
    assert actions == ["external.assignment.add", "external.assignment.update", "external.assignment.update",
                       "external.assignment.remove"]
    assert json.loads(before)["age_gt"] == 30 and json.loads(after)["age_gt"] == 45


def test_duplicate_and_negative_rows_are_refused(uow, admin):
    p, _ = _practice(uow)
    agency(uow, admin, p, "AG", "10.00", 30)
    with uow() as u, pytest.raises(BadInput):
        external.add_assignment(u, admin, p.id, external.Assignment("AG", 0, 10), TODAY)
    with uow() as u, pytest.raises(BadInput) as exc:
        external.add_assignment(u, admin, p.id, external.Assignment("B", -1, 10), TODAY)
    assert exc.value.field == "balance_gt"


@pytest.mark.parametrize("changes, field", [
    ({"exclude_days": 30}, "exclude_min"),
    ({"exclude_min_cents": 2000}, "exclude_days"),
    ({"exclude_pct_bp": 1000}, "exclude_days"),
    ({"exclude_days": 30, "exclude_min_cents": 0}, "exclude_min"),
])
def test_exclusions_validation(uow, admin, changes, field):
    p, _ = _practice(uow)
    with uow() as u, pytest.raises(BadInput) as exc:
        external.update_rules(u, admin, p.id, TODAY, changes)
    assert exc.value.field == field


def test_rules_saved_and_audited(uow, admin):
    p, _ = _practice(uow)
    rules(uow, admin, p, exclude_days=35, exclude_min_cents=2000, exclude_pct_bp=1000, by_dos=True)
    rules(uow, admin, p, exclude_min_cents=None, reassign=True)       # the percentage alone is enough
    with uow() as u, pytest.raises(BadInput):
        external.update_rules(u, admin, p.id, TODAY, {"exclude_pct_bp": None})  # nothing left but the days
    with uow(write=False) as u:
        s = external.settings_dict(external.settings(u, p.id))
    assert s == {"exclude_days": 35, "exclude_min": None, "exclude_pct": "10", "account_level": False,
                 "returned_mail": False, "reassign": True, "reage_denied": False, "by_dos": True}


def test_percent_parsing():
    assert external.parse_percent("10") == 1000
    assert external.parse_percent("12.5 %") == 1250
    assert external.parse_percent("0.25") == 25
    for bad in ("0", "101", "ten", "1.234", "-5"):
        with pytest.raises(BadInput):
            external.parse_percent(bad)


def test_only_admins_change_the_table(uow, admin):
    p, _ = _practice(uow)
    boss = Actor("sup", "supervisor")
    with uow() as u, pytest.raises(Refused):
        external.add_assignment(u, boss, p.id, external.Assignment("AG", None, 30), TODAY)
    with uow() as u, pytest.raises(Refused):
        external.update_rules(u, boss, p.id, TODAY, {"reassign": True})
