"""What the nightly worker must run now: pure scheduling, no database, no clock of its own.

Given each practice's schedule (which batches, at what local time), the business dates already
recorded as done, and the current local time, `due()` lists the runs to make, oldest business
date first. A batch for business date D is due once the local time reaches D at its configured
time. After a restart or a missed night every business date since the last recorded run is due
once, in order (capped, so a worker started after a long outage does not replay a year); a
practice with no recorded run starts from the latest due date instead of replaying history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

KIND_ORDER = ("external", "roster")   # the external run first, as `recoup nightly` does
CATCH_UP_DAYS = 31


@dataclass(frozen=True)
class Schedule:
    practice_id: int
    source_id: str
    kind: str              # "external" or "roster"
    at: dt.time            # local time of day the batch becomes due


@dataclass(frozen=True)
class Due:
    practice_id: int
    source_id: str
    kind: str
    business_date: dt.date


def parse_time(text: str, field: str = "time") -> dt.time:
    """HH:MM (24-hour) as in the roster settings; ValueError names the field."""
    try:
        hours, minutes = (int(part) for part in text.strip().split(":"))
        return dt.time(hours, minutes)
    except (ValueError, TypeError):
        raise ValueError(f"{field}: {text!r} is not a time of day as HH:MM") from None


def latest_due_date(at: dt.time, now: dt.datetime) -> dt.date:
    """The newest business date whose run time has passed at `now` (local)."""
    today = now.date()
    return today if now.time() >= at else today - dt.timedelta(days=1)


def dates_due(done: Iterable[dt.date], at: dt.time, now: dt.datetime,
              catch_up_days: int = CATCH_UP_DAYS) -> list[dt.date]:
    """Business dates to run for one practice and batch, oldest first."""
    done_set = set(done)
    latest = latest_due_date(at, now)
    if not done_set:
        return [latest]
    start = max(max(done_set) + dt.timedelta(days=1), latest - dt.timedelta(days=catch_up_days - 1))
    days = (latest - start).days + 1
    return [start + dt.timedelta(days=i) for i in range(max(days, 0))
            if start + dt.timedelta(days=i) not in done_set]


def due(schedules: Iterable[Schedule], done: Mapping[tuple[int, str], Iterable[dt.date]],
        now: dt.datetime, catch_up_days: int = CATCH_UP_DAYS) -> list[Due]:
    """Every run due at `now`, by business date, then practice, then external before roster."""
    found = [Due(s.practice_id, s.source_id, s.kind, d)
             for s in schedules
             for d in dates_due(done.get((s.practice_id, s.kind), ()), s.at, now, catch_up_days)]
    return sorted(found, key=lambda d: (d.business_date, d.source_id, KIND_ORDER.index(d.kind)))


def due_on(schedules: Iterable[Schedule], done: Mapping[tuple[int, str], Iterable[dt.date]],
           business_date: dt.date) -> list[Due]:
    """Every batch of `business_date` not yet done (the worker run with --as-of): that date only,
    whatever the clock says, so a replay of one night never catches up the nights around it."""
    found = [Due(s.practice_id, s.source_id, s.kind, business_date) for s in schedules
             if business_date not in set(done.get((s.practice_id, s.kind), ()))]
    return sorted(found, key=lambda d: (d.source_id, KIND_ORDER.index(d.kind)))


def next_wake(schedules: Iterable[Schedule], now: dt.datetime, poll: dt.timedelta) -> dt.datetime:
    """When to look again: the next scheduled time today/tomorrow, but no later than `poll`."""
    times = [dt.datetime.combine(now.date() + dt.timedelta(days=k), s.at, now.tzinfo)
             for s in schedules for k in (0, 1)]
    upcoming = [t for t in times if t > now]
    return min([now + poll, *upcoming])
