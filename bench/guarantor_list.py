"""The guarantor list on a large database: open time, and Down/PageDown per key (wall and CPU),
against Textual's DataTable holding 1,000 rows (the floor).

`python -m bench.guarantor_list [--db PATH] [--runs 3] [--load N]`

Each run is a fresh process for Recoup and one for the floor (alternating), measured in-process
with Pilot at 80x24 (headless: the compositor renders every frame, nothing is written to a
terminal).

- Open: from `open_screen("guarantors")` until the first frame the compositor renders with the
  list's rows in it (hooked on `App._display`, which every frame goes through). Not until
  `pilot.pause()` returns: that waits in 20 ms steps for the process to go idle, which on a loaded
  machine adds hundreds of ms that no operator sees (printed too, as "until Pilot saw the app
  idle": the measure before). Each run is a new process, so the open pays
  what an operator's first open pays (the screen's imports, the first SQL).
- Keys: KEYS presses of Down, then of PageDown. Wall = key-to-frame, `pilot.press` +
  `pilot.pause()`, the median press; most of it is the harness sleeping in 20 ms steps (Textual's
  wait granularity), so it is blunt. CPU = the process's CPU time (`time.process_time`, every
  thread: page reads in workers count) over the burst, divided by KEYS: the sharper figure, and
  one that load on the machine does not inflate much. Also printed net of what a press of a key
  bound to nothing costs (IDLE_KEY): most of that is the harness, whose every pause posts a
  callback to every widget on the screen (Recoup's screen has 21, the floor's 3).
- `--load N` starts N busy processes (other programs on the machine) before the runs and kills
  them after; the load average is printed before and after (the machine is shared: compare it).

Figures are the median of the runs (open: min/median/max); the goal lines end in ✔ or ✘.

Sorting (`python -m bench.guarantor_list --sorts [--db PATH]`): for every sort the list offers,
both directions, what the list's worker reads when the operator sorts (the first page) and pages on
(the next page, by keyset), through core.accounts; the median of SORT_RUNS, as a ratio to the
same reads under the list's default sort (by name, index-backed since 0001).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import DataTable

KEYS = 40
RUNS = 3
SORT_RUNS = 5
OPEN_GOAL_S = 0.5
KEY_GOAL = 1.5          # Recoup / floor, wall and CPU
IDLE_KEY = "f19"        # bound to nothing in either app: what a press costs the harness and the app
HERE = Path(__file__).resolve().parent


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        table: DataTable[str] = DataTable(cursor_type="row")
        table.add_columns("Id", "Name", "Kd", "A/R", "Ins A/R", "Collect.", "Escrow")
        for i in range(1000):
            table.add_row(f"G{i:07d}", f"Name {i}", "pat", "1,234.56", "0.00", "0.00", "0.00")
        yield table


async def _keys(pilot: Any, key: str) -> dict[str, float]:
    """Median wall per press (key to frame) and CPU per key over the burst."""
    times = []
    cpu = time.process_time()
    for _ in range(KEYS):
        started = time.perf_counter()
        await pilot.press(key)
        await pilot.pause()
        times.append(time.perf_counter() - started)
    return {"wall": statistics.median(times), "cpu": (time.process_time() - cpu) / KEYS}


async def _floor() -> dict[str, Any]:
    app = TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        return {"idle": (await _keys(pilot, IDLE_KEY))["cpu"],
                "down": await _keys(pilot, "down"), "pagedown": await _keys(pilot, "pagedown")}


async def _recoup(services: Any, keys: bool = True) -> dict[str, Any]:
    from tui.app import RecoupApp
    from tui.widgets.vtable import VirtualTable

    app = RecoupApp(services=services)
    shown = asyncio.Event()
    opened: list[float] = []
    started = cpu = 0.0
    display = app._display

    def frame(screen: Any, renderable: Any) -> None:
        """Every frame passes here; the first one drawn with the list's rows (not covered by
        Textual's loading indicator) ends the open."""
        display(screen, renderable)
        if started and not opened and renderable is not None and not app._batch_count:
            tables = screen.query(VirtualTable)
            if tables and tables.first().current_row is not None and not tables.first()._cover_widget:
                opened.extend([time.perf_counter() - started, time.process_time() - cpu])
                shown.set()

    app._display = frame  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()  # the operator reads the menu: what it starts is done
        await pilot.pause()
        started, cpu = time.perf_counter(), time.process_time()
        app.open_screen("guarantors")
        await asyncio.wait_for(shown.wait(), 60)
        table = app.screen.query_one(VirtualTable)
        while table.loading:  # the keys below are for the whole list, not its first page
            await asyncio.sleep(0.01)
        await pilot.pause()
        settled = time.perf_counter() - started
        out: dict[str, Any] = {"open": opened[0], "open_cpu": opened[1], "settled": settled, "rows": table.total}
        if keys:
            out["idle"] = (await _keys(pilot, IDLE_KEY))["cpu"]
            out["down"] = await _keys(pilot, "down")
            out["pagedown"] = await _keys(pilot, "pagedown")
        await app.workers.wait_for_complete()
        return out


def _child(which: str, db: str | Path) -> None:
    """One run in this process; prints its figures as one JSON line."""
    if which == "floor":
        print(json.dumps(asyncio.run(_floor())))
        return
    from bench.__main__ import _services
    print(json.dumps(asyncio.run(_recoup(_services(db), keys=which == "recoup"))))


def _in_child(which: str, db: str | Path) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "bench.guarantor_list", "--child", which, "--db", str(db)],
                         capture_output=True, text=True, cwd=HERE.parent,
                         env={**os.environ, "PYTHONPATH": str(HERE.parent)})
    if out.returncode:
        raise RuntimeError(f"the {which} run failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def load_average() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def start_load(n: int) -> list[subprocess.Popen[bytes]]:
    """N processes that spin on the CPU until killed: other programs on a busy machine."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]


def stop_load(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        p.kill()
    for p in procs:
        p.wait()


def run(db: str | Path, runs: int = RUNS, load: int = 0, keys: bool = True) -> dict[str, Any]:
    """`runs` fresh processes of each (alternating), with `load` busy processes meanwhile;
    without `keys`, only Recoup's open."""
    before = load_average()
    spinners = start_load(load)
    try:
        if spinners:
            time.sleep(2)  # the spinners are running before the first figure is taken
        ours, floors = [], []
        for _ in range(runs):
            if keys:
                floors.append(_in_child("floor", db))
            ours.append(_in_child("recoup" if keys else "open", db))
    finally:
        stop_load(spinners)
    out: dict[str, Any] = {"rows": ours[0]["rows"], "runs": runs, "load": load,
                           "load_before": before, "load_after": load_average(),
                           "open_s": sorted(r["open"] for r in ours),
                           "settled_s": sorted(r["settled"] for r in ours),
                           "open_cpu_s": sorted(r["open_cpu"] for r in ours)}
    for key in ("down", "pagedown") if keys else ():
        for measure in ("wall", "cpu"):
            mine = statistics.median(r[key][measure] for r in ours)
            floor = statistics.median(r[key][measure] for r in floors)
            out[f"{key}_{measure}"] = {"recoup_s": mine, "floor_s": floor, "ratio": mine / floor}
        mine = statistics.median(r[key]["cpu"] - r["idle"] for r in ours)
        floor = statistics.median(r[key]["cpu"] - r["idle"] for r in floors)
        out[f"{key}_net"] = {"recoup_s": mine, "floor_s": floor, "ratio": mine / floor}
    return out


def report(r: dict[str, Any]) -> list[str]:
    """The figures as lines; the ones naming a goal end in ✔ or ✘ (bench/__main__ gathers them)."""
    opens = r["open_s"]
    fastest, median, slowest = opens[0], statistics.median(opens), opens[-1]
    loaded = f"{r['load']} busy processes started, " if r["load"] else ""
    lines = [f"guarantor list ({r['rows']:,} guarantors), {r['runs']} runs; {loaded}load average "
             f"{r['load_before']} before, {r['load_after']} after",
             f"guarantor list opens (to the first frame with rows) in {fastest * 1000:.0f}/"
             f"{median * 1000:.0f}/{slowest * 1000:.0f} ms min/median/max "
             f"(goal <= {OPEN_GOAL_S * 1000:.0f} ms every run) {'✔' if slowest <= OPEN_GOAL_S else '✘'}",
             "  (CPU of the process to that frame: " + "/".join(f"{s * 1000:.0f}" for s in r["open_cpu_s"])
             + " ms; until Pilot then saw the app idle, the measure before session 7, which adds its 20 ms "
             "idle steps: " + "/".join(f"{s * 1000:.0f}" for s in r["settled_s"]) + " ms)"]
    for key, name in (("down", "Down"), ("pagedown", "PageDown")):
        if f"{key}_wall" not in r:
            continue
        for measure, what in (("wall", "key-to-frame"), ("cpu", "CPU per key")):
            m = r[f"{key}_{measure}"]
            lines.append(f"{name} {what} {m['recoup_s'] * 1000:.1f} ms vs DataTable(1,000 rows) "
                         f"{m['floor_s'] * 1000:.1f} ms = {m['ratio']:.2f}x (goal <= {KEY_GOAL}x) "
                         f"{'✔' if m['ratio'] <= KEY_GOAL else '✘'}")
        m = r[f"{key}_net"]
        lines.append(f"  ({name} CPU per key net of a press of an unbound key, mostly the harness's: "
                     f"{m['recoup_s'] * 1000:.1f} ms vs "
                     f"{m['floor_s'] * 1000:.1f} ms = {m['ratio']:.2f}x)")
    return lines


def _median_time(read: Any) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(SORT_RUNS):
        started = time.perf_counter()
        result = read()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def sorted_pages(services: Any) -> dict[str, dict[str, float]]:
    """Per "sort asc|desc": seconds for the first page and for the next page (keyset)."""
    from core import accounts

    practice_id, filt = services.practices[0].id, accounts.GuarantorFilter()
    out: dict[str, dict[str, float]] = {}
    with services.uow() as u:
        for sort in accounts.SORTS:
            for descending in (False, True):
                first_s, rows = _median_time(lambda: accounts.guarantor_page(
                    u, practice_id, filt, sort, descending))  # noqa: B023 (called at once)
                after = accounts.sort_key(rows[-1], sort)
                next_s, _ = _median_time(lambda: accounts.guarantor_page(
                    u, practice_id, filt, sort, descending, after=after))  # noqa: B023 (called at once)
                out[f"{sort} {'desc' if descending else 'asc'}"] = {"first_s": first_s, "next_s": next_s}
    return out


def sort_report(sorts: dict[str, dict[str, float]]) -> list[str]:
    floor = sorts["name asc"]
    lines = [f"{'sort':18s} {'first page':>12s} {'ratio':>6s} {'next page':>12s} {'ratio':>6s}"]
    for name, r in sorts.items():
        lines.append(f"{name:18s} {r['first_s'] * 1000:9.1f} ms {r['first_s'] / floor['first_s']:5.1f}x "
                     f"{r['next_s'] * 1000:9.1f} ms {r['next_s'] / floor['next_s']:5.1f}x")
    lines.append("(ratios to 'name asc', the default sort; goal: every sort opens within 0.5 s)")
    return lines


if __name__ == "__main__":
    import argparse

    from bench.__main__ import LARGE, _services

    parser = argparse.ArgumentParser(prog="python -m bench.guarantor_list")
    parser.add_argument("--db", default=str(LARGE),
                        help="the large demo: a SQLite file or a PostgreSQL URL (read only)")
    parser.add_argument("--runs", type=int, default=RUNS, help="fresh processes of each app")
    parser.add_argument("--load", type=int, default=0, help="busy processes to run meanwhile")
    parser.add_argument("--open-only", action="store_true", help="only the open (no keys, no floor)")
    parser.add_argument("--sorts", action="store_true", help="the first and next page of every sort")
    parser.add_argument("--child", choices=("recoup", "open", "floor"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.db)
    elif args.sorts:
        services = _services(args.db)
        print(f"guarantor list sorts, practice {services.practices[0].name}:")
        print("\n".join(sort_report(sorted_pages(services))))
    else:
        print("\n".join(report(run(args.db, args.runs, args.load, not args.open_only))), flush=True)
