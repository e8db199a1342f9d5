"""What every subcommand shares: global options, the database, the operator, output, exit codes."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import BadInput, NeedsConfirmation, RecoupError, Refused


def GLOBAL_OPTIONS(suppress: bool = True) -> argparse.ArgumentParser:
    """The global options, accepted before or after the subcommand.

    On subcommands the defaults are SUPPRESS, so a value given before the subcommand is not
    overwritten by the subcommand's default.
    """
    p = argparse.ArgumentParser(add_help=False)
    d = (lambda v: argparse.SUPPRESS) if suppress else (lambda v: v)
    g = p.add_argument_group("global options")
    g.add_argument("--db", metavar="URL", default=d(None),
                   help="database URL (else RECOUP_DATABASE_URL, else the embedded default)")
    g.add_argument("--as-of", metavar="YYYY-MM-DD", default=d(None), help="the business date (default today)")
    g.add_argument("--operator", metavar="NAME", default=d(None),
                   help="act for another operator (admins only; default: the logged-in user)")
    g.add_argument("--json", action="store_true", default=d(False), help="print JSON instead of a table")
    return p


def os_login() -> str:
    """Who runs this process: the name of its effective uid in the system's user database.

    Not $LOGNAME or $USER (getpass.getuser reads those first): they are the caller's to set, and
    `LOGNAME=root recoup ...` acted as whichever operator it named. --operator is the way for an
    admin to act for someone else.
    """
    import pwd
    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        raise Refused(f"this system account (uid {uid}) has no user name, so Recoup cannot tell "
                      "which operator it is; run Recoup as a named user") from None


def add_command(sub: Any, name: str, handler: Callable[[Context], int | None], help: str,
                **kw: Any) -> argparse.ArgumentParser:
    """A subcommand with the global options and a handler."""
    p = sub.add_parser(name, parents=[GLOBAL_OPTIONS()], help=help, description=help, **kw)
    p.set_defaults(handler=handler)
    return p


def add_practice_command(group: Any, name: str, handler: Callable[[Context], int | None],
                         help: str) -> argparse.ArgumentParser:
    """A subcommand about one practice: --practice may be left out when there is only one."""
    p = add_command(group, name, handler, help)
    p.add_argument("--practice", metavar="ID", help="the practice (may be left out when there is only one)")
    return p


def add_out_option(p: argparse.ArgumentParser) -> None:
    """--out, the folder for agency files; Context.agency_folder() gives the default."""
    p.add_argument("--out", type=Path, metavar="DIR",
                   help="folder for agency files (default: $RECOUP_AGENCY_FILES, else agency-files in the data folder)")


def optional_date(text: str | None, field: str) -> dt.date | None:
    """A date flag: None when not given, else ISO or one clear line naming the flag."""
    from core.clock import parse_date
    return parse_date(text, field) if text else None


def add_group(sub: Any, name: str, help: str) -> Any:
    """A subcommand that has subcommands of its own (`recoup users add`)."""
    p = sub.add_parser(name, help=help, description=help)
    return p.add_subparsers(dest=f"{name}_command", metavar="COMMAND", required=True)


@dataclass
class Context:
    args: argparse.Namespace
    url: str | None
    as_of: dt.date
    json: bool
    login: str  # the logged-in system user
    may_create: bool = False   # only `init` and `demo` create a database (SPEC 17)

    _engine: Any = None

    @property
    def engine(self) -> Any:
        """The database; a SQLite file that is not there is one clear line (a mistyped --db in a
        cron job must not quietly make folders and an empty database that verifies clean)."""
        if self._engine is None:
            from db.engine import create_sqlite_file, make_engine, resolve_url, sqlite_file
            url = resolve_url(self.url)
            path = sqlite_file(url)
            if path is not None and not path.exists():
                if not self.may_create:
                    raise BadInput(f"no database at {path}: check --db or RECOUP_DATABASE_URL, or create "
                                   "one with 'recoup init'", field="--db")
                create_sqlite_file(path)
            self._engine = make_engine(url)
        return self._engine

    @contextmanager
    def uow(self, write: bool = True, rehearsal: bool = False) -> Iterator[Any]:
        """A unit of work; `rehearsal`: everything it does is rolled back (previews)."""
        from db.uow import SqlUnitOfWork
        self.ensure_schema()
        with SqlUnitOfWork(self.engine, write=write, rehearsal=rehearsal) as uow:
            yield uow

    def ensure_schema(self) -> None:
        """`init` and `demo` create or upgrade; an older embedded database is upgraded on first
        use; anything else not set up for this version needs `recoup init`."""
        from db import schema
        if schema.is_current(self.engine):
            return
        if self.may_create or (self.engine.dialect.name == "sqlite" and not schema.is_new(self.engine)):
            self.init_database()
            return
        raise Refused("this database is not set up for this version of Recoup: run 'recoup init'")

    def init_database(self) -> bool:
        """Create or upgrade; the creator of a new database becomes its first admin; a chain written
        before the audit key existed is sealed with it (core.audit.seal). True if new."""
        from core import audit, security
        from db import schema
        from db.uow import SqlUnitOfWork
        new = schema.is_new(self.engine)
        upgraded = not new and not schema.is_current(self.engine)
        schema.upgrade(self.engine)
        with SqlUnitOfWork(self.engine) as uow:
            if not security.has_operators(uow):
                security.bootstrap_admin(uow, self.login)
                uow.commit()
        with SqlUnitOfWork(self.engine) as uow:
            audit.seal(uow, upgraded)
        return new

    def actor(self, uow: Any) -> Any:
        """The operator to act as: the logged-in user, or --operator when the login may act for others."""
        from core import security
        me = security.authenticate(uow, self.login)
        wanted = getattr(self.args, "operator", None)
        if not wanted or wanted == self.login:
            return me
        security.require(me, "admin", f"act as {wanted}")
        other = security.authenticate(uow, wanted)
        if not me.can(other.role):
            raise Refused(f"{me.name} ({me.role}) may not act as {wanted} ({other.role}): "
                          "that role is above your own")
        return other

    def agency_folder(self) -> Path:
        """--out if given, else the default folder for agency files (tui.folders)."""
        from tui import folders
        return self.args.out or folders.agency_files()

    def emit(self, rows: list[dict[str, Any]], columns: list[str] | None = None, title: str | None = None) -> None:
        """A list as JSON (with --json) or as a plain table."""
        if self.json:
            print(json.dumps(rows, indent=2, default=str))
            return
        print_table(rows, columns, title)

    def emit_object(self, obj: dict[str, Any]) -> None:
        if self.json:
            print(json.dumps(obj, indent=2, default=str))
        else:
            for key, value in obj.items():
                print(f"{key}: {value}")


def print_table(rows: list[dict[str, Any]], columns: list[str] | None = None, title: str | None = None) -> None:
    from rich.console import Console
    from rich.table import Table
    columns = columns or (list(rows[0].keys()) if rows else [])
    table = Table(title=title, box=None, header_style="bold")
    for c in columns:
        table.add_column(c)
    for r in rows:
        table.add_row(*["" if r.get(c) is None else str(r.get(c)) for c in columns])
    Console(no_color=True, width=200 if not sys.stdout.isatty() else None).print(table)
    if not rows:
        print("(none)")


def print_warning(exc: NeedsConfirmation) -> None:
    print(f"Validation warning: {exc.summary.title}")
    for line in exc.summary.lines:
        print(f"  {line.describe()}")
    for note in exc.summary.notes:
        print(f"  Note: {note}")
    print("Nothing was changed. Run again with --yes to go ahead.")


def run_command(args: argparse.Namespace, handler: Callable[[Context], int | None]) -> int:
    from core.clock import parse_business_date
    try:
        ctx = Context(args=args, url=getattr(args, "db", None),
                      as_of=parse_business_date(getattr(args, "as_of", None), dt.date.today()),
                      json=bool(getattr(args, "json", False)), login=os_login())
        return handler(ctx) or 0
    except NeedsConfirmation as exc:
        print_warning(exc)
        return exc.exit_code
    except BadInput as exc:
        for problem in exc.problems:
            print(f"recoup: {problem}", file=sys.stderr)
        return exc.exit_code
    except RecoupError as exc:
        print(f"recoup: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("recoup: interrupted; nothing was committed", file=sys.stderr)
        return 130
