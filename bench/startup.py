"""Start-up: process start to first paint, `recoup` vs a minimal Textual app, in a real pty 80x24.

"First paint" is the moment the program's output to the terminal contains the word PATIENTS
(the first heading of Recoup's menu; the minimal app prints it too). Each program runs RUNS times,
alternating; the medians are compared. The process is then ended with SIGTERM.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import sys
import termios
import time
from pathlib import Path

RUNS = 7
MARKER = b"PATIENTS"
TIMEOUT = 20.0


def first_paint(argv: list[str]) -> float:
    """Seconds from fork to the marker appearing on the pty."""
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # child: a real terminal of 80x24
        os.environ.update({"TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"})
        os.execv(argv[0], argv)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    seen = b""
    try:
        while time.perf_counter() - started < TIMEOUT:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    break
                seen = (seen + chunk)[-4096:]
                if MARKER in seen:
                    return time.perf_counter() - started
        raise RuntimeError(f"no first paint from {argv} in {TIMEOUT}s; last output: {seen[-300:]!r}")
    finally:
        os.kill(pid, signal.SIGTERM)
        _drain(fd)
        os.waitpid(pid, 0)
        os.close(fd)


def _drain(fd: int) -> None:
    end = time.perf_counter() + 1
    while time.perf_counter() < end:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if not ready:
            return
        try:
            if not os.read(fd, 65536):
                return
        except OSError:
            return


def _compile_sources() -> None:
    """Byte-compile Recoup's own modules first, as an installed package has them and as Textual's
    already are: with PYTHONDONTWRITEBYTECODE set (some machines set it) an editable checkout
    would otherwise be compiled afresh on every start, a cost no installed copy pays."""
    import compileall
    root = Path(__file__).resolve().parents[1]
    for package in ("core", "db", "tui"):
        compileall.compile_dir(root / package, quiet=1)


def run(db: Path) -> dict[str, float]:
    python = sys.executable
    recoup = str(Path(python).with_name("recoup"))
    floor_argv = [python, str(Path(__file__).with_name("minimal_app.py"))]
    app_argv = [recoup, "--db", str(db), "--as-of", "2026-11-23"]
    _compile_sources()
    first_paint(app_argv)  # warm the file cache and create/migrate the database
    floors, apps = [], []
    for _ in range(RUNS):
        floors.append(first_paint(floor_argv))
        apps.append(first_paint(app_argv))
    floor, app = statistics.median(floors), statistics.median(apps)
    return {"floor_s": floor, "recoup_s": app, "ratio": app / floor}
