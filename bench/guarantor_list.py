"""The guarantor list on a large database: open time, and key-to-frame for Down and PageDown,
against Textual's DataTable holding 1,000 rows (the floor).

Measured in-process with Pilot at 80x24 (headless: the compositor renders every frame, nothing is
written to a terminal). Key-to-frame = from pressing the key until the screen has processed it
and repainted (`pilot.press` + `pilot.pause()`); the median of KEYS presses.

Sorting (`python -m bench.guarantor_list [--db PATH]`): for every sort the list offers, both
directions, what the list's worker reads when the operator sorts (the first page) and pages on
(the next page, by keyset), through core.accounts; the median of SORT_RUNS, as a ratio to the
same reads under the list's default sort (by name, index-backed since 0001).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import DataTable

KEYS = 40
SORT_RUNS = 5


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        table: DataTable[str] = DataTable(cursor_type="row")
        table.add_columns("Id", "Name", "Kd", "A/R", "Ins A/R", "Collect.", "Escrow")
        for i in range(1000):
            table.add_row(f"G{i:07d}", f"Name {i}", "pat", "1,234.56", "0.00", "0.00", "0.00")
        yield table


async def _keys(pilot: Any, key: str) -> float:
    times = []
    for _ in range(KEYS):
        started = time.perf_counter()
        await pilot.press(key)
        await pilot.pause()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def _floor() -> dict[str, float]:
    app = TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        return {"down": await _keys(pilot, "down"), "pagedown": await _keys(pilot, "pagedown")}


async def _recoup(services: Any) -> dict[str, float]:
    from tui.app import RecoupApp
    from tui.widgets.vtable import VirtualTable

    app = RecoupApp(services=services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        loaded = asyncio.Event()
        started = time.perf_counter()
        app.open_screen("guarantors")
        await pilot.pause()
        table = app.screen.query_one(VirtualTable)
        while table.loading or table.current_row is None:
            await asyncio.sleep(0.002)
        await pilot.pause()
        opened = time.perf_counter() - started
        loaded.set()
        total = table.total
        down = await _keys(pilot, "down")
        pagedown = await _keys(pilot, "pagedown")
        await app.workers.wait_for_complete()
        return {"open": opened, "down": down, "pagedown": pagedown, "rows": total}


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


def run(services: Any) -> dict[str, float]:
    floor = asyncio.run(_floor())
    ours = asyncio.run(_recoup(services))
    return {"rows": ours["rows"], "open_s": ours["open"],
            "down_s": ours["down"], "down_floor_s": floor["down"], "down_ratio": ours["down"] / floor["down"],
            "pagedown_s": ours["pagedown"], "pagedown_floor_s": floor["pagedown"],
            "pagedown_ratio": ours["pagedown"] / floor["pagedown"]}


if __name__ == "__main__":
    import argparse
    from pathlib import Path

    from bench.__main__ import LARGE, _services

    parser = argparse.ArgumentParser(prog="python -m bench.guarantor_list")
    parser.add_argument("--db", type=Path, default=LARGE)
    services = _services(parser.parse_args().db)
    print(f"guarantor list sorts, practice {services.practices[0].name}:")
    print("\n".join(sort_report(sorted_pages(services))))
