"""The guarantor list on a large database: open time, and key-to-frame for Down and PageDown,
against Textual's DataTable holding 1,000 rows (the floor).

Measured in-process with Pilot at 80x24 (headless: the compositor renders every frame, nothing is
written to a terminal). Key-to-frame = from pressing the key until the screen has processed it
and repainted (`pilot.press` + `pilot.pause()`); the median of KEYS presses.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import DataTable

KEYS = 40


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


def run(services: Any) -> dict[str, float]:
    floor = asyncio.run(_floor())
    ours = asyncio.run(_recoup(services))
    return {"rows": ours["rows"], "open_s": ours["open"],
            "down_s": ours["down"], "down_floor_s": floor["down"], "down_ratio": ours["down"] / floor["down"],
            "pagedown_s": ours["pagedown"], "pagedown_floor_s": floor["pagedown"],
            "pagedown_ratio": ours["pagedown"] / floor["pagedown"]}
