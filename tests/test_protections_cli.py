"""recoup protections: a supervisor corrects a guarantor's facts, admins set the practice's rules and
the guidelines; bad values are one line and exit 2, nothing changed."""

from __future__ import annotations

import json

from sqlmodel import select

from core.models import Guarantor, Practice
from tests import factories as f


def test_protections_from_the_command_line(cli, uow, admin) -> None:
    with uow() as u:
        p = f.practice(u)
        f.guarantor(u, p, "G1")
        u.commit()
    code, out, err = cli("--as-of", "2026-03-15", "protections", "set", "--guarantor", "G1",
                         "--date-of-death", "2026-03-01", "--responsible-party", "Estate of G1",
                         "--household-income", "21,000.00", "--household-size", "3")
    assert code == 0, err
    code, _, err = cli("--as-of", "2026-03-15", "protections", "set", "--guarantor", "G1", "--household-size", "3x")
    assert (code, err.strip()) == (2, "recoup: --household-size: not a whole number")
    code, _, err = cli("--as-of", "2026-03-15", "protections", "set", "--guarantor", "G1",
                       "--date-of-death", "2026-04-01")
    assert code == 2 and "after the business date" in err
    with uow() as u:
        g = u.session.exec(select(Guarantor)).one()
        assert (str(g.date_of_death), g.responsible_party_name, g.household_income_cents, g.household_size) == (
            "2026-03-01", "Estate of G1", 2_100_000, 3)
    code, out, _ = cli("--as-of", "2026-03-15", "--json", "protections", "practice", "--no-wait-for-insurance",
                       "--income-threshold-pct", "200")
    assert json.loads(out) == {"practice": "P1", "wait_for_insurance": False, "income_threshold_pct": 200}
    code, out, _ = cli("--as-of", "2026-03-15", "protections", "practice", "--income-threshold-pct", "none")
    with uow() as u:
        assert u.session.exec(select(Practice.income_threshold_pct)).one() is None
    assert cli("--as-of", "2026-03-15", "protections", "guideline", "2026", "--base", "16,000.00",
               "--per-person", "5,600.00")[0] == 0
    code, out, _ = cli("--json", "protections", "guidelines")
    assert {"year": 2026, "base": "16000.00", "per_person": "5600.00", "household_of_4": "32800.00"} in json.loads(out)
