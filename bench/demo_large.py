"""How long `recoup demo --no-tui --size large` takes, and how much memory it needs.

Runs the real command in a child process on a fresh SQLite file in a temporary directory (or on
an empty PostgreSQL database given with --db), then `recoup verify` on the result, and prints
wall time and peak resident memory (RSS) of each. Heavy: about a million encounters.

    python bench/demo_large.py                  # large on SQLite
    python bench/demo_large.py --size medium
    python bench/demo_large.py --size medium --db postgresql://postgres@127.0.0.1:5432/empty_db
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

AS_OF = "2026-11-23"


def run(argv: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (MiB) and output of one child process (its own rusage, via wait4)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile(mode="w+") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        out.seek(0)
        output = out.read()
    if proc.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed ({proc.returncode}):\n{output}")
    return seconds, usage.ru_maxrss // 1024, output


def recoup() -> str:
    here = Path(sys.executable).parent / "recoup"
    return str(here) if here.exists() else "recoup"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="large", choices=("small", "medium", "large"))
    parser.add_argument("--db", help="an empty, initialised PostgreSQL database URL (default: a temp SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="recoup-bench-") as tmp:
        db = args.db or str(Path(tmp) / "demo.db")
        build = run([recoup(), "--db", db, "--as-of", AS_OF, "demo", "--no-tui", "--size", args.size,
                     "--out", str(Path(tmp) / "files")])   # the demo's files, gone with the folder
        verify = run([recoup(), "--db", db, "verify"])
        size_mib = Path(db).stat().st_size // 2**20 if not args.db else None
    print(build[2].strip())
    print(f"demo --size {args.size}: {build[0]:.1f} s wall, peak RSS {build[1]} MiB"
          + (f", database file {size_mib} MiB" if size_mib is not None else ""))
    print(f"verify: {verify[0]:.1f} s wall, peak RSS {verify[1]} MiB")


if __name__ == "__main__":
    main()
