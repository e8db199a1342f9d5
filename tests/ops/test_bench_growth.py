"""The growth verdict of the batch benches (bench/growth.py): linear passes; a step faster than
linear fails unless the same work bare grew at that step too, and then only if the batch grew at
most the noise margin more than it. Pure arithmetic on given timings: no clock is read."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest

from bench.growth import Growth


def _series(batch: list[float], floor: list[float] | None) -> Growth:
    g = Growth("wall")
    for i, seconds in enumerate(batch):
        bare = SimpleNamespace(wall=floor[i], cpu=floor[i]) if floor else None
        g.add("apply", f"size {i}", 1000 * 10 ** i, seconds, seconds, bare)
    return g


@pytest.mark.parametrize(("batch", "floor", "passes", "said"), [
    ([1.0, 10.0, 100.0], None, True, None),                          # linear
    ([1.0, 10.0, 120.0], [0.9, 9.0, 90.0], True, None),               # 1.2x: within the noise margin
    ([1.0, 13.3, 160.0], None, False, None),                          # 1.33x and nothing to weigh it against
    ([1.0, 13.3, 160.0], [1.0, 10.0, 100.0], False, "✘"),            # the bare work stayed linear
    ([1.0, 13.3, 160.0], [1.0, 13.9, 150.0], True, "the server, not the batch"),  # it grew as much bare
    ([1.0, 20.0, 200.0], [1.0, 13.0, 130.0], False, "✘"),            # grew 1.5x more than the bare work
    ([1.0, 12.6, 126.0], [1.0, 12.1, 121.0], True, "the server, not the batch"),  # bare 1.21x, the batch 1.04x that
    ([1.0, 13.3, 133.0], [1.0, 9.0, 90.0], False, "✘"),              # bare got cheaper: linear is the yardstick
])
def test_growth_is_judged_against_linear_and_where_it_grew_against_the_same_work_bare(
        batch: list[float], floor: list[float] | None, passes: bool, said: str | None,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert _series(batch, floor).report() is passes
    out = capsys.readouterr().out
    if floor:
        assert "the same work bare: steps" in out
    if said:
        assert said in out.splitlines()[-1]
    per_k = [seconds / 10 ** i for i, seconds in enumerate(batch)]
    linear = all(b / a <= 1.25 for a, b in itertools.pairwise(per_k))
    [headline] = [line for line in out.splitlines() if line.startswith("  apply:")]
    assert headline.endswith("✔" if linear else "✔ against the same work bare (below)" if passes else "✘"), out
