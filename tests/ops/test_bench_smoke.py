"""The benchmarks still run (bench/ is not imported by the product, so nothing else would notice
one broken by a product change, as the spreadsheet benches were by the no-BAA confirmation): each
batch bench at two tiny sizes, in its own process, to its end. Figures are not checked here —
tests check behaviour, benchmarks check speed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("argv", [
    ["precollections", "--encounters", "300", "600", "--repeat", "1", "--apply-tasks", "600"],
    ["external", "--encounters", "300", "600"],
    ["roster", "--guarantors", "200", "400"],
], ids=["precollections", "external", "roster"])
def test_a_batch_bench_runs_to_its_growth_figures(argv: list[str], tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", f"bench.{argv[0]}", *argv[1:]], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                                                       "RECOUP_ANCHORS": "off", "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "growth, ms per 1,000 rows" in done.stdout
    assert "goal <= 15x" in done.stdout or "goal <= 2x" in done.stdout
