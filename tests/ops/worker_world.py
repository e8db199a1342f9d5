"""The nightly across worker processes (issue 20 item 7), shared by tests/ops/test_workers.py:
a billing office of a few small practices, each with external collections (an agency that
approves and files automatically, one that waits for an operator) and the roster populating
automatically, built the same way in any database; a digest of everything the nightly writes
that does not depend on ids, clocks or which worker ran it; and `recoup worker` processes."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

from tests.ops._procs import RECOUP

AS_OF = dt.date(2026, 11, 23)


def _login() -> str:
    """The worker processes run as whoever runs the tests: that login is the office's admin."""
    from tui.commands.context import os_login
    return os_login()


def build_office(url: str, practices: int = 3, guarantors: int = 30, seed: int = 7) -> list[str]:
    """`practices` practices alike in shape (each its own draw), ready for the nightly of AS_OF.
    Returns their source ids."""
    from core import external, roster, security
    from core.exchange import agency_files
    from core.roster import admin as roster_admin
    from core.security import Actor
    from db.engine import make_engine
    from db.uow import SqlUnitOfWork
    from tests import factories as f

    engine = make_engine(url)
    admin = Actor(_login(), "admin")
    with SqlUnitOfWork(engine) as u:
        security.bootstrap_admin(u, admin.name)
        u.commit()
    ids: list[str] = []
    for n in range(1, practices + 1):
        rnd = random.Random(seed * 1000 + n)
        source = f"OFF{n:02d}"
        with SqlUnitOfWork(engine) as u:
            p = f.practice(u, source, f"Office Practice {n}", external_on=True, roster_on=True)
            for gi in range(guarantors):
                g = f.guarantor(u, p, f"{source}-G{gi:03d}")
                for ei in range(rnd.randint(1, 3)):
                    age = rnd.choice((20, 45, 75, 100, 140, 200, 400))
                    amounts = [rnd.randint(20, 300) * 100 + rnd.randint(0, 99) for _ in range(rnd.randint(1, 2))]
                    f.encounter(u, p, g, amounts, source_id=f"{source}-E{gi:03d}{ei}",
                                posted=AS_OF - dt.timedelta(days=age), dunning=rnd.randint(0, 3))
            pid = int(p.id)  # type: ignore[arg-type]
            u.commit()
        with SqlUnitOfWork(engine) as u:
            roster_admin.ensure_defaults(u, pid)
            u.commit()
        with SqlUnitOfWork(engine) as u:   # the roster takes what the agencies leave (30 to 60 days old)
            roster.update_settings(u, admin, pid, {"age_to_enter": 30, "min_balance_cents": 1000})
        for code, age, auto in (("AG1", 60, True), ("AG2", 180, False)):
            with SqlUnitOfWork(engine) as u:
                agency_files.save_agency(u, admin, pid, code, AS_OF, name=f"Agency {code}",
                                         baa_signed=AS_OF - dt.timedelta(days=365), fee_bp=2000)
            with SqlUnitOfWork(engine) as u:
                external.add_assignment(u, admin, pid, external.Assignment(code, 1000, age, auto, auto), AS_OF)
        ids.append(source)
    engine.dispose()
    return ids


# Columns that name rows, moments or processes rather than what the nightly decided (an xlsx file's
# checksum too: the file carries the moment it was written; its rows and total are compared).
_VOLATILE = ("holder", "sha256", "path", "created_by", "memo", "summary", "ref")  # ref: "external_run 12"


def digest(url: str) -> dict[str, Counter[tuple[Any, ...]]]:
    """Per table with a practice_id: the multiset of its rows, without ids, timestamps and the
    other columns above, with the practice as its source id. Two databases built alike and run
    through the same nightly have equal digests whoever ran it and however often it was cut."""
    from sqlalchemy import DateTime, inspect, text

    from db.engine import make_engine
    engine = make_engine(url)
    out: dict[str, Counter[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        insp = inspect(conn)
        for table in sorted(insp.get_table_names()):
            cols = insp.get_columns(table)
            names = [c["name"] for c in cols]
            if "practice_id" not in names or table in ("run_lock", "audit_entry"):
                continue
            keep = [c["name"] for c in cols if c["name"] != "practice_id" and not c["name"].endswith("id")
                    and not c["name"].endswith("_at") and c["name"] not in _VOLATILE
                    and not isinstance(c["type"], DateTime)]
            select = ", ".join(["p.source_id", *[f"t.{n}" for n in keep]])
            rows = conn.execute(text(f"SELECT {select} FROM {table} t JOIN practice p ON p.id = t.practice_id"))
            out[table] = Counter(tuple(str(v) for v in r) for r in rows)
        runs = conn.execute(text("SELECT p.source_id, r.kind, r.business_date, r.outcome, r.summary FROM run_lock r "
                                 "JOIN practice p ON p.id = r.practice_id"))
        out["run_lock"] = Counter((s, k, str(d), o, json.dumps({x: v for x, v in json.loads(m or "{}").items()
                                                               if x not in ("run", "tally")}, sort_keys=True))
                                  for s, k, d, o, m in runs)
    engine.dispose()
    return out


def worker(url: str, *args: str, log: Path | None = None) -> subprocess.Popen[str]:
    """A `recoup worker` process for the nightly of AS_OF (its log lines to `log`)."""
    err = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115 - the process writes it
    return subprocess.Popen([RECOUP, "--db", url, "worker", "--as-of", AS_OF.isoformat(), *args],
                            stdout=subprocess.PIPE, stderr=err, text=True, env=dict(os.environ))
