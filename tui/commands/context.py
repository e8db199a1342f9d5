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
            from db.engine import create_sqlite_file, resolve_url, sqlite_file
            from db.opening import open_engine
            try:
                path = sqlite_file(resolve_url(self.url))
            except Exception:  # not a URL at all: open_engine says so in one line
                path = None
            if path is not None and not path.exists():
                if not self.may_create:
                    raise BadInput(f"no database at {path}: check --db or RECOUP_DATABASE_URL, or create "
                                   "one with 'recoup init'", field="--db")
                create_sqlite_file(path)
            self._engine = open_engine(self.url)
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
    console = Console(no_color=True, width=200 if not sys.stdout.isatty() else None)
    console.on_broken_pipe = _broken_pipe  # type: ignore[method-assign]  # rich would exit 1
    console.print(table)
    if not rows:
        print("(none)")


def _broken_pipe() -> None:
    """The reader of our output went away: tui.cli ends quietly, the same way for every output."""
    raise BrokenPipeError


def print_warning(exc: NeedsConfirmation, as_json: bool = False) -> None:
    """A validation warning (exit 3), on stdout: as text, or with --json as one object
    {"warning": title, "summary": {"lines": [...], "notes": [...]}} a script can read."""
    if as_json:
        lines = [{"count": ln.count, "text": ln.describe(),
                  "dollars": None if ln.cents is None else _plain(ln.cents)} for ln in exc.summary.lines]
        print(json.dumps({"warning": exc.summary.title,
                          "summary": {"lines": lines, "notes": list(exc.summary.notes)},
                          "message": "Nothing was changed. Run again with --yes to go ahead."}))
        return
    print(f"Validation warning: {exc.summary.title}")
    for line in exc.summary.lines:
        print(f"  {line.describe()}")
    for note in exc.summary.notes:
        print(f"  Note: {note}")
    print("Nothing was changed. Run again with --yes to go ahead.")


def _plain(cents: int) -> str:
    from core.money import format_plain
    return format_plain(cents)


def report_error(message: str, as_json: bool) -> None:
    """One line: `recoup: message` on stderr, or with --json `{"error": message}` on stdout, where
    a script reading the JSON output finds it (the exit status is the same either way)."""
    if as_json:
        print(json.dumps({"error": message}))
    else:
        print(f"recoup: {message}", file=sys.stderr)


def in_flag_words(exc: BadInput, flags: dict[str, str]) -> list[str]:
    """The problems of a BadInput, its field named by the command-line flag that gave it.

    A use case names its fields as the model does (min_balance_cents, age_min); the operator typed
    --min-balance and --age-min. `flags` maps field names to flags (FlagMap: the subcommand's own
    options, plus any the subcommand declares where the names differ)."""
    if exc.field is None or len(exc.problems) != 1:
        return exc.problems
    flag = flags.get(exc.field) or flags.get(exc.field.replace("-", "_"))
    if flag is None:
        return exc.problems
    reason = exc.reason or _without_name(exc.message)
    return [f"{flag}: {reason}"]


def _without_name(message: str) -> str:
    """ "age-min: must be ..." -> "must be ..."; a message without a leading name is kept whole."""
    name, sep, rest = message.partition(": ")
    return rest if sep and " " not in name else message


def flag_map(parser: argparse.ArgumentParser, args: argparse.Namespace) -> dict[str, str]:
    """Field name -> flag for the subcommand that was chosen: every option by its dest, plus the
    subcommand's `field_flags` default for model fields whose names differ from their flags."""
    chosen = parser
    while True:
        subs = [a for a in chosen._actions if isinstance(a, argparse._SubParsersAction)]
        name = getattr(args, subs[0].dest, None) if subs else None
        if not subs or name not in subs[0].choices:
            break
        chosen = subs[0].choices[name]
    flags = {a.dest: max(a.option_strings, key=len) for a in chosen._actions if a.option_strings}
    return {**flags, **getattr(args, "field_flags", {})}


def run_command(args: argparse.Namespace, handler: Callable[[Context], int | None],
                flags: dict[str, str] | None = None) -> int:
    """Run one subcommand; every way it can end is an exit status and at most one line of error
    (never a traceback: RECOUP_DEBUG=1 lets an unexpected error through for a developer)."""
    from core.clock import parse_business_date
    as_json = bool(getattr(args, "json", False))
    try:
        ctx = Context(args=args, url=getattr(args, "db", None),
                      as_of=parse_business_date(getattr(args, "as_of", None), dt.date.today()),
                      json=as_json, login=os_login())
        return handler(ctx) or 0
    except NeedsConfirmation as exc:
        print_warning(exc, as_json)
        return exc.exit_code
    except BadInput as exc:
        for problem in in_flag_words(exc, flags or {}):
            report_error(problem, as_json)
        return exc.exit_code
    except RecoupError as exc:
        report_error(exc.message, as_json)
        return exc.exit_code
    except KeyboardInterrupt:
        report_error("interrupted; nothing was committed", as_json)
        return 130
    except BrokenPipeError:
        raise  # the reader of our output went away: tui.cli ends quietly
    except Exception as exc:
        if os.environ.get("RECOUP_DEBUG") == "1":
            raise
        from db.opening import cause  # the first line, in words: no SQL, no patient data
        report_error(f"unexpected error ({type(exc).__name__}: {cause(exc)}); nothing was committed", as_json)
        return 1
