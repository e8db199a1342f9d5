"""recoup serve: the application in a browser tab, through textual-serve, with sign-in.

Each browser connection starts its own `recoup` process (textual-serve's model) with
RECOUP_SIGN_IN=1, so the application asks for a name and password (core.auth) instead of
trusting the system user the server runs as, and logs the session off after the idle limit.
It listens on loopback only (other addresses are refused): put a TLS reverse proxy in front
(docs/deploy-browser.md). tui/webserver.py hardens textual-serve (Origin, session cap, headers).
"""

from __future__ import annotations

import os
import shlex
import sys
from typing import Any

from tui.commands.context import Context, add_command


def register(sub: Any) -> None:
    p = add_command(sub, "serve", cmd_serve, "serve the application to browsers (sign-in required)")
    p.add_argument("--host", default="127.0.0.1",
                   help="loopback address to listen on (default 127.0.0.1; others are refused: use a reverse proxy)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--public-url", metavar="URL", help="the address browsers use (behind a reverse proxy)")
    p.add_argument("--idle-minutes", type=int, metavar="N",
                   help="log a session off after N minutes without a key (default 15; 0 = never)")
    p.add_argument("--max-sessions", type=int, metavar="N", default=20,
                   help="sessions (one process each) running at once (default 20)")


def app_command(ctx: Context) -> str:
    """The command each browser session runs: this same recoup, same database and business date."""
    parts = [sys.executable, "-m", "tui.cli"]
    if ctx.url:
        parts += ["--db", ctx.url]
    if getattr(ctx.args, "as_of", None):
        parts += ["--as-of", ctx.as_of.isoformat()]
    return shlex.join(parts)


def cmd_serve(ctx: Context) -> int:
    from core.errors import BadInput
    from tui.webserver import RecoupServer, check_host
    check_host(ctx.args.host)
    if ctx.args.max_sessions < 1:
        raise BadInput("--max-sessions: at least 1", field="--max-sessions")
    with ctx.uow(write=False):
        pass  # the database exists and is current before anyone connects
    os.environ["RECOUP_SIGN_IN"] = "1"
    if ctx.args.idle_minutes is not None:
        os.environ["RECOUP_IDLE_MINUTES"] = str(ctx.args.idle_minutes)
    os.environ.setdefault("LANG", "C.UTF-8")
    server = RecoupServer(app_command(ctx), host=ctx.args.host, port=ctx.args.port,
                          public_url=ctx.args.public_url, max_sessions=ctx.args.max_sessions)
    server.serve()
    return 0
