"""Run every benchmark: `python -m bench [--db LARGE_DB] [--only startup|list|import]`.

Each figure is printed next to its floor measured in the same run, as a ratio, plus the absolute
seconds. The guarantor list wants a large database: by default the large demo at
/tmp/recoup_bench_large.db (built with `recoup demo --size large --no-tui --db ...` if missing).
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
from pathlib import Path

AS_OF = dt.date(2026, 11, 23)
LARGE = Path("/tmp/recoup_bench_large.db")


def _services(db: Path):  # type: ignore[no-untyped-def]
    from core import accounts, security
    from db.engine import make_engine
    from db.uow import SqlUnitOfWork
    from tui.commands.context import os_login
    from tui.services import Services

    engine = make_engine(f"sqlite:///{db}")

    def uow(write: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(engine, write=write)

    with uow() as u:
        practices = accounts.list_practices(u)
        counts = {p.id: accounts.count_guarantors(u, p.id, accounts.GuarantorFilter()) for p in practices}
        actor = security.authenticate(u, os_login())
    biggest = max(practices, key=lambda p: counts[p.id])
    return Services(uow, actor, AS_OF, [biggest] + [p for p in practices if p is not biggest])


def _ensure_large(db: Path) -> None:
    if db.exists():
        return
    print(f"building the large demo in {db} (minutes)…", flush=True)
    from tui.cli import main
    main(["--db", str(db), "--as-of", AS_OF.isoformat(), "demo", "--size", "large", "--no-tui"])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--db", type=Path, default=LARGE)
    parser.add_argument("--only", choices=("startup", "list", "import"))
    args = parser.parse_args()
    if args.only in (None, "startup"):
        from bench import startup
        with tempfile.TemporaryDirectory() as tmp:
            r = startup.run(Path(tmp) / "startup.db")
        print(f"start-up to first paint (pty 80x24): recoup {r['recoup_s'] * 1000:.0f} ms vs minimal "
              f"Textual app {r['floor_s'] * 1000:.0f} ms = {r['ratio']:.2f}x (goal <= 1.2x)")
    if args.only in (None, "list"):
        from bench import guarantor_list
        _ensure_large(args.db)
        r = guarantor_list.run(_services(args.db))
        print(f"guarantor list ({r['rows']:,} guarantors in the practice): opens in {r['open_s'] * 1000:.0f} ms "
              f"(goal <= 500 ms)")
        print(f"  Down key-to-frame {r['down_s'] * 1000:.1f} ms vs DataTable(1,000 rows) "
              f"{r['down_floor_s'] * 1000:.1f} ms = {r['down_ratio']:.2f}x (goal <= 1.5x)")
        print(f"  PageDown key-to-frame {r['pagedown_s'] * 1000:.1f} ms vs DataTable(1,000 rows) "
              f"{r['pagedown_floor_s'] * 1000:.1f} ms = {r['pagedown_ratio']:.2f}x (goal <= 1.5x)")

    if args.only in (None, "import"):
        from bench import bench_imports
        bench_imports.main(["--runs", "1"])


if __name__ == "__main__":
    main()
