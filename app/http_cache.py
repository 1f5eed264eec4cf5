"""HTTP semantics of cached results: Cache-Status (RFC 9211), X-Cache, Age, ETag, Cache-Control, 304."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, current_app, request
from werkzeug.http import parse_etags

from .cache import Outcome

NAME = "looker-proxy"


def _cache_status(outcome: Outcome, remaining: int, overdue: int) -> str:
    if outcome.status == "HIT":
        return f"{NAME}; hit; ttl={remaining}"
    if outcome.status == "STALE":
        return f"{NAME}; hit; ttl={-overdue}; fwd=stale; fwd-status={outcome.error_status}"
    if outcome.status == "COALESCED":
        return f"{NAME}; fwd=uri-miss; collapsed"
    if outcome.status == "BYPASS":
        return f"{NAME}; fwd=request; stored"
    return f"{NAME}; fwd=uri-miss; stored"


def cache_headers(cache, outcome: Outcome) -> dict[str, str]:
    """Return the headers describing where an answer came from and how long it stays fresh."""
    age = int(cache.age(outcome.entry))
    remaining = max(0, int(cache.ttl) - age) if outcome.status != "STALE" else 0
    overdue = max(0, age - int(cache.ttl))
    return {
        "X-Cache": outcome.status,
        "Cache-Status": _cache_status(outcome, remaining, overdue),
        "Age": str(age),
        "ETag": outcome.entry.etag,
        "Cache-Control": f"private, max-age={remaining}, stale-if-error={int(cache.stale_seconds)}",
    }


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Say whether an If-None-Match header value names the entry's strong ETag (or is `*`)."""
    return parse_etags(if_none_match).contains(etag.strip('"'))


def serve_cached(key: str, tag: str, fetch: Callable[[], tuple[bytes, str]], cache_name: str = "cache") -> Response:
    """Answer from the cache (or Looker through it) with full cache headers; 304 when the ETag matches."""
    cache = current_app.extensions[cache_name]
    refresh = "Cache-Control" in request.headers and bool(request.cache_control.no_cache)  # parse only if sent
    outcome = cache.lookup(key, fetch, tag, refresh=refresh)
    headers = cache_headers(cache, outcome)
    if cache_name == "cache":  # model and explore descriptions are not query results
        current_app.extensions["telemetry"].outcomes[outcome.status].inc()
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match and etag_matches(if_none_match, outcome.entry.etag):
        return Response(status=304, headers=headers)
    return Response(outcome.entry.body, content_type=outcome.entry.content_type, headers=headers)
