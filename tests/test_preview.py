"""The nightly preview (SPEC 14): it writes nothing (every table's rows are the same after it, and no
agency file is left behind), and the run that follows it does exactly what it said, batch by batch,
on the demo practices. Both databases."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import SQLModel

from tests.conftest import TODAY

# `engine` holds a copy of the small demo, built once per run (tests/conftest.py), on each back end
pytestmark = [pytest.mark.slow, pytest.mark.small_demo]

NEXT = TODAY + dt.timedelta(days=1)


def fingerprint(engine: Engine) -> dict[str, tuple[int, str]]:
    """Every table: its row count and a digest of its rows in key order."""
    out = {}
    with engine.connect() as c:
        for table in SQLModel.metadata.sorted_tables:
            rows = c.execute(text(f"SELECT * FROM {table.name} ORDER BY 1")).all()
            out[table.name] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return out


def comparable(tally: dict[str, Any]) -> dict[str, Any]:
    """A tally without what names the run itself."""
    return {k: v for k, v in tally.items() if k not in ("run", "ref")}


def test_preview_writes_nothing_and_the_run_agrees_exactly(engine: Engine, cli, tmp_path: Path) -> None:
    files = tmp_path / "files"
    before = fingerprint(engine)
    code, out, err = cli("--as-of", NEXT.isoformat(), "--json", "nightly", "--preview", "--out", str(files))
    assert code == 0, err
    preview = json.loads(out)
    assert fingerprint(engine) == before
    assert not files.exists() or list(files.iterdir()) == []
    batches = [b for b in preview["batches"] if b["tally"]]
    assert {b["batch"] for b in batches} == {"external", "roster"}
    assert any(b["tally"]["taken"] for b in batches) and any(b["tally"]["excluded"] for b in batches)
    assert all(len(b["examples"]) <= 20 for b in batches) and any(b["examples"] for b in batches)

    code, out, err = cli("--as-of", NEXT.isoformat(), "--json", "nightly", "--out", str(files))
    assert code == 0, err
    ran = {(r["practice"], r["batch"]): r["tally"] for r in json.loads(out)}
    for b in batches:
        assert comparable(ran[(b["practice"], b["batch"])]) == comparable(b["tally"]), (b["practice"], b["batch"])
    assert list(files.iterdir())  # the run wrote the files the preview only rehearsed

    code, out, _ = cli("--as-of", NEXT.isoformat(), "nightly", "--preview")
    assert code == 0 and "already done: the run would do nothing" in out
