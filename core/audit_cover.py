"""What the audit chain covers besides its own entries: the rows of the append-only tables.

The last audit entry of every committing transaction carries, per covered table, the id range
(lo, hi] it vouches for, how many rows that range holds and a keyed digest of them. The digest is
additive (a sum modulo a prime of a keyed mix of each row's columns), so `recoup verify` checks a
whole table with one aggregate query against the sum of the ranges, and only on a mismatch looks
for which range changed. The mix's coefficients come from the audit key, so nobody without it can
edit rows in a way that keeps the digest.

Ranges are contiguous: a commit starts where the chain head's range ended. On PostgreSQL a
writer that began before others committed can own ids below that point; it then re-covers from
the start of the range holding its first possible id (its `floor`, the table's sequence when the
transaction began), which supersedes the earlier, shorter ranges. Rows above the head's range and
below the floor existed before this transaction began and were covered by no commit: they were
written behind Recoup's back, and the entry says so ("foreign" rows) for verify to report.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection, event, text

from core.errors import counted
from core.uow import UnitOfWork

P = 2_147_483_647  # 2^31 - 1: every product of two reduced values stays inside a 64-bit integer
NULL_VALUE = 7

# table -> (numbers, texts, dates): the columns that are the record (timestamps are not)
COVERED: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "journal": (("practice_id", "txn_count", "total_cents"), ("kind", "operator"), ("business_date",)),
    "ledger_txn": (("practice_id", "journal_id", "guarantor_id", "line_id", "amount_cents"),
                   ("kind", "source", "bucket_from", "bucket_to", "adjustment_code"), ("date",)),
    "precollection_history": (("practice_id", "task_id", "encounter_id", "run_id", "amount_cents", "agency_id",
                               "batch_no"), ("from_state", "to_state", "action", "operator"), ("business_date",)),
    "roster_history": (("practice_id", "guarantor_id", "episode", "run_id"),
                       ("from_status", "to_status", "reason", "operator"), ("business_date",)),
    "external_history": (("practice_id", "placement_id", "run_id", "from_agency_id", "agency_id", "amount_cents"),
                         ("step", "from_state", "to_state", "operator"), ("business_date",)),
    "hold": (("practice_id", "guarantor_id", "encounter_id"), ("kind", "reason", "operator"),
             ("start_date", "end_date", "business_date")),
    "hold_release": (("hold_id",), ("reason", "operator"), ("released_on", "business_date")),
    "guarantor_change": (("practice_id", "guarantor_id"), ("change", "source", "operator", "zip"), ("business_date",)),
    "role_history": (("CAST(active AS INTEGER)",), ("operator", "role", "action", "changed_by"), ()),
}
TABLES = tuple(COVERED)
# Free text among COVERED's texts (names, reasons): digested whole, through a keyed hash, so an edit
# that keeps a name's length and first letter still shows; the other texts are states, kinds and
# buckets, which their length and first letter tell apart (and cost far less to digest).
FREE_TEXT: dict[str, tuple[str, ...]] = {
    "journal": ("operator",), "precollection_history": ("operator",), "roster_history": ("reason", "operator"),
    "external_history": ("operator",), "hold": ("reason", "operator"), "hold_release": ("reason", "operator"),
    "role_history": ("operator", "changed_by"), "guarantor_change": ("operator",),
}
TEXT_FUNCTION = "recoup_text"  # SQLite: registered on every connection by the engine (db/engine.py)
FLOORS = "recoup.audit.floors"
FOREIGN_SETTINGS = "recoup.audit.foreign_settings"
SETTINGS_WRITTEN = "recoup.audit.settings_written"
# Tables that are changed in place (operators and their roles, settings): small, so each commit
# records a digest of the whole table, and a change made between commits shows (SPEC 17).
SETTINGS = ("operator", "practice", "roster_settings", "external_settings", "collection_status", "billing_group",
            "adjustment_code", "letter_template", "agency", "agency_assignment", "poverty_guideline")


def _coefficients(key: bytes, table: str, n: int) -> list[int]:
    stream = b""
    counter = 0
    while len(stream) < 4 * (n + 2):
        stream += hmac.new(key, f"coverage:{table}:{counter}".encode(), hashlib.sha256).digest()
        counter += 1
    return [int.from_bytes(stream[4 * i:4 * i + 4], "big") % P or 1 for i in range(n + 2)]


@functools.lru_cache(maxsize=4096)
def text_digest(salt: str, value: object) -> int | None:
    """The keyed hash of a free-text value as a number under 2^40 (SQLite's recoup_text(salt, x);
    PostgreSQL computes its own from md5, see `_value`: each database checks its own digests).
    Cached: a batch's rows repeat a few operators and reasons thousands of times."""
    if value is None:
        return None
    data = value.encode() if isinstance(value, str) else bytes(value) if isinstance(value, bytes) else \
        str(value).encode()
    return int.from_bytes(hashlib.blake2b(data, key=salt.encode(), digest_size=5).digest(), "big")


def _salt(key: bytes) -> str:
    return hmac.new(key, b"coverage:free text", hashlib.sha256).hexdigest()[:32]


def _number(dialect: str, column: str, kind: str, salt: str = "") -> str:
    value = _value(dialect, column, kind, salt)
    return value if dialect == "sqlite" else f"CAST({value} AS BIGINT)"  # int4 columns overflow in int4


def _value(dialect: str, column: str, kind: str, salt: str = "") -> str:
    if kind == "free":  # the whole text, through a keyed hash (FREE_TEXT)
        if dialect == "sqlite":
            return f"COALESCE({TEXT_FUNCTION}('{salt}', {column}), {NULL_VALUE})"
        return f"COALESCE(('x' || substr(md5('{salt}' || {column}), 1, 10))::bit(40)::bigint, {NULL_VALUE})"
    if kind == "text":
        # Length and first letter: they tell apart every state, kind, step and bucket name. Any
        # finer (SQLite's substr(), instr()) cost more than the rest of the digest together; free
        # text such as an operator's name is covered only that finely (docs/security.md).
        first = "unicode" if dialect == "sqlite" else "ascii"
        return f"COALESCE(length({column}) * 1000003 + {first}({column}), {NULL_VALUE})"
    if kind == "date":
        if dialect == "sqlite":
            return f"COALESCE(CAST(replace({column}, '-', '') AS INTEGER), {NULL_VALUE})"
        return f"COALESCE({column} - DATE '2000-01-01', {NULL_VALUE})"
    return f"COALESCE({column}, {NULL_VALUE})"


def _columns(table: str) -> list[tuple[str, str]]:
    """(column, kind) of a table's record: COVERED's lists, or for a settings table every column of
    its model but the id and timestamps."""
    if table in COVERED:
        numbers, texts, dates = COVERED[table]
        free = FREE_TEXT.get(table, ())
        return ([(c, "number") for c in numbers] + [(c, "free" if c in free else "text") for c in texts]
                + [(c, "date") for c in dates])
    import datetime as dt

    from sqlmodel import SQLModel

    import core.models  # noqa: F401  (every table registered)
    kinds = {bool: "bool", int: "number", str: "free", dt.date: "date"}  # a settings table's text is all free
    out: list[tuple[str, str]] = []
    for column in SQLModel.metadata.tables[table].columns:
        sql_type = getattr(column.type, "impl_instance", column.type)  # sqlmodel's AutoString: a String
        kind = kinds.get(sql_type.python_type)  # a timestamp (datetime) is not the record
        if column.name == "id" or kind is None:
            continue
        out.append((f"CAST({column.name} AS INTEGER)", "number") if kind == "bool" else (column.name, kind))
    return out


@functools.lru_cache(maxsize=256)
def row_digest_sql(dialect: str, key: bytes, table: str) -> str:
    """SQL for one row's keyed digest (a value in [0, P)), over the table's own columns.

    Column coefficients stay under 2^16 and values under 2^43 (amounts up to 87 billion dollars),
    so a dozen terms sum inside 64 bits without reducing each one (a modulo per column doubled
    the cost on SQLite)."""
    columns = _columns(table)
    k = _coefficients(key, table, len(columns))
    salt = _salt(key)
    terms = " + ".join(f"{k[i] % 65521 + 1} * {_number(dialect, c, kind, salt)}" for i, (c, kind) in enumerate(columns))
    ident = "id" if dialect == "sqlite" else "CAST(id AS BIGINT)"
    return f"((((({terms}) % {P}) + {P}) % {P}) * ((({ident} % {P}) * {k[-2]} + {k[-1]}) % {P}) % {P})"


@dataclass
class Range:
    """One commit's vouching for table rows: ids in (lo, hi], n rows, digest; `foreign` rows in it
    existed before that transaction began and no earlier entry covered them."""
    lo: int
    hi: int
    n: int
    digest: int
    foreign: int = 0
    entry_id: int = 0

    def to_json(self) -> list[int]:
        return [self.lo, self.hi, self.n, self.digest, self.foreign]

    @classmethod
    def from_json(cls, value: list[int], entry_id: int) -> Range:
        lo, hi, n, digest, foreign = [*value, 0][:5]
        return cls(int(lo), int(hi), int(n), int(digest), int(foreign), entry_id)


def range_digest(uow: UnitOfWork, key: bytes, table: str, lo: int, hi: int | None = None) -> tuple[int, int, int]:
    """(rows, digest, max id) of the table's rows with id > lo (and <= hi): one indexed range scan."""
    upper = "" if hi is None else " AND id <= :hi"
    n, total, top = uow.session.execute(text(
        f"SELECT COUNT(*), COALESCE(SUM({row_digest_sql(uow.dialect, key, table)}), 0), MAX(id) "
        f"FROM {table} WHERE id > :lo{upper}"), {"lo": lo, "hi": hi}).one()
    return int(n), int(total) % P, int(top if top is not None else lo)


def table_digest(uow: UnitOfWork, key: bytes, table: str) -> tuple[int, int, int]:
    """(rows, digest, max id) of the whole table: verify's one aggregate per table."""
    return range_digest(uow, key, table, -1)


# ------------------------------------------------------------------------------ at begin and commit

def floors(uow: UnitOfWork) -> dict[str, int]:
    """The highest id each covered table had handed out when this transaction began: every row
    it writes has a higher one. Read once at BEGIN of a writing unit of work."""
    if uow.dialect == "postgresql":
        exprs = ", ".join(f"COALESCE(pg_sequence_last_value(pg_get_serial_sequence('{t}', 'id')), 0)"
                          for t in TABLES)
    else:
        exprs = ", ".join(f"COALESCE((SELECT MAX(id) FROM {t}), 0)" for t in TABLES)
    row = uow.session.execute(text(f"SELECT {exprs}")).one()
    return {t: int(v) for t, v in zip(TABLES, row, strict=True)}


def remember_floors(uow: UnitOfWork) -> None:
    uow.session.info[FLOORS] = floors(uow)


def new_ranges(uow: UnitOfWork, key: bytes, heads: dict[str, Range] | None,
               earlier: Iterable[dict[str, Range]], restart: bool) -> dict[str, Range]:
    """This commit's range per table, continuing `heads` (the chain head's ranges); `restart`
    (a seal or a key rotation) vouches for every row again, from id 0, under the new key.

    One statement for every table: each table's range digest, with the count of its rows that
    existed before this transaction began and no earlier commit covered ("foreign" rows: ids
    above the head's range and at or below this transaction's floor, inside the scanned range)."""
    mine: dict[str, int] = uow.session.info.get(FLOORS) or {}
    starts = {t: 0 if restart or not heads or t not in heads else heads[t].hi for t in TABLES}
    if not restart:
        _reach_down(starts, mine, earlier)
    params: dict[str, int] = {}
    prev_his: dict[str, int] = {}
    for i, t in enumerate(TABLES):
        prev_his[t] = 0 if not heads or t not in heads else heads[t].hi
        foreign_to = mine[t] if not restart and t in mine and mine[t] > prev_his[t] else prev_his[t]
        params.update({f"lo{i}": starts[t], f"fa{i}": prev_his[t], f"fb{i}": foreign_to})
    out: dict[str, Range] = {}
    for t, n, total, top, foreign in uow.session.execute(text(_ranges_sql(uow.dialect, key)), params).all():
        t = str(t)
        top = int(top if top is not None else starts[t])
        out[t] = Range(starts[t], max(top, prev_his[t] if not restart else 0), int(n), int(total or 0) % P,
                       int(foreign or 0))
    return out


@functools.lru_cache(maxsize=8)
def _ranges_sql(dialect: str, key: bytes) -> str:
    """new_ranges' one statement: per table (name, rows, digest sum, max id, foreign rows) over ids > :loN."""
    return " UNION ALL ".join(
        f"SELECT '{t}', COUNT(*), COALESCE(SUM({row_digest_sql(dialect, key, t)}), 0), MAX(id), "
        f"COALESCE(SUM(CASE WHEN id > :fa{i} AND id <= :fb{i} THEN 1 ELSE 0 END), 0) FROM {t} WHERE id > :lo{i}"
        for i, t in enumerate(TABLES))


def _reach_down(starts: dict[str, int], mine: dict[str, int], earlier: Iterable[dict[str, Range]]) -> None:
    """Lower each start to a range boundary at or below this transaction's floor (PostgreSQL: a
    writer that began before others committed re-covers their ranges too)."""
    waiting = {t for t in TABLES if t in mine and mine[t] < starts[t]}
    if not waiting:
        return
    for ranges in earlier:
        for t in list(waiting):
            if t in ranges:
                starts[t] = min(starts[t], ranges[t].lo)
                if starts[t] <= mine[t]:
                    waiting.discard(t)
        if not waiting:
            return
    for t in waiting:
        starts[t] = 0


@functools.lru_cache(maxsize=8)
def _settings_sql(dialect: str, key: bytes) -> str:
    return " UNION ALL ".join(f"SELECT '{t}', COUNT(*), COALESCE(SUM({row_digest_sql(dialect, key, t)}), 0) "
                              f"FROM {t}" for t in SETTINGS)


def settings_digests(uow: UnitOfWork, key: bytes, conn: Connection | None = None) -> dict[str, list[int]]:
    """table -> [rows, digest] of every settings table, in one statement (one snapshot); `conn`:
    the unit of work's connection, when called from inside one of its statements."""
    sql = text(_settings_sql(uow.dialect, key))
    rows = (conn if conn is not None else uow.session).execute(sql).all()
    return {str(t): [int(n), int(d) % P] for t, n, d in rows}


def any_settings(uow: UnitOfWork) -> bool:
    return bool(uow.session.execute(text(" UNION ALL ".join(f"SELECT 1 FROM {t}" for t in SETTINGS)
                                         + " LIMIT 1")).first())


# The words after which a statement names the table it writes: INSERT [OR ...] INTO t, UPDATE t,
# DELETE FROM t. Anything more that matches only costs a settings digest; a write missed would be
# reported by verify as a change outside Recoup, never vouched for.
_WRITE_WORDS = ("INTO ", "UPDATE ", "DELETE FROM ")
_SETTINGS_UPPER = frozenset(t.upper() for t in SETTINGS)


def writes_settings(statement: str) -> bool:
    """Whether a SQL statement writes one of the settings tables (a string scan: it runs before
    every statement of a writing unit of work, and a regular expression cost ten times as much)."""
    words = " ".join(statement.upper().split())
    for word in _WRITE_WORDS:
        at = words.find(word)
        while at >= 0:
            at += len(word)
            table = words[at:at + 40].split(" ", 1)[0].split("(", 1)[0].strip('"')
            if table in _SETTINGS_UPPER:
                return True
            at = words.find(word, at)
    return False


def watch_settings(uow: UnitOfWork, before_first_write: Callable[[Connection], None]) -> None:
    """Call `before_first_write` once, just before this unit of work's first statement that writes
    a settings table (most transactions write none, and then pay no digest at BEGIN: their commit
    alone tells what changed outside Recoup, see `note_foreign_at_commit`)."""
    def before(conn: Connection, _cursor: object, statement: str, *_rest: object) -> None:
        if uow.session.info.get(SETTINGS_WRITTEN):
            return
        if not writes_settings(statement):
            return
        uow.session.info[SETTINGS_WRITTEN] = True
        before_first_write(conn)
    event.listen(uow.session.connection(), "before_cursor_execute", before)


def note_foreign_settings(uow: UnitOfWork, key: bytes, head: dict[str, list[int]] | None,
                          conn: Connection | None = None) -> None:
    """Before this transaction first writes a settings table: the tables that differ from what the
    chain's head committed were changed since, outside Recoup; this commit's entry names them."""
    if head is None:
        return
    now = settings_digests(uow, key, conn)
    uow.session.info[FOREIGN_SETTINGS] = sorted(t for t in SETTINGS if t in head and now[t][:2] != head[t][:2])


def note_foreign_at_commit(uow: UnitOfWork, now: dict[str, list[int]], head: dict[str, list[int]] | None) -> None:
    """At commit, under the chain's lock, when this transaction wrote no settings table: whatever
    differs from what the chain's head committed was changed outside Recoup."""
    if uow.session.info.get(SETTINGS_WRITTEN) or head is None:
        return
    uow.session.info[FOREIGN_SETTINGS] = sorted(t for t in SETTINGS if t in head and t in now
                                                and now[t][:2] != head[t][:2])


def new_settings(uow: UnitOfWork, digests: dict[str, list[int]], restart: bool) -> dict[str, list[int]]:
    """This commit's settings digests, each with 1 when the table had been changed outside Recoup."""
    foreign = set() if restart else set(uow.session.info.get(FOREIGN_SETTINGS) or ())
    return {t: [*v[:2], int(t in foreign)] for t, v in digests.items()}


def check_settings(uow: UnitOfWork, key: bytes, found: list[tuple[int, dict[str, list[int]]]]) -> list[str]:
    """Problems of the settings tables: changed outside Recoup before a commit noticed (`found`: each
    entry's snapshot), or since the last commit."""
    problems = [f"{t}: changed outside Recoup before audit entry {eid} (a setting or role changed behind "
                "Recoup's back)" for eid, snap in found for t, v in snap.items() if len(v) > 2 and v[2]]
    if not found:
        return problems
    eid, last = found[-1]
    now = settings_digests(uow, key)
    problems.extend(f"{t}: changed since audit entry {eid} committed it (a setting or role changed behind "
                    "Recoup's back)" for t in SETTINGS if t in last and now[t][:2] != last[t][:2])
    return problems


# ------------------------------------------------------------------------------------- verify

@dataclass
class Partition:
    """The ranges in force after reading the chain: later ranges supersede those they contain."""
    ranges: dict[str, list[Range]] = field(default_factory=lambda: {t: [] for t in TABLES})

    def add(self, table: str, r: Range) -> str | None:
        rs = self.ranges.setdefault(table, [])
        while rs and rs[-1].lo >= r.lo:
            rs.pop()
        if rs and rs[-1].hi > r.lo:
            return (f"audit entry {r.entry_id}: its {table} range starts at id {r.lo}, inside the range of "
                    f"entry {rs[-1].entry_id}")
        rs.append(r)
        return None


def check_table(uow: UnitOfWork, key: bytes, table: str, ranges: list[Range]) -> list[str]:
    """Problems of one covered table: one aggregate when all is well; on a mismatch, each range
    recounted (one indexed range scan each) to name where."""
    problems = [f"{table}: {counted(r.foreign, 'row')} (ids {r.lo + 1}..{r.hi}) existed before audit entry "
                f"{r.entry_id} began and no entry had written them: written behind Recoup's back"
                for r in ranges if r.foreign]
    n, digest, top = table_digest(uow, key, table)
    want_n = sum(r.n for r in ranges)
    want = sum(r.digest for r in ranges) % P
    last = ranges[-1].hi if ranges else 0
    if (n, digest) == (want_n, want) and top <= last:
        return problems
    after_n, _d, after_top = range_digest(uow, key, table, last)
    if after_n:
        problems.append(f"{table}: {counted(after_n, 'row')} (ids {last + 1}..{after_top}) covered by no audit "
                        "entry: written behind Recoup's back")
    for r in ranges:
        rn, rd, _t = range_digest(uow, key, table, r.lo, r.hi)
        if (rn, rd) != (r.n, r.digest):
            what = f"{counted(r.n - rn, 'row')} deleted" if rn < r.n else \
                f"{counted(rn - r.n, 'row')} added" if rn > r.n else "rows changed"
            problems.append(f"{table}: ids {r.lo + 1}..{r.hi}, committed with audit entry {r.entry_id}: {what} "
                            "since (edited behind Recoup's back)")
    if not problems:
        problems.append(f"{table}: holds {counted(n, 'row')} where the audit chain committed {want_n}")
    return problems


def parse(covers: str | None, entry_id: int) -> dict[str, Range]:
    import json
    if not covers:
        return {}
    return {t: Range.from_json(v, entry_id) for t, v in json.loads(covers).items() if t != "settings"}


def parse_settings(covers: str | None) -> dict[str, list[int]] | None:
    import json
    return json.loads(covers).get("settings") if covers else None


def dump(ranges: dict[str, Range], settings: dict[str, list[int]]) -> str:
    import json
    return json.dumps({"settings": settings, **{t: r.to_json() for t, r in ranges.items()}},
                      separators=(",", ":"), sort_keys=True)


def any_rows(uow: UnitOfWork) -> dict[str, int]:
    """Row counts of the covered tables that hold rows (for "an empty audit trail with money")."""
    sql = " UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM {t}" for t in TABLES)
    return {str(t): int(n) for t, n in uow.session.execute(text(sql)).all() if n}

