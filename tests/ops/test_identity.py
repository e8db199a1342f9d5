"""Who the operator is (SPEC 17): the operating-system account, not an environment variable; the
SSH wrapper runs only its own program; the last admin stays; a disabled operator is told so."""

from __future__ import annotations

import os
import pwd
import subprocess
from pathlib import Path

import pytest

from core import operators, security
from core.errors import Refused
from core.security import Actor
from tests.ops._procs import installed_wrapper, recoup
from tui.cli import main

ME = pwd.getpwuid(os.geteuid()).pw_name


def test_logname_and_user_do_not_choose_the_operator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tui.commands.context.os_login", lambda: "founder")
    db = tmp_path / "recoup.db"
    assert main(["init", "--db", str(db)]) == 0          # founder is the first admin
    as_founder = {"LOGNAME": "founder", "USER": "founder", "USERNAME": "founder", "LNAME": "founder"}
    done = recoup("--db", str(db), "users", "add", "mallory", "--role", "admin", env=as_founder)
    assert done.returncode == 4, done.stderr
    assert f"'{ME}' is not a Recoup operator" in done.stderr and done.stderr.count("\n") == 1
    listed = recoup("--db", str(db), "--operator", "founder", "users", "list", env=as_founder)
    assert listed.returncode == 4                          # --operator needs a real admin behind it


def test_an_admin_still_acts_for_another_with_operator(cli, admin) -> None:
    assert cli("users", "add", "carol", "--role", "collector")[0] == 0
    code, _, err = cli("--operator", "carol", "users", "add", "dave", "--role", "viewer")
    assert code == 4 and "carol (collector)" in err


def test_a_disabled_operator_is_told_they_are_disabled(cli, admin, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("users", "add", "carol", "--role", "collector")[0] == 0
    assert cli("users", "disable", "carol")[0] == 0
    monkeypatch.setattr("tui.commands.context.os_login", lambda: "carol")
    code, out, err = cli("users", "list")
    assert code == 4 and "'carol' is disabled" in err and "not a Recoup operator" not in err
    assert err.count("\n") == 1 and "Traceback" not in out + err


def test_the_only_admin_can_be_neither_demoted_nor_disabled(uow, admin: Actor) -> None:
    attempts = {
        "users add (role)": lambda u: security.add_user(u, admin, admin.name, "viewer"),
        "users disable": lambda u: operators.set_active(u, admin, admin.name, False),
        "admin screen (role)": lambda u: operators.save_user(u, admin, admin.name, "supervisor"),
        "admin screen (active)": lambda u: operators.save_user(u, admin, admin.name, "admin", active=False),
    }
    messages = set()
    for what, attempt in attempts.items():
        with uow() as u, pytest.raises(Refused) as caught:
            attempt(u)
        messages.add(caught.value.message)
        assert caught.value.exit_code == 4, what
    assert messages == {f"{admin.name} is the only admin: make another operator an admin first "
                        "(an admin may be neither demoted nor disabled while no other is left)"}
    with uow(write=False) as u:
        assert security.authenticate(u, admin.name) == admin


def test_with_a_second_admin_one_may_step_down(uow, admin: Actor) -> None:
    with uow() as u:
        security.add_user(u, admin, "beth", "admin")
    with uow() as u:
        security.add_user(u, admin, admin.name, "supervisor")     # beth is still an admin
    beth = Actor("beth", "admin")
    with uow() as u, pytest.raises(Refused, match="only admin"):
        security.add_user(u, beth, "beth", "collector")
    with uow() as u:   # disabling the last admin's peer: not possible either way round
        operators.set_active(u, beth, admin.name, False)
    with uow(write=False) as u:
        assert security.authenticate(u, "beth") == beth


def test_the_only_admin_on_the_command_line_gets_exit_4(cli, admin) -> None:
    code, _, err = cli("users", "add", "tester", "--role", "viewer")
    assert code == 4 and "only admin" in err and err.count("\n") == 1


def test_the_ssh_wrapper_runs_its_own_program_whatever_the_environment_says(tmp_path: Path) -> None:
    marker = tmp_path / "evil-ran"
    evil = tmp_path / "evil.sh"
    evil.write_text(f"#!/bin/sh\ntouch {marker}\n")
    evil.chmod(0o755)
    program = tmp_path / "recoup-stub.sh"
    program.write_text('#!/bin/sh\necho "recoup ran with $RECOUP_DATABASE_URL; evil=${RECOUP_EVIL:-unset} $*"\n')
    program.chmod(0o755)
    forced = installed_wrapper(tmp_path, str(program), "RECOUP_DATABASE_URL=postgresql://db.internal/recoup\n")
    hostile = {"PATH": os.environ["PATH"], "RECOUP": str(evil), "RECOUP_PROGRAM": str(evil),
               "RECOUP_EVIL": "1", "RECOUP_DATABASE_URL": "sqlite:////tmp/elsewhere.db",
               "SSH_ORIGINAL_COMMAND": str(evil)}
    done = subprocess.run(["sh", str(forced)], env=hostile, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "recoup ran with postgresql://db.internal/recoup; evil=unset"
    assert not marker.exists()
