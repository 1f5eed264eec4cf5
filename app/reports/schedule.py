"""When a report runs: its cron in its own time zone (APScheduler's CronTrigger handles daylight saving)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator

from .config import Report

LOOKBACKS = (
    dt.timedelta(hours=1),
    dt.timedelta(days=1),
    dt.timedelta(days=8),
    dt.timedelta(days=32),
    dt.timedelta(days=367),
)
TICK = dt.timedelta(microseconds=1)


def runs_after(report: Report, after: dt.datetime) -> Iterator[dt.datetime]:
    """Yield run times strictly after `after`, lazily (aware datetimes in the report's zone)."""
    trigger, moment, previous = report.trigger(), after + TICK, None
    while (moment := trigger.get_next_fire_time(previous, moment)) is not None:
        yield moment
        previous, moment = moment, moment + TICK


def next_runs(report: Report, after: dt.datetime, count: int = 3) -> list[dt.datetime]:
    """Return the next `count` run times strictly after `after`."""
    return list(itertools.islice(runs_after(report, after), count))


def latest_slot(report: Report, now: dt.datetime) -> dt.datetime | None:
    """Return the latest scheduled time at or before `now`: the slot a run at `now` belongs to."""
    for lookback in LOOKBACKS:  # widen the window until it holds a run: an hour for hourly crons, a year at most
        latest = None
        for run in runs_after(report, now - lookback):
            if run > now:
                break
            latest = run
        if latest is not None:
            return latest
    return None
