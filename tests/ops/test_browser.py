"""Recoup in a browser: `recoup serve` (textual-serve) driven by headless Chromium over CDP.

Starts the server on a free loopback port against a temporary SQLite database with one operator
who has a password, opens the page, signs in through the application's own sign-in screen and
waits for the main menu naming that operator. Skips without Chromium.

Name, Enter, password and Enter go out as separate messages right after one another, as a paste or
fast typing over a slow link would: they reach the application together, so this also checks that
Enter in the name field moves the focus before the next keys are dispatched (tui/signin.py).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import urllib.request
from pathlib import Path

import aiohttp
import pytest

from tests.ops._cdp import Page
from tests.ops._procs import RECOUP, free_port, practice_db, recoup, shared_dir, stop, wait_for

CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if Path(p).exists()), None)
pytestmark = [pytest.mark.slow, pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")]
PASSWORD = "correct horse battery"
# Loopback only: textual-serve's page links a web font and Chromium phones home by default; no name
# resolves, so nothing leaves the machine and nothing waits on a network that is not there.
OFFLINE = ("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check")


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.read().decode()
    except OSError:
        return None


async def _session(debug_port: int, url: str) -> str:
    pages = json.loads(_get(f"http://127.0.0.1:{debug_port}/json") or "[]")
    target = next(p for p in pages if p.get("type") == "page")
    async with aiohttp.ClientSession() as http, http.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as ws:
        page = Page(ws)
        await page.send("Network.enable")
        await page.send("Page.enable")
        await page.send("Page.navigate", url=url)
        await page.wait_text("Recoup — sign in", 60)
        await page.send("Runtime.evaluate", expression="document.querySelector('.xterm-helper-textarea').focus()")
        await page.type("webop")
        await page.key("Enter", 13)
        await page.type(PASSWORD)
        await page.key("Enter", 13)
        return await page.wait_text("Operator: webop", 60)


def test_sign_in_in_a_browser_opens_the_main_menu(tmp_path: Path) -> None:
    folder = shared_dir("recoup-web-")
    env = {"RECOUP_DATABASE_URL": f"sqlite:///{folder / 'recoup.db'}"}
    assert recoup("init", env=env).returncode == 0
    practice_db(folder, env)
    assert recoup("users", "add", "webop", "--role", "collector", env=env).returncode == 0
    assert recoup("users", "password", "webop", "--password-stdin", env=env, input=PASSWORD + "\n").returncode == 0
    port, debug_port = free_port(), free_port()
    log = tmp_path / "serve.log"
    server = subprocess.Popen([RECOUP, "serve", "--port", str(port)], env={**os.environ, **env},
                              stdout=log.open("wb"), stderr=subprocess.STDOUT)
    browser = subprocess.Popen([CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", *OFFLINE,
                                f"--remote-debugging-port={debug_port}", f"--user-data-dir={tmp_path / 'profile'}",
                                "--window-size=1280,800", "about:blank"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: _get(f"http://127.0.0.1:{port}/"), 30, "recoup serve to answer")
        wait_for(lambda: _get(f"http://127.0.0.1:{debug_port}/json/version"), 30, "chromium to answer")
        try:
            seen = asyncio.run(_session(debug_port, f"http://127.0.0.1:{port}/"))
        except AssertionError as exc:
            printed = log.read_text(errors="replace")[-3000:]
            raise AssertionError(f"{exc}\nrecoup serve printed (end): {printed}") from None
        assert "Pre-Collections" in seen
        done = recoup("audit", "--action", "auth.sign_in", "--json", env=env)
        assert json.loads(done.stdout)[0]["operator"] == "webop"
    finally:
        stop(browser, server)
        shutil.rmtree(folder, ignore_errors=True)
