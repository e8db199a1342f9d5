"""`recoup explain` (SPEC 14): per workflow, the verdict with every reason, value and threshold.

The world of tests/test_collectable.py (a plain, a held, a bankrupt, a minor, an insurance-open
and an income-exempt guarantor, each with one 100.00 line 100 days old on DAY), plus an agency for
"greater than 0.00 and 60 days". Both databases, explicit business dates.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from core import verdicts
from core.explain import Reason, Verdict
from tests.external_helpers import agency, run
from tests.test_collectable import DAY, disputed_for_ten_days, guarantor, world  # noqa: F401  (the fixture)


def explain(uow: Any, admin: Any, as_of: dt.date = DAY, **target: str) -> dict[str, Verdict]:
    with uow(write=False) as u:
        x = verdicts.explain(u, admin, None, as_of, **target)
    return {v.workflow: v for v in x.verdicts}


def reasons(v: Verdict, code: str) -> list[Reason]:
    return [r for r in v.reasons if r.code == code]


def failing(v: Verdict) -> set[str]:
    return {r.code for r in v.reasons if not r.passed}


@pytest.fixture
def with_agency(uow, admin, world):  # type: ignore[no-untyped-def]  # noqa: F811 (the imported fixture)
    agency(uow, admin, world, "AG1", "0.00", 60)
    return world


def test_a_plain_account_may_be_taken_by_every_workflow_with_its_criteria_passing(uow, admin, with_agency) -> None:
    v = explain(uow, admin, guarantor="PLAIN")
    assert all(x.takeable for x in v.values()), {k: failing(x) for k, x in v.items()}
    assert all(not failing(x) for x in v.values())
    assert [r.code for r in v["external"].reasons[:4]] == ["other_workflow", "hold", "protected", "insurance_open"]
    balance, age = reasons(v["external"], "below_minimum")[0], reasons(v["external"], "too_young")[0]
    assert (balance.actual, balance.threshold, balance.subject) == (10_000, 0, "E-PLAIN-1")
    assert (age.actual, age.threshold) == (100, 60)
    entry = reasons(v["roster"], "below_minimum")[0]
    assert (entry.actual, entry.threshold, entry.passed) == (10_000, 2500, True)
    assert (reasons(v["roster"], "too_young")[0].actual, reasons(v["roster"], "too_young")[0].threshold) == (100, 60)


def test_a_held_account_names_its_hold_for_every_workflow(uow, admin, with_agency) -> None:
    v = explain(uow, admin, guarantor="HELD")
    for x in v.values():
        assert not x.takeable
        [hold] = reasons(x, "hold:dispute")
        assert not hold.passed and "dispute" in hold.words and str(DAY) in hold.words
        assert "disputes the visit" in hold.words


def test_held_days_do_not_age_in_explain(uow, admin) -> None:
    """40 days old on 1 March, disputed 1-10 March: on 31 March 60 days old (not 70), 10 held days."""
    disputed_for_ten_days(uow, admin)
    v = explain(uow, admin, dt.date(2026, 3, 31), encounter="E-G")
    age = reasons(v["external"], "too_young")[0]
    assert (age.actual, age.threshold, age.passed) == (60, 60, False)
    assert "10 held days" in age.words
    assert not v["external"].takeable
    assert reasons(v["roster"], "too_young")[0].actual == 60
    assert explain(uow, admin, dt.date(2026, 4, 1), encounter="E-G")["external"].takeable


def test_protected_guarantors_show_the_fact_and_the_threshold(uow, admin, with_agency) -> None:
    bankrupt = explain(uow, admin, guarantor="BANKRUPT")
    [r] = reasons(bankrupt["roster"], "protected:bankruptcy")
    assert (r.actual, r.passed) == (DAY - dt.timedelta(days=5), False)
    assert not any(x.takeable for x in bankrupt.values())
    minor = explain(uow, admin, guarantor="MINOR")
    [r] = reasons(minor["precollections"], "protected:minor")
    assert r.actual == dt.date(2015, 1, 1) and "2008-03-01" in r.threshold
    poor = explain(uow, admin, guarantor="POOR")
    [r] = reasons(poor["external"], "protected:income_exempt")
    # 200 % of the 2025 guideline for one: 2 x 15,650.00
    assert (r.actual, r.threshold, r.money, r.passed) == (1_000_000, 3_130_000, True, False)
    assert not poor["external"].takeable
    assert poor["roster"].takeable and poor["precollections"].takeable  # income stops agencies only
    assert reasons(poor["roster"], "protected:income_exempt")[0].passed


def test_insurance_open_names_the_encounter_and_its_status(uow, admin, with_agency) -> None:
    v = explain(uow, admin, encounter="E-INSURANCE")
    for x in v.values():
        [r] = reasons(x, "insurance_open")
        assert (r.actual, r.passed, r.subject) == ("open", False, "E-INSURANCE")
        assert not x.takeable


def test_another_workflow_holding_the_line_is_named(uow, admin, with_agency, tmp_path: Path) -> None:
    run(uow, admin, with_agency, DAY, tmp_path)  # E-PLAIN-1 goes to Pending with AG1
    v = explain(uow, admin, guarantor="PLAIN")
    [r] = reasons(v["roster"], "other_workflow")
    assert (r.actual, r.passed, r.subject) == ("external", False, "E-PLAIN-1")
    assert not v["roster"].takeable and not v["precollections"].takeable
    assert reasons(v["external"], "other_workflow")[0].passed  # its own placement is not "another"
    assert failing(v["external"]) == {"placement"} and not v["external"].takeable


def test_the_cli_explains_as_text_and_json(cli, uow, admin, with_agency) -> None:
    code, out, _ = cli("--as-of", DAY.isoformat(), "explain", "--guarantor", "HELD")
    assert code == 0
    assert "Pre-Collections: MAY NOT BE TAKEN" in out and "hold:dispute" in out
    code, out, _ = cli("--as-of", DAY.isoformat(), "--json", "explain", "--practice", "P1", "--encounter", "E-PLAIN")
    assert code == 0
    data = json.loads(out)
    assert (data["guarantor"], data["encounter"], data["business_date"]) == ("PLAIN", "E-PLAIN", "2026-03-01")
    ext = next(w for w in data["workflows"] if w["workflow"] == "external")
    assert ext["takeable"] is True
    balance = next(r for r in ext["reasons"] if r["code"] == "below_minimum")
    assert (balance["actual"], balance["threshold"], balance["passed"]) == ("100.00", "0.00", True)


@pytest.mark.parametrize("argv, words", [
    (("explain",), "one of the two"),
    (("explain", "--guarantor", "PLAIN", "--encounter", "E-PLAIN"), "one of the two"),
    (("explain", "--guarantor", "NOBODY"), "no guarantor 'NOBODY'"),
    (("explain", "--encounter", "E-NONE"), "no encounter 'E-NONE'"),
    (("explain", "--practice", "P9", "--guarantor", "PLAIN"), "no practice 'P9'"),
])
def test_bad_input_is_one_line_and_exit_2(cli, with_agency, argv: tuple[str, ...], words: str) -> None:
    code, out, err = cli("--as-of", DAY.isoformat(), *argv)
    assert code == 2 and out == ""
    assert words in err and len(err.strip().splitlines()) == 1
