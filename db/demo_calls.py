"""Running the real use cases for the demo, on past business dates as well as today.

The demo's workflows are not typed in: each step is a use case called in its own unit of work,
as an operator's action would be. Steps on past business dates (a list built six months ago, a
batch sent to the agency in June) are stamped as if done on that day: their unit of work's clock
reads that day, 09:00 UTC plus a minute per step, so history rows, audit entries, runs and files
say when the work happened, in the order it happened. Steps on the demo's own business date keep
the real clock.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import Engine

from db.uow import SqlUnitOfWork

OPENS = dt.time(9, 0)   # the first demo step of a past day is stamped at 09:00 UTC


class DemoClock:
    """Clocks for past business dates: each unit of work on a day is a minute after the previous."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.steps: Counter[dt.date] = Counter()

    def uow(self, engine: Engine, day: dt.date, write: bool = True) -> SqlUnitOfWork:
        if day >= self.today:
            return SqlUnitOfWork(engine, write=write)
        self.steps[day] += 1
        at = dt.datetime.combine(day, OPENS, tzinfo=dt.UTC) + dt.timedelta(minutes=self.steps[day])
        return SqlUnitOfWork(engine, write=write, clock=lambda: at)

    def call(self, engine: Engine, day: dt.date, fn: Any, *args: Any, **kw: Any) -> Any:
        """One use case on business date `day`, in its own unit of work (it commits itself)."""
        with self.uow(engine, day) as u:
            result = fn(u, *args, **kw)
        analyze_changed(engine)
        return result


def analyze_changed(engine: Engine) -> None:
    """PostgreSQL: fresh planner statistics for the tables the last step changed much, by
    autovacuum's own rule (50 rows + 10 % of the table changed since the last ANALYZE).

    The demo fills the workflow tables from empty in minutes, faster than autovacuum looks (and
    where it is off, never): the next step was planned for an empty table. On the large demo the
    external run's regrouping UPDATE took 52 s so (its placements nested inside themselves) and
    0.7 s with statistics. A table the step emptied again (roster_work, filled and cleared inside
    each populate) is left alone: analysed as its pages of dead rows, it reads as zero rows per
    page, and the next populate's UPDATE over it ran for minutes."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        stale = [str(t) for (t,) in conn.exec_driver_sql(
            "SELECT relid::regclass::text FROM pg_stat_user_tables "
            "WHERE n_mod_since_analyze > 50 + 0.1 * GREATEST(n_live_tup, 0) AND n_live_tup > 0 ORDER BY relid")]
        for table in stale:
            conn.exec_driver_sql(f"ANALYZE {table}")
