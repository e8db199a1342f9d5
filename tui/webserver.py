"""The web server behind `recoup serve`: textual-serve, hardened (SPEC 17).

textual-serve starts one application process per websocket and serves a page that loads its font
from a third-party site. Recoup's server, around it:
- listens on loopback only (`check_host`): the TLS reverse proxy in front is what faces the network;
- accepts a websocket only from its own page (the Origin header is this server's address or
  --public-url's), so another site open in the operator's browser cannot drive a session;
- caps the sessions (processes) running at once (--max-sessions);
- serves its own page (tui/web/app_index.html): the font comes from this server, and every response
  carries a Content-Security-Policy, frame-ancestors/X-Frame-Options, X-Content-Type-Options and
  Referrer-Policy;
- tells each session the client's address (RECOUP_CLIENT) for the per-client sign-in limit
  (core.auth); behind the proxy that is the last X-Forwarded-For entry, which the proxy appends.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from core.errors import BadInput

log = logging.getLogger("textual-serve")
PAGES = Path(__file__).with_name("web")
MAX_SESSIONS_DEFAULT = 20
HOST_REFUSED = ("--host: recoup serve listens on this machine only (127.0.0.1, ::1 or localhost); "
                "put a TLS reverse proxy in front for other machines (docs/deploy-browser.md)")


def check_host(host: str) -> str:
    """The address to listen on, if it is a loopback one; else one BadInput naming --host."""
    if host == "localhost":
        return host
    try:
        if ipaddress.ip_address(host.strip("[]")).is_loopback:
            return host
    except ValueError:
        pass
    raise BadInput(HOST_REFUSED, field="--host")


def origin_of(url: str) -> str:
    """scheme://host[:port] as a browser sends it in Origin (no default port, lower case)."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(scheme)
    port = "" if parts.port in (None, default) else f":{parts.port}"
    return f"{scheme}://{host}{port}"


def allowed_origins(host: str, port: int, public_url: str | None) -> frozenset[str]:
    """Behind a proxy, only --public-url's origin; on loopback, this port by any loopback name."""
    if public_url:
        return frozenset({origin_of(public_url)})
    names = {host, "localhost", "127.0.0.1", "[::1]"}
    return frozenset(origin_of(f"http://{name}:{port}") for name in names)


def client_address(request: web.BaseRequest) -> str:
    """The browser's address: the peer, or behind a loopback proxy the address the proxy appended."""
    peer = request.remote or "unknown"
    forwarded = request.headers.get("X-Forwarded-For", "")
    try:
        behind_proxy = ipaddress.ip_address(peer).is_loopback
    except ValueError:
        behind_proxy = False
    if behind_proxy and forwarded.strip():
        return forwarded.split(",")[-1].strip()[:64] or peer
    return peer


def security_headers(nonce: str | None, websocket_origins: str) -> dict[str, str]:
    scripts = f"'self' 'nonce-{nonce}'" if nonce else "'self'"
    policy = ("default-src 'none'; "
              f"script-src {scripts}; "
              "style-src 'self' 'unsafe-inline'; "   # the terminal sets styles as it draws
              "font-src 'self'; img-src 'self' data:; "
              f"connect-src 'self' {websocket_origins}; "
              "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    return {"Content-Security-Policy": policy, "X-Frame-Options": "DENY",
            "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store"}


class _Session(AppService):
    """One application process, told which client it serves."""

    def __init__(self, command: str, client: str, **kwargs: Any) -> None:
        super().__init__(command, **kwargs)
        self.client = client

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width=width, height=height)
        environment["RECOUP_CLIENT"] = self.client
        return environment


class RecoupServer(Server):
    def __init__(self, command: str, host: str, port: int, public_url: str | None = None,
                 max_sessions: int = MAX_SESSIONS_DEFAULT) -> None:
        super().__init__(command, host=check_host(host), port=port, title="Recoup", public_url=public_url,
                         templates_path=PAGES)
        self.origins = allowed_origins(host, port, public_url)
        self.max_sessions = max_sessions
        self.sessions = 0
        self._ws_origins = " ".join(sorted("ws" + o[4:] for o in self.origins))

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.on_response_prepare.append(self._add_headers)
        return app

    async def _add_headers(self, request: web.Request, response: web.StreamResponse) -> None:
        response.headers.update(security_headers(request.get("nonce"), self._ws_origins))

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        request["nonce"] = nonce = secrets.token_urlsafe(16)
        router = request.app.router
        static = f"{self.public_url}{router['static'].url_for(filename='/')}".rstrip("/") + "/"
        websocket = f"{self.public_url}{router['websocket'].url_for()}"
        scheme = "wss:" if self.public_url.startswith("https") else "ws:"
        return {"font_size": to_int(request.query.get("fontsize", "16"), 16), "nonce": nonce,
                "app_websocket_url": scheme + websocket.split(":", 1)[1], "static_url": static,
                "application": {"name": self.title}}

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        origin = request.headers.get("Origin", "")
        if not origin or origin_of(origin) not in self.origins:
            log.warning("websocket refused: Origin %r is not this server's", origin[:100])
            raise web.HTTPForbidden(text="recoup: this page may only be opened from its own address")
        if self.sessions >= self.max_sessions:
            log.warning("websocket refused: %d sessions already running", self.sessions)
            raise web.HTTPServiceUnavailable(text="recoup: too many sessions at once; try again later")
        self.sessions += 1
        try:
            return await self._session(request)
        finally:
            self.sessions -= 1

    async def _session(self, request: web.Request) -> web.WebSocketResponse:
        """textual-serve's session loop, with the client's address passed to the process."""
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        service: _Session | None = None
        try:
            await websocket.prepare(request)
            service = _Session(self.command, client_address(request), write_bytes=websocket.send_bytes,
                               write_str=websocket.send_str, close=websocket.close,
                               download_manager=self.download_manager, debug=self.debug)
            await service.start(width, height)
            await self._process_messages(websocket, service)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:  # one session's failure must not stop the server
            log.exception(error)
        finally:
            if service is not None:
                await service.stop()
        return websocket
