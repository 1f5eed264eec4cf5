"""Named business metrics: a measure over time, every period present, real numbers, through the cache."""

from __future__ import annotations

import datetime as dt

import orjson
from flask import Blueprint, Response, request

from ..cache.http import CachedAnswer, wants_refresh
from ..cache.keys import model_tag, query_key
from ..errors import ApiError, invalid
from ..looker.results import looker_result
from ..metrics.catalog import Catalog, Metric
from ..metrics.series import series_query, to_points
from ..schemas import MetricParams
from ..security.governance import require_model
from ..services import Services, services
from ..validation import query_args

bp = Blueprint("metrics", __name__, url_prefix="/api/metrics")
DEFAULT_DAYS = 30
SERIES_HEADERS = {"Content-Type": "application/json", "Cache-Control": "private, no-cache"}


def _catalog() -> Catalog:
    return services().catalog


def _range(metric: Metric) -> tuple[dt.date, dt.date, str]:
    params = query_args(MetricParams)
    granularity = params.granularity or ("day" if "day" in metric.granularities else metric.granularities[0])
    if granularity not in metric.granularities:
        raise invalid(
            f"granularity must be one of {', '.join(metric.granularities)} for this metric.",
            [{"field": "granularity", "message": f"'{granularity}' is not offered for this metric"}],
        )
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
        raise invalid(
            f"The range is {days} days; at most {_catalog().max_days} are allowed.",
            [{"field": "from", "message": f"range longer than {_catalog().max_days} days"}],
        )
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
    parts = services()
    require_model(metric.model, parts.settings)
    start, end, granularity = _range(metric)
    body, time_field = series_query(metric, start, end, granularity)

    def fetch():
        result = parts.looker.fetch(
            f"metric '{name}'",
            lambda sdk, options: sdk.run_inline_query("json", body, transport_options=options),
            subject=key,
            fmt="json",
        )
        return looker_result(result, "json")

    key = query_key(body, "json", False)
    outcome = parts.cache.lookup(key, fetch, model_tag(metric.model))
    points = to_points(orjson.loads(outcome.entry.body), metric, time_field, start, end, granularity)
    payload = {
        "metric": name,
        "label": metric.label,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "granularity": granularity,
        "points": points,
    }
    series = orjson.dumps(payload)
    parts.assembled.put(_memo_key(name, request.query_string), (key, outcome.entry.etag, series))
    return Response(series, headers={**SERIES_HEADERS, "X-Cache": outcome.status})


def _memo_key(name: str, query_string: bytes) -> tuple:
    # a range left open ends today, so the day is part of what the answer depends on
    return ("metric", name, query_string, dt.datetime.now(dt.UTC).date())


def fresh_metric(environ: dict, args: dict, parts: Services) -> CachedAnswer | None:
    """Answer with a metric series built before from the entry that is still fresh (None: the route answers)."""
    if wants_refresh(environ.get("HTTP_CACHE_CONTROL")):
        return None
    known = parts.assembled.get(_memo_key(args["name"], environ.get("QUERY_STRING", "").encode("latin-1")))
    if known is None:
        return None
    key, etag, series = known
    entry = parts.cache.fresh(key)
    if entry is None or entry.etag != etag:
        return None
    headers = {**SERIES_HEADERS, "X-Cache": "HIT", "Content-Length": str(len(series))}
    return CachedAnswer(200, headers, series)
