"""Helpers for the operations tests: free ports, waiting for a condition, tmux panes."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

RECOUP = str(Path(sys.executable).with_name("recoup"))
WRAPPER = Path(__file__).resolve().parents[2] / "docs" / "recoup-ssh-wrapper.sh"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: Callable[[], str | bool | None], timeout: float, what: str) -> str | bool:
    """Poll `check` until it returns something truthy; fail naming `what` (not a timing test:
    the timeout only bounds a hang)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = check()
        if got:
            return got
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


def recoup(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([RECOUP, *args], env={**os.environ, **(env or {})}, input=input,
                          capture_output=True, text=True, timeout=120)


def tmux_capture(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout


def have(program: str) -> bool:
    return shutil.which(program) is not None or Path(program).exists()


def shared_dir(prefix: str) -> Path:
    """A temporary folder another system user can use (the SSH operator opens the database)."""
    import tempfile
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o777)
    return path


def practice_db(folder: Path, env: dict[str, str]) -> None:
    """A SQLite database with one practice, so the main menu shows the operator line."""
    (folder / "import").mkdir()
    (folder / "import" / "practices.csv").write_text("practice_id,name\nP1,Loopback Clinic\n")
    done = recoup("import", str(folder / "import"), env=env)
    assert done.returncode == 0, done.stderr


def installed_wrapper(folder: Path, program: str, env_text: str) -> Path:
    """The shipped SSH wrapper as an install edits it: its program and env-file lines pointed here."""
    env_file = folder / "recoup.env"
    env_file.write_text(env_text)
    text = WRAPPER.read_text()
    program_line, env_line = "program=/opt/recoup/venv/bin/recoup\n", "env_file=/etc/recoup/env\n"
    assert text.count(program_line) == 1 and text.count(env_line) == 1
    forced = folder / "recoup-ssh"
    forced.write_text(text.replace(program_line, f"program={program}\n").replace(env_line, f"env_file={env_file}\n"))
    forced.chmod(0o755)
    return forced


def stop(*procs: subprocess.Popen[bytes]) -> None:
    """Terminate processes a test started, killing any that do not end within 10 seconds."""
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
