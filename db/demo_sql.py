"""SQL building blocks for the set-based demo generator, identical on SQLite and PostgreSQL.

A million encounters cannot be made row by row in Python in minutes, so every demo row is made
inside the database by INSERT ... SELECT over a series of integers. Randomness is a pure function
of (row number, salt, seed): `Sql.h` is a quadratic hash modulo a prime, so the same seed gives
the same data on both back ends, and any column can be recomputed wherever it is needed instead
of being looked up. Only the few expressions that differ per dialect (dates, zero padding, the
series) live here behind one method each.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence

PRIME = 1_000_003          # hash values are 0 .. PRIME-1; products stay far below 2**63
JULIAN_OFFSET = 1_721_424.5  # date.toordinal() + this = the Julian day number SQLite's date() reads


class Sql:
    """Expression builders for one dialect, one seed and one business date."""

    def __init__(self, dialect: str, seed: int, as_of: dt.date) -> None:
        self.dialect = dialect
        self.seed = seed
        self.as_of = as_of

    @property
    def pg(self) -> bool:
        return self.dialect == "postgresql"

    def h(self, x: str, salt: int) -> str:
        """A pseudo-random integer in [0, PRIME) from the integer expression x: deterministic,
        different for every salt and seed, and cheap (two multiplications and three modulos)."""
        digest = hashlib.sha256(f"recoup-demo:{self.seed}:{salt}".encode()).digest()
        a1, b1, a2, b2 = (1 + int.from_bytes(digest[i:i + 4], "big") % (PRIME - 1) for i in (0, 4, 8, 12))
        return f"(((({x}) * {a1} + {b1}) % {PRIME}) * ((({x}) * {a2} + {b2}) % {PRIME}) % {PRIME})"

    def pick(self, index: str, values: Sequence[str]) -> str:
        """values[index % len(values)]: an array subscript on PostgreSQL; on SQLite a substring of
        one packed literal (no join and no long CASE on either)."""
        slot = f"CAST(({index}) % {len(values)} AS INTEGER)"
        if self.pg:
            quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
            return f"(ARRAY[{quoted}])[{slot} + 1]"
        width = max(len(v) for v in values)
        packed = "".join(v.ljust(width) for v in values).replace("'", "''")
        return f"rtrim(substr('{packed}', {slot} * {width} + 1, {width}))"

    def pick_int(self, index: str, values: Sequence[int]) -> str:
        """values[index % len(values)] for non-negative integers (fees in cents), as BIGINT."""
        slot = f"CAST(({index}) % {len(values)} AS INTEGER)"
        if self.pg:
            return f"(ARRAY[{', '.join(str(v) for v in values)}]::BIGINT[])[{slot} + 1]"
        width = len(str(max(values)))
        packed = "".join(str(v).zfill(width) for v in values)
        return f"CAST(substr('{packed}', {slot} * {width} + 1, {width}) AS BIGINT)"

    def day(self, days_before: str) -> str:
        """The date `days_before` days before the business date."""
        if self.pg:
            return f"(DATE '{self.as_of.isoformat()}' - CAST({days_before} AS INTEGER))"
        julian = self.as_of.toordinal() + JULIAN_OFFSET
        return f"date({julian} - ({days_before}))"

    def pad(self, x: str, width: int) -> str:
        """The integer x as text, zero-padded to width digits."""
        if self.pg:
            return f"lpad(CAST({x} AS TEXT), {width}, '0')"
        return f"printf('%0{width}d', {x})"

    def series(self, name: str, count: int) -> str:
        """A CTE (for WITH RECURSIVE) named `name` with one BIGINT column `n` = 1 .. count."""
        if self.pg:
            return f"{name}(n) AS (SELECT generate_series(CAST(1 AS BIGINT), CAST({int(count)} AS BIGINT)))"
        return f"{name}(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM {name} WHERE n < {int(count)})"

    @staticmethod
    def slots(name: str = "j") -> str:
        """A CTE with k = 1..4: the service-line slots of an encounter, the statement slots."""
        return f"{name}(k) AS (VALUES (1), (2), (3), (4))"

    @staticmethod
    def flag(condition: str) -> str:
        """A boolean column value from a condition (TRUE/FALSE: 1/0 on SQLite, boolean on PostgreSQL)."""
        return f"CASE WHEN {condition} THEN TRUE ELSE FALSE END"
