"""The command line: global options anywhere, exit codes, help everywhere, refusals."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.integrity.tamper import drop_append_only_triggers
from tui.cli import build_parser, main


def test_init_creates_database_and_first_admin(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setattr("tui.commands.context.os_login", lambda: "founder")
    db = tmp_path / "new.db"
    assert main(["init", "--db", str(db)]) == 0
    assert "Created" in capsys.readouterr().out
    assert main(["--db", str(db), "init"]) == 0
    assert "Upgraded" in capsys.readouterr().out
    assert main(["--db", str(db), "users", "list", "--json"]) == 0
    users = json.loads(capsys.readouterr().out)
    assert [(u["name"], u["role"]) for u in users] == [("founder", "admin")]


def test_only_init_and_demo_create_a_database(tmp_path, monkeypatch, capsys) -> None:
    """A mistyped path is one line (exit 2) and creates nothing; verify there does not exit 0."""
    monkeypatch.setattr("tui.commands.context.os_login", lambda: "founder")
    typo = tmp_path / "no-such-folder" / "recoup.db"
    monkeypatch.setenv("RECOUP_DATABASE_URL", str(typo))
    for argv in (["verify"], ["users", "list"], ["import", str(tmp_path)], ["nightly"], ["dashboard"]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "no database at" in err and "recoup init" in err, argv
    assert not typo.parent.exists()
    assert main(["init"]) == 0
    capsys.readouterr()
    assert main(["verify"]) == 0
    assert "all checks passed" in capsys.readouterr().out


def test_the_embedded_database_is_readable_by_its_owner_only(tmp_path, monkeypatch) -> None:
    import stat
    monkeypatch.setattr("tui.commands.context.os_login", lambda: "founder")
    old = os.umask(0o022)
    try:
        folder = tmp_path / "data" / "recoup"
        assert main(["--db", str(folder / "recoup.db"), "init"]) == 0
        assert main(["--db", str(tmp_path / "demo" / "demo.db"), "demo", "--no-tui"]) == 0
    finally:
        os.umask(old)
    from db.engine import make_engine
    for path in (folder / "recoup.db", tmp_path / "demo" / "demo.db"):
        engine = make_engine(str(path))
        with engine.begin() as conn:   # open: SQLite has its -wal and -shm files now
            conn.exec_driver_sql("UPDATE operator SET version = version")
            files = [p for p in path.parent.iterdir() if p.name.startswith(path.name)]
            assert {p.name[len(path.name):] for p in files} == {"", "-wal", "-shm"}
            assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o600}, files
        engine.dispose()
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700


def test_json_before_or_after_the_subcommand(cli, admin) -> None:
    code, before, _ = cli("--json", "users", "list")
    assert code == 0
    code, after, _ = cli("users", "list", "--json")
    assert code == 0 and json.loads(before) == json.loads(after)


def test_users_add_and_refusals(cli, admin) -> None:
    assert cli("users", "add", "carol", "--role", "collector")[0] == 0
    code, _, err = cli("--operator", "carol", "users", "add", "dave", "--role", "viewer")
    assert code == 4 and "needs the admin role" in err
    code, _, err = cli("users", "add", "bad name", "--role", "viewer")
    assert code == 2 and "name:" in err


def test_unknown_operator_is_refused_clearly(cli, admin, monkeypatch) -> None:
    monkeypatch.setattr("tui.commands.context.os_login", lambda: "stranger")
    code, out, err = cli("users", "list")
    assert code == 4 and "'stranger' is not a Recoup operator" in err and "Traceback" not in err + out


def test_bad_business_date_is_bad_input(cli, admin) -> None:
    code, _, err = cli("--as-of", "2026-13-01", "verify")
    assert code == 2 and "as-of" in err


def test_verify_exit_status_follows_tampering(cli, admin, engine) -> None:
    from db.uow import SqlUnitOfWork
    from tests.ledger_data import build_tiny
    with SqlUnitOfWork(engine) as u:
        build_tiny(u)
        u.commit()
    code, out, _ = cli("verify")
    assert code == 0, out
    with engine.begin() as conn:
        drop_append_only_triggers(conn)  # as a DBA would, to tamper
        conn.execute(text("UPDATE ledger_txn SET amount_cents = amount_cents + 1 WHERE kind = 'payment'"))
    code, out, _ = cli("verify")
    assert code == 1 and "FAIL journals" in out
    code, out, _ = cli("verify", "--json")
    report = json.loads(out)
    assert code == 1 and report["ok"] is False
    assert {c["name"]: c["problems"] for c in report["checks"]}["journals"] == 1


def test_audit_lists_entries(cli, admin) -> None:
    cli("users", "add", "erin", "--role", "viewer")
    code, out, _ = cli("audit", "--json", "--record", "erin")
    rows = json.loads(out)
    assert code == 0 and rows[0]["action"] == "users.add" and rows[0]["after"]["role"] == "viewer"


def test_audit_reads_through_the_cores_permission_check(cli, admin) -> None:
    """`recoup audit` and the viewer share core.audit.read_entries: a viewer is refused there."""
    cli("users", "add", "erin", "--role", "viewer")
    code, out, err = cli("audit", "--record", "erin", "--since", "2000-01-01")
    assert code == 0 and "users.add" in out and "erin" in out, err
    code, out, err = cli("audit", "--operator", "erin")
    assert code == 4 and "erin (viewer) may not read the audit trail" in err


def _subcommand_paths(parser, prefix=()):  # type: ignore[no-untyped-def]
    for action in parser._actions:
        if action.__class__.__name__ == "_SubParsersAction":
            for name, sub in action.choices.items():
                yield (*prefix, name)
                yield from _subcommand_paths(sub, (*prefix, name))


@pytest.mark.slow
def test_every_subcommand_has_help(capsys) -> None:
    paths = list(_subcommand_paths(build_parser()))
    assert ("users", "add") in paths and ("verify",) in paths
    for path in paths:
        with pytest.raises(SystemExit) as done:
            main([*path, "--help"])
        assert done.value.code == 0
        assert "usage: recoup" in capsys.readouterr().out


def test_operator_option_never_lifts_the_callers_role(cli, admin, engine) -> None:
    from core.models import Operator
    from db.uow import SqlUnitOfWork
    with SqlUnitOfWork(engine) as u:
        u.session.add(Operator(name="helpdesk", role="support", created_at=u.now(), created_by="t"))
        u.commit()
    code, _, err = cli("--operator", "helpdesk", "users", "add", "z", "--role", "viewer")
    assert code == 4 and "above your own" in err


def test_files_go_to_the_data_folder_unless_told_otherwise(monkeypatch, tmp_path) -> None:
    """Agency files and letters carry patient data: with no folder named they go to folders of
    their own beside the embedded database, not wherever the terminal was started."""
    from tui import folders
    monkeypatch.delenv("RECOUP_AGENCY_FILES")
    monkeypatch.delenv("RECOUP_ROSTER_FILES")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert folders.agency_files() == tmp_path / "data" / "recoup" / "agency-files"
    assert folders.roster_files() == tmp_path / "data" / "recoup" / "roster-files"
    monkeypatch.setenv("RECOUP_AGENCY_FILES", "~/agency")
    assert folders.agency_files() == Path("~/agency").expanduser()


def test_a_database_that_cannot_be_opened_is_one_line(monkeypatch, capsys) -> None:
    from tests.ops._procs import free_port
    monkeypatch.setattr("tui.commands.context.os_login", lambda: "founder")
    url = f"postgresql://someone:hunter22@127.0.0.1:{free_port()}/recoup"
    assert main(["--db", url, "verify"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("recoup: --db: cannot open") and "hunter22" not in err
