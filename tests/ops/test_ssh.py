"""Recoup over a real OpenSSH: forced command, forwarding off, the operator is the SSH user.

Starts Debian's sshd on a loopback port with a generated host key, a test system user with a
generated key, and docs/recoup-ssh-wrapper.sh as the ForceCommand against a temporary SQLite
database; connects with `ssh -tt` inside tmux and reads the screen with capture-pane.
Skips cleanly without sshd, tmux, or root (useradd).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ops._procs import (
    RECOUP,
    free_port,
    have,
    installed_wrapper,
    practice_db,
    recoup,
    shared_dir,
    tmux_capture,
    wait_for,
)

SSHD = "/usr/sbin/sshd"


def _world_can_run(path: str) -> bool:
    """Whether another user can reach the interpreter (a pyenv under /root cannot be reached)."""
    real = Path(os.path.realpath(path))
    return all(os.stat(p).st_mode & 0o001 for p in [*real.parents, real])


# The operator is the SSH user. Normally a plain test user; when this Python lives somewhere only
# root can reach (a pyenv under /root), a second name for root instead, so sshd still logs in a
# user of that name. Recoup takes the operator from the uid, so there it sees root (the database's
# first admin, as `recoup init` ran as root).
PLAIN = _world_can_run(sys.executable)
USER = "recoupop" if PLAIN else "recoupsu"
SHOWN = f"Operator: {USER} (collector)" if PLAIN else f"Operator: {pwd.getpwuid(0).pw_name} (admin)"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not have(SSHD) or not have("ssh"), reason="openssh-server/client not installed"),
    pytest.mark.skipif(not have("tmux"), reason="tmux not installed"),
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root to add a test user"),
]


def _ensure_user() -> None:
    try:
        pwd.getpwnam(USER)
    except KeyError:
        extra = [] if PLAIN else ["--non-unique", "--uid", "0", "--gid", "0", "--no-create-home",
                                  "--home-dir", "/root"]
        subprocess.run(["useradd", "--shell", "/bin/sh", *extra, USER], check=True)
    # OpenSSH refuses a locked account ("!" in shadow) even with a key; "*" means no password.
    subprocess.run(["usermod", "-p", "*", USER], check=True)


def _config(folder: Path, port: int, db_url: str) -> Path:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(folder / "host_key")], check=True)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(folder / "user_key")], check=True)
    keys = folder / "authorized_keys"
    shutil.copy(folder / "user_key.pub", keys)
    keys.chmod(0o644)
    forced = installed_wrapper(folder, RECOUP, f"RECOUP_DATABASE_URL={db_url}\n")
    config = folder / "sshd_config"
    config.write_text(f"""Port {port}
ListenAddress 127.0.0.1
HostKey {folder / 'host_key'}
PidFile {folder / 'sshd.pid'}
AuthorizedKeysFile {keys}
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AllowUsers {USER}
ForceCommand {forced}
AllowTcpForwarding no
X11Forwarding no
PermitTunnel no
AllowAgentForwarding no
PermitTTY yes
""")
    return config


@pytest.fixture
def sshd() -> Iterator[tuple[int, Path]]:
    _ensure_user()
    folder = shared_dir("recoup-ssh-")
    db_url = f"sqlite:///{folder / 'recoup.db'}"
    env = {"RECOUP_DATABASE_URL": db_url}
    init = recoup("init", env=env)
    assert init.returncode == 0, init.stderr
    practice_db(folder, env)
    if PLAIN:
        added = recoup("users", "add", USER, "--role", "collector", env=env)
        assert added.returncode == 0, added.stderr
    for p in folder.iterdir():
        if p.name.startswith("recoup.db"):
            p.chmod(0o666)
    Path("/run/sshd").mkdir(exist_ok=True)
    port = free_port()
    config = _config(folder, port, db_url)
    with open(folder / "sshd.log", "w") as log:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stderr=log)
    try:
        wait_for(lambda: "listening" in (folder / "sshd.log").read_text().lower() or None, 15, "sshd to listen")
        yield port, folder
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def _ssh(port: int, folder: Path, *extra: str) -> list[str]:
    return ["ssh", "-tt", "-p", str(port), "-i", str(folder / "user_key"), "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "BatchMode=yes", *extra,
            f"{USER}@127.0.0.1"]


def test_the_main_menu_opens_over_ssh_as_the_ssh_user(sshd: tuple[int, Path]) -> None:
    port, folder = sshd
    session = f"recoup-ssh-{port}"
    command = " ".join(_ssh(port, folder)) + " bash"   # asks for a shell; the forced command wins
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "30", command], check=True)
    try:
        def menu() -> str | None:
            screen = tmux_capture(session)
            return screen if SHOWN in screen else None
        try:
            screen = wait_for(menu, 45, "the main menu with the SSH user as operator")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\nscreen:\n{tmux_capture(session)}\nsshd log:\n"
                                 f"{(folder / 'sshd.log').read_text()}") from None
        assert "Pre-Collections" in str(screen)
        assert SHOWN in str(screen)
        subprocess.run(["tmux", "send-keys", "-t", session, "C-q"], check=True)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def test_port_forwarding_is_refused(sshd: tuple[int, Path]) -> None:
    port, folder = sshd
    args = _ssh(port, folder, "-N", "-o", "ExitOnForwardFailure=yes", "-R", f"{free_port()}:127.0.0.1:{port}")
    args.remove("-tt")
    done = subprocess.run(args, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert done.returncode != 0
    assert "forward" in done.stderr.lower()
