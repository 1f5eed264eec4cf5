"""Named business metrics: a measure over time, every period present, real numbers, through the cache."""

from __future__ import annotations

import datetime as dt

import orjson
from flask import Blueprint, Response, current_app

from ..catalog import Metric
from ..errors import ApiError, invalid
from ..formats import looker_result
from ..governance import require_model
from ..looker import looker
from ..schemas import MetricParams, write_query
from ..validation import query_args
from .query_input import query_key

bp = Blueprint("metrics", __name__, url_prefix="/api/metrics")
TIMEFRAME = {"day": "date", "week": "week", "month": "month", "quarter": "quarter", "year": "year"}
DEFAULT_DAYS = 30


def _catalog():
    return current_app.extensions["catalog"]


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


def _range(metric: Metric) -> tuple[dt.date, dt.date, str]:
    params = query_args(MetricParams)
    granularity = params.granularity or ("day" if "day" in metric.granularities else metric.granularities[0])
    if granularity not in metric.granularities:
        raise invalid(f"granularity must be one of {', '.join(metric.granularities)} for this metric.",
                      [{"field": "granularity", "message": f"'{granularity}' is not offered for this metric"}])
    try:
        end = dt.date.fromisoformat(params.to) if params.to else dt.datetime.now(dt.UTC).date()
    except ValueError:
        raise invalid("'to' is not a calendar date.", [{"field": "to", "message": "not a date"}]) from None
    try:
        start = dt.date.fromisoformat(params.from_) if params.from_ else end - dt.timedelta(days=DEFAULT_DAYS - 1)
    except ValueError:
        raise invalid("'from' is not a calendar date.", [{"field": "from", "message": "not a date"}]) from None
    if start > end:
        raise invalid("'from' is after 'to'.", [{"field": "to", "message": "must not be before 'from'"}])
    days = (end - start).days + 1
    if days > _catalog().max_days:
        raise invalid(f"The range is {days} days; at most {_catalog().max_days} are allowed.",
                      [{"field": "from", "message": f"range longer than {_catalog().max_days} days"}])
    return start, end, granularity


@bp.get("")
def list_metrics():
    """List the named metrics."""
    return [metric.summary() for metric in _catalog().metrics.values()]


@bp.get("/<name>")
def get_metric(name: str):
    """Return a metric's value for every period between `from` and `to` (inclusive)."""
    metric = _catalog().metrics.get(name)
    if metric is None:
        known = ", ".join(_catalog().metrics) or "none"
        raise ApiError(404, f"There is no metric '{name[:100]}'. Metrics: {known}.")
    require_model(metric.model)
    start, end, granularity = _range(metric)
    time_field = f"{metric.time}_{TIMEFRAME[granularity]}"
    slots = periods(start, end, granularity)
    filters = {**metric.filters, f"{metric.time}_date": f"{start.isoformat()} to {(end + dt.timedelta(days=1))}"}
    body = write_query(metric.model, metric.explore, [time_field, metric.measure], filters, [f"{time_field} asc"],
                       limit=len(slots) + 1)

    def fetch():
        return looker_result(looker().fetch(f"metric '{name}'", "run_inline_query", "json", body), "json")

    outcome = current_app.extensions["cache"].lookup(query_key(body, "json", False), fetch,
                                                     f"model:{metric.model}")
    values = {}
    for row in orjson.loads(outcome.entry.body):
        period = period_of(row.get(time_field), granularity)
        if period is not None:
            values[period] = _number(row.get(metric.measure))
    points = [{"period": day.isoformat(), "value": values.get(day.isoformat(), 0)} for day in slots]
    payload = {"metric": name, "label": metric.label, "from": start.isoformat(), "to": end.isoformat(),
               "granularity": granularity, "points": points}
    return Response(orjson.dumps(payload), content_type="application/json",
                    headers={"X-Cache": outcome.status, "Cache-Control": "private, no-cache"})
