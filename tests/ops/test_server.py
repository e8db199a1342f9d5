"""`recoup serve` hardened (SPEC 17), against a real server on a free loopback port: websockets only
from its own Origin, a cap on sessions, security headers, the font from itself, loopback only."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import make_mocked_request

from tests.ops._procs import RECOUP, free_port, recoup, shared_dir, stop, wait_for
from tui.webserver import allowed_origins, check_host, client_address, origin_of

pytestmark = pytest.mark.slow


def _get(url: str) -> tuple[dict[str, str], str] | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return dict(r.headers), r.read().decode(errors="replace")
    except OSError:
        return None


@pytest.fixture
def server(tmp_path: Path) -> Iterator[int]:
    folder = shared_dir("recoup-serve-")
    env = {"RECOUP_DATABASE_URL": f"sqlite:///{folder / 'recoup.db'}"}
    assert recoup("init", env=env).returncode == 0
    port = free_port()
    log = tmp_path / "serve.log"
    proc = subprocess.Popen([RECOUP, "serve", "--port", str(port), "--max-sessions", "1"],
                            env={**os.environ, **env}, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: _get(f"http://127.0.0.1:{port}/"), 30, "recoup serve to answer")
        yield port
    finally:
        stop(proc)
        shutil.rmtree(folder, ignore_errors=True)


def test_the_page_sends_security_headers_and_loads_nothing_from_elsewhere(server: int) -> None:
    got = _get(f"http://127.0.0.1:{server}/")
    assert got is not None
    headers, page = got
    policy = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "default-src 'none'" in policy
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "googleapis" not in page
    addresses = set(re.findall(r"(?:https?|wss?)://[^/\"' ]+", page)) - {"http://www.w3.org"}
    assert addresses <= {f"http://127.0.0.1:{server}", f"ws://127.0.0.1:{server}"}, addresses
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce and f'<script nonce="{nonce.group(1)}">' in page        # the page's one inline script
    assert "onClick" not in page and "onclick" not in page              # no inline handlers
    font = re.search(r'url\("([^"]+\.ttf)"\)', page)
    assert font is not None
    font_headers, _ = _get(font.group(1)) or ({}, "")
    assert font_headers.get("X-Content-Type-Options") == "nosniff"      # served here, with headers


async def _ws_status(port: int, origin: str | None) -> int:
    headers = {"Origin": origin} if origin else {}
    async with aiohttp.ClientSession() as http:
        try:
            async with http.ws_connect(f"http://127.0.0.1:{port}/ws", headers=headers):
                return 101
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status


async def _cap(port: int) -> tuple[int, int]:
    """With one session open, a second is refused; once it closes, a new one is accepted."""
    origin = {"Origin": f"http://127.0.0.1:{port}"}
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(f"http://127.0.0.1:{port}/ws", headers=origin):
            second = await _ws_status(port, origin["Origin"])
        for _ in range(50):  # the server notices the close; poll, not a timing assertion
            again = await _ws_status(port, origin["Origin"])
            if again == 101:
                break
            await asyncio.sleep(0.2)
    return second, again


def test_websockets_only_from_its_own_origin_and_no_more_than_the_cap(server: int) -> None:
    assert asyncio.run(_ws_status(server, "https://evil.example")) == 403
    assert asyncio.run(_ws_status(server, f"http://127.0.0.1:{server + 1}")) == 403
    assert asyncio.run(_ws_status(server, None)) == 403
    assert asyncio.run(_cap(server)) == (503, 101)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "::", "example.org"])
def test_serve_listens_on_loopback_only(host: str, tmp_path: Path) -> None:
    done = recoup("serve", "--host", host, "--port", str(free_port()),
                  env={"RECOUP_DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}"})
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "--host" in done.stderr and "127.0.0.1" in done.stderr
    assert not (tmp_path / "none.db").exists()


def test_loopback_names_and_origins() -> None:
    assert [check_host(h) for h in ("127.0.0.1", "::1", "localhost", "127.0.0.2")]
    assert origin_of("https://Recoup.Example.org:443/app") == "https://recoup.example.org"
    assert allowed_origins("127.0.0.1", 8000, "https://recoup.example.org/") == {"https://recoup.example.org"}
    assert "http://localhost:8000" in allowed_origins("127.0.0.1", 8000, None)


def test_the_client_address_is_the_peer_or_what_a_loopback_proxy_appended() -> None:
    def request(peer: str, forwarded: str | None = None) -> str:
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        req = make_mocked_request("GET", "/ws", headers=headers)
        req._transport_peername = (peer, 5555)  # type: ignore[attr-defined]
        return client_address(req.clone(remote=peer))
    assert request("203.0.113.9") == "203.0.113.9"
    assert request("203.0.113.9", "10.0.0.1") == "203.0.113.9"          # not from a proxy: ignored
    assert request("127.0.0.1", "1.2.3.4, 198.51.100.7") == "198.51.100.7"  # the proxy's own entry
