"""The many-operators scenario as a benchmark (issue 8): actions per second and the 95th
percentile latency of an Apply, on PostgreSQL, with 8 operator processes at once vs the same
actions run one after another in one process.

    python -m bench.concurrency [--pg postgresql://postgres@127.0.0.1:5432/test] [--procs 8] [--actions 20]

Each variant gets a fresh database (created and dropped on the server given) and the same
generated practice and the same operators' plans (seeded). Three runs: one after another in one
process; 8 processes at once; 8 processes at once while the nightly run (two `recoup nightly`
processes racing for the same nights) goes on. Printed: absolute figures and the ratios to the
one-process run. Latencies are wall-clock per action, from the operator's read of the list to its
commit (what an operator waits for after F2). The outcomes (applied / refused / conflict) are
printed too: under contention more actions meet a changed list and are refused as conflicts.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.ops.concurrency_scenario import Outcome, build_world, check, p95, run_concurrently, run_serially
from tests.pg_scratch import scratch_database


def _figures(name: str, outcomes: list[Outcome], seconds: float) -> dict[str, float]:
    applies = [o.seconds for o in outcomes if o.kind == "apply" and o.outcome == "applied"]
    every = [o.seconds for o in outcomes]
    fig = {"actions": len(outcomes), "seconds": seconds, "per_second": len(outcomes) / seconds,
           "apply_p95": p95(applies), "apply_n": len(applies), "all_p95": p95(every)}
    tally = Counter(o.outcome for o in outcomes)
    print(f"{name:<34} {fig['actions']:>4} actions in {seconds:6.2f} s = {fig['per_second']:6.1f}/s · "
          f"Apply p95 {fig['apply_p95'] * 1000:7.1f} ms (n={len(applies)}) · any action p95 "
          f"{fig['all_p95'] * 1000:7.1f} ms · {dict(sorted(tally.items()))}")
    return fig


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pg", default=os.environ.get("RECOUP_TEST_POSTGRES_URL",
                                                   "postgresql://postgres@127.0.0.1:5432/test"))
    ap.add_argument("--procs", type=int, default=8)
    ap.add_argument("--actions", type=int, default=20, help="actions per operator")
    ap.add_argument("--guarantors", type=int, default=60)
    a = ap.parse_args()
    print(f"concurrency benchmark: PostgreSQL, {a.procs} operators x {a.actions} actions, "
          f"{a.guarantors} guarantors; machine load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    results = {}
    for name, how in (("one process, one after another", "serial"), (f"{a.procs} processes at once", "conc"),
                      (f"{a.procs} processes + nightly run", "nightly")):
        with scratch_database(a.pg, "recoup_bench_conc") as url:
            pid = build_world(url, a.guarantors)
            if how == "serial":
                outcomes, seconds = run_serially(url, pid, a.procs, a.actions)
            else:
                outcomes, _nights, seconds = run_concurrently(url, pid, a.procs, a.actions,
                                                              nightlies=() if how == "conc" else ("nightly", "tester"))
            problems = check(url, pid, outcomes, nightly=how == "nightly")
            results[how] = _figures(name, outcomes, seconds)
            if problems:
                print("  PROBLEMS:", *problems[:10], sep="\n  ")
    base = results["serial"]
    for how, label in (("conc", f"{a.procs} processes"), ("nightly", f"{a.procs} processes + nightly")):
        r = results[how]
        print(f"ratio {label:<24} throughput x{r['per_second'] / base['per_second']:.2f} · Apply p95 "
              f"x{(r['apply_p95'] / base['apply_p95']) if base['apply_p95'] else float('nan'):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
