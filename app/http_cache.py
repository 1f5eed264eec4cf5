"""HTTP semantics of cached results: Cache-Status (RFC 9211), X-Cache, Age, ETag, Cache-Control, 304."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, current_app, request

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


def serve_cached(key: str, tag: str, fetch: Callable[[], tuple[bytes, str]], cache_name: str = "cache") -> Response:
    """Answer from the cache (or Looker through it) with full cache headers; 304 when the ETag matches."""
    cache = current_app.extensions[cache_name]
    refresh = "Cache-Control" in request.headers and bool(request.cache_control.no_cache)  # parse only if sent
    outcome = cache.lookup(key, fetch, tag, refresh=refresh)
    entry = outcome.entry
    age = int(cache.age(entry))
    remaining = max(0, int(cache.ttl) - age) if outcome.status != "STALE" else 0
    overdue = max(0, age - int(cache.ttl))
    headers = {
        "X-Cache": outcome.status,
        "Cache-Status": _cache_status(outcome, remaining, overdue),
        "Age": str(age),
        "ETag": entry.etag,
        "Cache-Control": f"private, max-age={remaining}, stale-if-error={int(cache.stale_seconds)}",
    }
    if cache_name == "cache":  # model and explore descriptions are not query results
        current_app.extensions["telemetry"].outcomes[outcome.status].inc()
    if "If-None-Match" in request.headers and request.if_none_match.contains(entry.etag.strip('"')):
        return Response(status=304, headers=headers)
    return Response(entry.body, content_type=entry.content_type, headers=headers)
