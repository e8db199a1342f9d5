"""`recoup verify --json` reports every check with its count, for monitoring."""

from __future__ import annotations

import json
from pathlib import Path

from core.verify import CHECKS
from tests.integrity.support import run_cli


def test_verify_json_names_every_check_with_its_count(demo_copy: Path) -> None:
    code, out, err = run_cli(demo_copy, "verify", "--json")
    assert code == 0, out + err
    report = json.loads(out)
    names = [c["name"] for c in report["checks"]]
    assert len(names) == len(CHECKS)
    assert {"one workflow", "task numbers", "collections held", "audit chain", "ledger identity"} <= set(names)
    by = {c["name"]: c for c in report["checks"]}
    assert by["task numbers"]["checked"] > 0 and by["one workflow"]["checked"] > 0
    assert all(c["problems"] == 0 for c in report["checks"]) and report["ok"] is True
