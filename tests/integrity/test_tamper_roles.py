"""Tamper suite, the role history (SPEC 17: "Roles live in an append-only role history"): every
change of an operator's role or active flag writes a row in the same transaction as the change;
the table refuses UPDATE, DELETE (and TRUNCATE on PostgreSQL); the audit chain covers its rows;
`recoup verify` replays it against the operator table. Both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from core import operators, security
from core.errors import Refused
from db.uow import SqlUnitOfWork
from tests.integrity.tamper_data import as_dba, seed


@pytest.fixture
def seeded(uow, admin):
    return seed(uow, admin)


def _history(engine) -> list[tuple[str, str, bool, str, str]]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return [(str(o), str(r), bool(a), str(act), str(by)) for o, r, a, act, by in conn.execute(text(
            "SELECT operator, role, active, action, changed_by FROM role_history ORDER BY id")).all()]


def _verify_fails(cli, *names: str) -> str:  # type: ignore[no-untyped-def]
    code, out, err = cli("verify", "--all-problems")
    assert code == 1, out + err
    for name in names:
        assert name in out, out
    return out


def test_every_change_of_role_or_active_flag_writes_the_history(engine, cli, seeded, admin) -> None:
    with SqlUnitOfWork(engine) as u:
        operators.set_active(u, admin, "cora", False)
    with SqlUnitOfWork(engine) as u:
        operators.set_active(u, admin, "cora", True)
    with SqlUnitOfWork(engine) as u:
        operators.save_user(u, admin, "cora", "supervisor", expected_version=3)
    with SqlUnitOfWork(engine) as u:  # a password alone changes no role: no history row
        operators.save_user(u, admin, "cora", "supervisor", password="long enough secret", expected_version=4)
    with SqlUnitOfWork(engine) as u:
        operators.save_user(u, admin, "dora", "viewer", new=True)
    assert _history(engine) == [
        ("tester", "admin", True, "users.bootstrap", "tester"),
        ("cora", "collector", True, "users.add", "tester"),
        ("cora", "collector", False, "users.disable", "tester"),
        ("cora", "collector", True, "users.enable", "tester"),
        ("cora", "supervisor", True, "users.update", "tester"),
        ("dora", "viewer", True, "users.add", "tester"),
    ]
    code, out, _err = cli("verify")
    assert code == 0, out


def test_a_refused_change_writes_no_history(engine, seeded, admin) -> None:
    before = _history(engine)
    with SqlUnitOfWork(engine) as u, pytest.raises(Refused, match="only admin"):
        security.add_user(u, admin, "tester", "collector")
    assert _history(engine) == before


@pytest.mark.parametrize("sql", ["UPDATE role_history SET role = 'support'", "DELETE FROM role_history"])
def test_the_role_history_refuses_change(engine, seeded, sql: str) -> None:
    with pytest.raises(DBAPIError, match="append-only"):
        as_dba(engine, sql, drop=False)


def test_the_role_history_refuses_truncate_on_postgresql(engine, seeded) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    with pytest.raises(DBAPIError, match="append-only"):
        as_dba(engine, "TRUNCATE role_history", drop=False)


def test_a_role_raised_in_the_operator_table_disagrees_with_the_history(engine, cli, seeded) -> None:
    as_dba(engine, "UPDATE operator SET role = 'admin' WHERE name = 'cora'", drop=False)
    _verify_fails(cli, "operator cora: is admin but its role history made it collector")


def test_a_role_raised_with_a_forged_history_row_is_caught(engine, cli, seeded) -> None:
    """The attacker writes the history row too: the audit chain never vouched for it."""
    as_dba(engine, "UPDATE operator SET role = 'admin' WHERE name = 'cora'",
           "INSERT INTO role_history (operator, role, active, action, changed_by, at) "
           "VALUES ('cora', 'admin', TRUE, 'users.update', 'tester', '2026-11-23 10:00:00')", drop=False)
    _verify_fails(cli, "role_history: 1 row (ids", "covered by no audit entry", "FAIL operators")


def test_a_history_row_rewritten_past_the_triggers_is_caught(engine, cli, seeded) -> None:
    as_dba(engine, "UPDATE role_history SET role = 'admin' WHERE operator = 'cora'",
           "UPDATE operator SET role = 'admin' WHERE name = 'cora'")
    _verify_fails(cli, "role_history: ids", "rows changed since")


def test_a_history_row_deleted_past_the_triggers_is_caught(engine, cli, seeded) -> None:
    as_dba(engine, "DELETE FROM role_history WHERE operator = 'cora'")
    _verify_fails(cli, "role_history: ids", "1 row deleted since", "operator cora: has no role history")
