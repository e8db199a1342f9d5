"""A very small Chrome DevTools Protocol client (aiohttp websocket) for the browser test.

Playwright/Selenium are not needed for what the test does: open a page, type keys, and read what
the server sent to the terminal (Network.webSocketFrameReceived), which does not depend on how
xterm.js renders (WebGL, canvas or DOM). What the page sent (Network.webSocketFrameSent: stdin,
resize, focus) is kept too, so a failure shows whether the keys left the browser at all.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
from typing import Any

import aiohttp


class Page:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.ids = itertools.count(1)
        self.pending: dict[int, asyncio.Future[Any]] = {}
        self.frames: list[str] = []
        self.sent: list[str] = []
        self.reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        async for msg in self.ws:
            data = json.loads(msg.data)
            if "id" in data and data["id"] in self.pending:
                self.pending.pop(data["id"]).set_result(data.get("result"))
            elif data.get("method") == "Network.webSocketFrameReceived":
                resp = data["params"]["response"]
                payload = resp["payloadData"]
                if resp.get("opcode") == 2:
                    payload = base64.b64decode(payload).decode("utf-8", "replace")
                self.frames.append(payload)
            elif data.get("method") == "Network.webSocketFrameSent":
                self.sent.append(data["params"]["response"]["payloadData"])

    async def send(self, method: str, **params: Any) -> Any:
        n = next(self.ids)
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.pending[n] = fut
        await self.ws.send_str(json.dumps({"id": n, "method": method, "params": params}))
        return await asyncio.wait_for(fut, 30)

    def received(self) -> str:
        return "".join(self.frames)

    async def type(self, text: str) -> None:
        await self.send("Input.insertText", text=text)

    async def key(self, name: str, code: int) -> None:
        for kind in ("rawKeyDown", "keyUp"):
            await self.send("Input.dispatchKeyEvent", type=kind, key=name, code=name,
                            windowsVirtualKeyCode=code, nativeVirtualKeyCode=code)

    async def wait_text(self, text: str, timeout: float) -> str:
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while loop.time() < end:
            got = self.received()
            if text in got:
                return got
            await asyncio.sleep(0.25)
        import re
        plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", self.received())
        typed = [x for x in self.sent if '"ping"' not in x]
        raise AssertionError(f"the page never showed {text!r}; the page sent {typed!r}; "
                             f"it showed (end): {plain[-1500:]!r}")
