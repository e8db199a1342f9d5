"""Tamper suite, rows (SPEC 17): money, history, task states, roles and whole tables changed behind
Recoup's back. Each test tampers as an attacker with database rights would (dropping the
append-only triggers where it must), then `recoup verify` exits 1 naming what it found; where a
guard can refuse the tampering, the test shows that it does."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from core import audit, ledger, security
from db.uow import SqlUnitOfWork
from tests.conftest import TODAY
from tests.integrity.tamper import drop_append_only_triggers
from tests.integrity.tamper_data import as_dba, forge_payment, open_forged_journal, scalar, seed


@pytest.fixture
def seeded(uow, admin):
    return seed(uow, admin)


def _verify_fails(cli, *names: str) -> str:
    code, out, err = cli("verify", "--all-problems")
    assert code == 1, out + err
    assert "verify: PROBLEMS FOUND" in out
    for name in names:
        assert name in out, out
    return out


def test_the_seeded_database_verifies(cli, seeded) -> None:
    code, out, _err = cli("verify")
    assert code == 0, out
    assert "ok   audit coverage" in out


def test_a_forged_journal_closed_at_0_0_is_caught(engine, cli, seeded) -> None:
    """The issue's attack, no guard dropped: open a journal at 0 / 0.00, insert a payment wiping out
    the 44.65 line, adjust the caches, "close" the journal. Every balance check agrees with it;
    the chain does not: no audit entry committed that journal or its payment."""
    with engine.begin() as conn:
        j = open_forged_journal(conn, seeded)
        forge_payment(conn, seeded, j)
        conn.execute(text("UPDATE journal SET txn_count = 1, total_cents = :c WHERE id = :j"),
                     {"c": seeded.line_cents, "j": j})
    out = _verify_fails(cli, "FAIL audit coverage", "journal: 1 row (ids", "ledger_txn: 1 row (ids",
                        "written behind Recoup's back")
    assert "ok   line balances" in out and "ok   journals" in out  # the money checks alone were fooled


def test_closing_a_forged_journal_later_is_refused_on_postgresql(engine, cli, seeded) -> None:
    """PostgreSQL: the totals are written only by the transaction that opened the journal, so a
    journal opened at 0 / 0.00 and filled later cannot be closed; verify catches the rest."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite cannot tell transactions apart; verify catches it (test above)")
    with engine.begin() as conn:
        j = open_forged_journal(conn, seeded)
    with engine.begin() as conn:
        forge_payment(conn, seeded, j)
    with pytest.raises(DBAPIError, match="control totals are written only"), engine.begin() as conn:
        conn.execute(text("UPDATE journal SET txn_count = 1, total_cents = :c WHERE id = :j"),
                     {"c": seeded.line_cents, "j": j})
    _verify_fails(cli, "FAIL journals", "FAIL audit coverage", "ledger_txn: 1 row (ids")


def test_reusing_an_old_empty_journal_is_caught(engine, cli, seeded) -> None:
    """A closed journal with no transactions still reads 0 / 0.00: filling and "closing" it
    changes a row the chain committed (and PostgreSQL refuses the close outright)."""
    with SqlUnitOfWork(engine) as u:  # an empty journal, committed with an audit entry
        journal = ledger.open_journal(u, "test", "tester", TODAY, seeded.practice_id)
        ledger.close_journal(u, journal)
        j = int(journal.id or 0)
        audit.record(u, "tester", "test.step", "thing", [1], None, None)
        u.commit()
    with engine.begin() as conn:
        forge_payment(conn, seeded, j)
        if engine.dialect.name == "postgresql":
            with pytest.raises(DBAPIError, match="control totals are written only"), conn.begin_nested():
                conn.execute(text("UPDATE journal SET txn_count = 1, total_cents = :c WHERE id = :j"),
                             {"c": seeded.line_cents, "j": j})
            drop_append_only_triggers(conn)
        conn.execute(text("UPDATE journal SET txn_count = 1, total_cents = :c WHERE id = :j"),
                     {"c": seeded.line_cents, "j": j})
    _verify_fails(cli, "journal: ids", "rows changed since", "ledger_txn: 1 row (ids")


def test_editing_precollections_history_is_caught(engine, cli, seeded) -> None:
    hid = scalar(engine, "SELECT MAX(id) FROM precollection_history")
    as_dba(engine, "UPDATE precollection_history SET amount_cents = 1 WHERE id = :h", h=hid)
    _verify_fails(cli, "FAIL audit coverage", "precollection_history: ids", "rows changed since")


def test_deleting_precollections_history_is_caught(engine, cli, seeded) -> None:
    hid = scalar(engine, "SELECT MIN(id) FROM precollection_history")
    as_dba(engine, "DELETE FROM precollection_history WHERE id = :h", h=hid)
    _verify_fails(cli, "precollection_history: ids", "1 row deleted since", "FAIL task states")


def test_a_task_state_changed_directly_is_caught(engine, cli, seeded) -> None:
    as_dba(engine, "UPDATE precollection_task SET state = 'sent' WHERE task_no = 2", drop=False)
    _verify_fails(cli, "FAIL task states", "task 2 (id", "is sent but its history last moved it to pre")


def test_a_role_raised_in_the_operator_table_is_caught(engine, cli, seeded) -> None:
    as_dba(engine, "UPDATE operator SET role = 'admin' WHERE name = 'cora'", drop=False)
    _verify_fails(cli, "FAIL operators", "operator cora: is admin but the audit trail made it collector")


def test_an_operator_inserted_directly_is_caught(engine, cli, seeded) -> None:
    as_dba(engine, "INSERT INTO operator (name, role, active, created_at, created_by, version, failed_logins) "
                   "VALUES ('mallory', 'support', TRUE, '2026-11-23 10:00:00', 'mallory', 1, 0)", drop=False)
    _verify_fails(cli, "operator mallory: no audit entry added it (role support)")


def test_an_empty_audit_trail_is_caught(engine, cli, seeded) -> None:
    as_dba(engine, "DELETE FROM audit_entry")
    _verify_fails(cli, "FAIL audit coverage", "the audit trail is empty but the database holds",
                  "journal rows", "precollection_history rows", "FAIL operators")


def test_truncate_is_refused_on_postgresql(engine, cli, seeded) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    for table in ("audit_entry", "precollection_history", "ledger_txn", "journal", "roster_history",
                  "external_history", "hold", "hold_release", "role_history"):
        with pytest.raises(DBAPIError, match="append-only"):
            as_dba(engine, f"TRUNCATE {table} CASCADE", drop=False)
    code, out, _err = cli("verify")
    assert code == 0, out


def test_truncate_past_the_triggers_is_caught_on_postgresql(engine, cli, seeded) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    as_dba(engine, "TRUNCATE precollection_history")
    _verify_fails(cli, "precollection_history: ids", "rows deleted since")
    as_dba(engine, "TRUNCATE audit_entry")
    _verify_fails(cli, "the audit trail is empty but the database holds")


def test_a_setting_changed_directly_is_caught(engine, cli, seeded) -> None:
    as_dba(engine, "UPDATE practice SET precollections_on = NOT precollections_on", drop=False)
    _verify_fails(cli, "FAIL audit coverage", "practice: changed since audit entry",
                  "a setting or role changed behind Recoup's back")


def test_a_role_raised_and_then_committed_over_is_still_caught(engine, cli, seeded) -> None:
    """The next honest commit finds the operator table changed since the chain's last word on it,
    and its entry says so; it does not vouch for the raised role."""
    as_dba(engine, "UPDATE operator SET role = 'admin' WHERE name = 'cora'", drop=False)
    with SqlUnitOfWork(engine) as u:
        audit.record(u, "tester", "test.step", "thing", [1], None, None)
        u.commit()
    _verify_fails(cli, "operator: changed outside Recoup before audit entry", "FAIL operators")


def test_a_role_raised_and_then_an_audited_change_of_the_same_table_is_still_caught(engine, cli, seeded,
                                                                                   admin) -> None:
    """A transaction that writes a settings table itself judges it just before its first write to
    it (not at BEGIN): the operator added here does not launder the role raised before."""
    as_dba(engine, "UPDATE operator SET role = 'admin' WHERE name = 'cora'", drop=False)
    with SqlUnitOfWork(engine) as u:
        security.add_user(u, admin, "dora", "viewer")
    _verify_fails(cli, "operator: changed outside Recoup before audit entry", "FAIL operators")


def test_a_setting_changed_between_two_batches_is_named_by_the_next_commit(engine, cli, seeded) -> None:
    """A commit that writes no settings table judges them at commit, under the chain's lock."""
    as_dba(engine, "UPDATE practice SET precollections_on = NOT precollections_on", drop=False)
    with SqlUnitOfWork(engine) as u:
        audit.record(u, "tester", "test.step", "thing", [1], None, None)
        u.commit()
    with SqlUnitOfWork(engine) as u:
        audit.record(u, "tester", "test.step", "thing", [2], None, None)
        u.commit()
    _verify_fails(cli, "practice: changed outside Recoup before audit entry")
    out = cli("verify", "--all-problems")[1]
    assert out.count("practice: changed outside Recoup") == 1, out


def test_a_name_edited_keeping_its_length_and_first_letter_is_caught(engine, cli, seeded) -> None:
    """Free text (names, reasons) is digested whole: 'tester' -> 'tesTer' keeps the length and the
    first letter the coarse digest of states and kinds looks at, and is still caught."""
    as_dba(engine, "UPDATE precollection_history SET operator = 'tesTer' WHERE id = "
                   "(SELECT MIN(id) FROM precollection_history)")
    _verify_fails(cli, "FAIL audit coverage", "precollection_history: ids", "rows changed since")


def test_a_setting_text_edited_keeping_its_length_and_first_letter_is_caught(engine, cli, seeded) -> None:
    as_dba(engine, "UPDATE practice SET name = substr(name, 1, 1) || upper(substr(name, 2)) || '' "
                   "WHERE name <> substr(name, 1, 1) || upper(substr(name, 2))", drop=False)
    _verify_fails(cli, "FAIL audit coverage", "practice: changed since audit entry")
