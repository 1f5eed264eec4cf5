"""A named metric over a date range: the Looker query it needs, and its rows as every period's point."""

from __future__ import annotations

import datetime as dt

from app.schemas import write_query

from .catalog import Metric

TIMEFRAME = {"day": "date", "week": "week", "month": "month", "quarter": "quarter", "year": "year"}


def _start(day: dt.date, granularity: str) -> dt.date:
    if granularity == "week":
        return day - dt.timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    if granularity == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    if granularity == "year":
        return day.replace(month=1, day=1)
    return day


def _next(day: dt.date, granularity: str) -> dt.date:
    if granularity in ("day", "week"):
        return day + dt.timedelta(days=1 if granularity == "day" else 7)
    months = {"month": 1, "quarter": 3, "year": 12}[granularity]
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def periods(start: dt.date, end: dt.date, granularity: str) -> list[dt.date]:
    """Return the first day of every period that overlaps [start, end]."""
    out, day = [], _start(start, granularity)
    while day <= end:
        out.append(day)
        day = _next(day, granularity)
    return out


def period_of(value, granularity: str) -> str | None:
    """Turn Looker's time-frame value (2026-11-28, 2026-11, 2026-Q4, 2026) into the period's first day."""
    text = str(value)
    try:
        if granularity in ("day", "week"):
            return dt.date.fromisoformat(text[:10]).isoformat()
        if granularity == "month":
            return dt.date.fromisoformat(text[:7] + "-01").isoformat()
        if granularity == "quarter":
            year, quarter = text.split("-Q")
            return dt.date(int(year), (int(quarter) - 1) * 3 + 1, 1).isoformat()
        return dt.date(int(text[:4]), 1, 1).isoformat()
    except ValueError:
        return None


def _number(value) -> float | int:
    if isinstance(value, int | float):
        return value
    try:
        return float(str(value).replace(",", "").lstrip("$"))
    except ValueError:
        return 0


def series_query(metric: Metric, start: dt.date, end: dt.date, granularity: str) -> tuple[dict, str]:
    """Return the WriteQuery body for the metric over [start, end] and the name of its time field."""
    time_field = f"{metric.time}_{TIMEFRAME[granularity]}"
    filters = {**metric.filters, f"{metric.time}_date": f"{start.isoformat()} to {(end + dt.timedelta(days=1))}"}
    limit = len(periods(start, end, granularity)) + 1
    return write_query(
        metric.model, metric.explore, [time_field, metric.measure], filters, [f"{time_field} asc"], limit=limit
    ), time_field


def to_points(
    rows: list[dict], metric: Metric, time_field: str, start: dt.date, end: dt.date, granularity: str
) -> list[dict]:
    """Return one {period, value} per period in the range, zero where Looker had no row.

    A period that `start` or `end` cuts (a month asked from its 15th) holds only part of its days, so its point
    says `"partial": true`; whole periods carry no such member.
    """
    values = {}
    for row in rows:
        period = period_of(row.get(time_field), granularity)
        if period is not None:
            values[period] = _number(row.get(metric.measure))
    points = []
    for day in periods(start, end, granularity):
        point = {"period": day.isoformat(), "value": values.get(day.isoformat(), 0)}
        if day < start or _next(day, granularity) - dt.timedelta(days=1) > end:
            point["partial"] = True
        points.append(point)
    return points
