"""The benchmarks still run (bench/ is not imported by the product, so nothing else would notice
one broken by a product change, as the spreadsheet benches were by the no-BAA confirmation): each
batch bench at two tiny sizes, in its own process, to its end. Figures are not checked here —
tests check behaviour, benchmarks check speed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.pg_scratch import scratch_database

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def _bench(argv: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    """`python -m bench.<argv[0]> argv[1:]` in its own process, to its end."""
    done = subprocess.run([sys.executable, "-m", f"bench.{argv[0]}", *argv[1:]], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={"PATH": "/usr/bin:/bin", "HOME": str(home),
                                                       "RECOUP_ANCHORS": "off", "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done


@pytest.mark.parametrize("argv", [
    ["precollections", "--encounters", "300", "600", "--repeat", "1", "--apply-tasks", "600"],
    ["external", "--encounters", "300", "600"],
    ["roster", "--guarantors", "200", "400"],
], ids=["precollections", "external", "roster"])
def test_a_batch_bench_runs_to_its_growth_figures(argv: list[str], tmp_path: Path) -> None:
    done = _bench(argv, tmp_path)
    assert "growth, ms per 1,000 rows" in done.stdout
    assert "goal <= 15x" in done.stdout or "goal <= 2x" in done.stdout


@pytest.mark.postgres
def test_the_external_bench_on_postgresql_says_what_the_server_wrote(pg_url: str, tmp_path: Path) -> None:
    """Its floor and its run each with the WAL they wrote and the blocks they read (bench/pgio.py),
    so a growth step the floor shares can be told to be the server's."""
    with scratch_database(pg_url, "recoup_bench_smoke") as url:
        done = _bench(["external", "--encounters", "300", "--db", url], tmp_path)
    server = [line.split() for line in done.stdout.splitlines() if "full-page images" in line]
    assert len(server) == 4, done.stdout          # floor and run, for each of the two runs
    assert all(float(words[words.index("WAL") + 1]) > 0 for words in server), done.stdout
