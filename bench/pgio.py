"""What a step cost a PostgreSQL server beyond its CPU: the WAL it wrote, the full-page images in
that WAL (a page's first change after a checkpoint is logged whole) and the blocks it read from
outside shared_buffers.

Why: the same bare writes cost more per row as a practice grows on a server with the default
shared_buffers (128 MB) and max_wal_size (1 GB) — the tables outgrow the buffers, and the WAL of one
transaction spans checkpoints, after each of which every page it touches is logged whole again. A
growth step that the floor shares is the server's, not the product's; these counters, read before
and after, show where it comes from without EXPLAIN.

The counters are the server's, for every backend: meaningful only while the bench runs alone (the
checkpointer's own counters, such as the buffers backends wrote themselves, are reported minutes
late and are left out). A backend reports its counters when it goes idle after a transaction, but
at most once a second (PostgreSQL 15 and later): a short step's are held back for up to ten
seconds. So a snapshot first has its connection — the pool's one, which the bench's steps used in
turn — report what it holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, text

_COUNTERS = """SELECT w.wal_bytes, w.wal_fpi, d.blks_read FROM pg_stat_wal w, pg_stat_database d
    WHERE d.datname = current_database()"""


@dataclass(frozen=True)
class ServerIO:
    wal_bytes: int
    full_pages: int
    blocks_read: int

    def __sub__(self, other: ServerIO) -> ServerIO:
        return ServerIO(self.wal_bytes - other.wal_bytes, self.full_pages - other.full_pages,
                        self.blocks_read - other.blocks_read)

    def per(self, rows: int) -> str:
        """Per 1,000 rows, as the bench's other lines count."""
        k = max(rows, 1) / 1000
        return (f"WAL {self.wal_bytes / k / 1e6:.2f} MB ({self.full_pages / k:,.0f} full-page images), "
                f"{self.blocks_read / k:,.0f} blocks read from outside shared_buffers")


def snapshot(engine: Engine) -> ServerIO | None:
    """The server's counters now (None off PostgreSQL, or before 15: no pg_stat_wal full-page count
    flushed per backend there)."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        if int(conn.execute(text("SHOW server_version_num")).scalar_one()) < 150000:
            return None
        conn.execute(text("SELECT pg_stat_force_next_flush()"))
        conn.commit()       # idle: this backend reports now, held-back counters and all
        wal_bytes, full_pages, blocks_read = conn.execute(text(_COUNTERS)).one()
    return ServerIO(int(wal_bytes), int(full_pages), int(blocks_read))


def since(engine: Engine, before: ServerIO | None) -> ServerIO | None:
    after = snapshot(engine)
    return after - before if after is not None and before is not None else None
