"""Every role x every use case, checked in the core (SPEC 8).

The expected table is written once, below, as data: the least role each use case needs (roles
are cumulative). Each use case is called for real with each role on a database with one practice;
"refused" means core.errors.Refused saying the role does not allow it, raised before anything was
written. Any other outcome (done, nothing to do, bad input, needs confirmation) means the role
passed the check.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from core import audit, auth, external, operators, precollections, roster, security
from core.errors import RecoupError, Refused
from core.external.admin import Assignment
from core.imports import import_folder
from core.precollections.criteria import Criteria
from core.roles import ROLES
from core.roster import letters
from core.security import Actor
from core.verify import verify
from tests.conftest import TODAY
from tests.factories import practice as make_practice

# use case -> the least role that may do it
EXPECTED: dict[str, str] = {
    "import": "supervisor",
    "precollections.add": "collector",
    "precollections.set_action": "collector",
    "precollections.apply": "collector",          # each action then needs its own role (states)
    "precollections.spreadsheet": "supervisor",
    "employer_collections": "support",
    "agencies.admin": "admin",
    "external.run": "supervisor",
    "external.approve": "supervisor",
    "external.reverse": "supervisor",
    "roster.admin": "admin",
    "roster.populate": "collector",
    "roster.work": "collector",
    "roster.turnover": "supervisor",
    "letters.print": "collector",
    "users.add": "admin",
    "users.disable": "admin",
    "users.password_of_another": "admin",
    "audit.read": "supervisor",
    "verify": "viewer",
}

UseCase = Callable[[Any, Actor, int, Path], Any]
CASES: dict[str, UseCase] = {
    "import": lambda u, a, p, tmp: import_folder(u, a, tmp, TODAY),
    "precollections.add": lambda u, a, p, tmp: precollections.add_tasks(u, a, p, Criteria(), TODAY),
    "precollections.set_action": lambda u, a, p, tmp: precollections.set_action(u, a, p, "remove", TODAY, tasks=[1]),
    "precollections.apply": lambda u, a, p, tmp: precollections.apply(u, a, p, TODAY),
    "precollections.spreadsheet": lambda u, a, p, tmp: precollections.create_spreadsheet(u, a, p, "AG1", TODAY, tmp),
    "employer_collections": lambda u, a, p, tmp: precollections.set_employer_collections(u, a, p, True, TODAY),
    "agencies.admin": lambda u, a, p, tmp: external.add_assignment(u, a, p, Assignment("AG1"), TODAY),
    "external.run": lambda u, a, p, tmp: external.run(u, a, p, TODAY, tmp),
    "external.approve": lambda u, a, p, tmp: external.approve(u, a, p, TODAY, lines=["L1"]),
    "external.reverse": lambda u, a, p, tmp: external.reverse(u, a, p, TODAY, lines=["L1"]),
    "roster.admin": lambda u, a, p, tmp: roster.set_status(u, a, p, "ZZ", description="Test"),
    "roster.populate": lambda u, a, p, tmp: roster.populate(u, a, p, TODAY),
    "roster.work": lambda u, a, p, tmp: roster.change_status(u, a, 999_999, "ZZ", TODAY),
    "roster.turnover": lambda u, a, p, tmp: roster.turnover(u, a, p, TODAY, tmp),
    "letters.print": lambda u, a, p, tmp: letters.print_letters(u, a, TODAY, out_dir=tmp, practice_id=p,
                                                                confirmed=True),
    "users.add": lambda u, a, p, tmp: security.add_user(u, a, "newcomer", "viewer"),
    "users.disable": lambda u, a, p, tmp: operators.set_active(u, a, "someone", False),
    "users.password_of_another": lambda u, a, p, tmp: auth.set_password(u, a, "someone", "long enough password"),
    "audit.read": lambda u, a, p, tmp: audit.read_entries(u, a),
    "verify": lambda u, a, p, tmp: verify(u),
}


def _outcome(uow_factory: Callable[..., Any], case: UseCase, actor: Actor, practice_id: int, tmp: Path) -> str:
    with uow_factory() as u:
        try:
            case(u, actor, practice_id, tmp)
        except Refused as exc:
            if "may not" in exc.message and "role" in exc.message:
                return "refused"
            return "allowed"
        except RecoupError:
            return "allowed"
    return "allowed"


def test_the_table_names_every_use_case() -> None:
    assert set(EXPECTED) == set(CASES)


@pytest.mark.parametrize("role", ROLES)
def test_every_use_case_is_allowed_or_refused_by_role_in_the_core(uow: Callable[..., Any], admin: Actor,
                                                                   role: str, tmp_path: Path) -> None:
    with uow() as u:
        practice_id = make_practice(u).id
        u.commit()
    for name in ("someone", "newcomer"):
        with uow() as u:
            security.add_user(u, Actor("tester", "support"), name, "viewer")
    actor = Actor(f"as-{role}", role)
    got = {name: _outcome(uow, case, actor, practice_id, tmp_path) for name, case in CASES.items()}
    expected = {name: "allowed" if ROLES.index(role) >= ROLES.index(least) else "refused"
                for name, least in EXPECTED.items()}
    assert got == expected
