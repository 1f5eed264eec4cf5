"""HTTP semantics of cached results: Cache-Status (RFC 9211), X-Cache, Age, ETag, Cache-Control, 304.

`cached_answer` is the one place an outcome becomes a status, headers and body: the route (through
`serve_cached`) and the fast path both use it, so they cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Response, request
from werkzeug.http import parse_etags

from .entry import Outcome
from .store import Fetch, ResultCache

if TYPE_CHECKING:
    from app.telemetry import Telemetry

NAME = "looker-proxy"


@dataclass(frozen=True)
class CachedAnswer:
    """A cached result as an HTTP answer: 200 with the body, or 304 without."""

    status: int
    headers: dict[str, str]
    body: bytes


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


def cache_headers(cache: ResultCache, outcome: Outcome) -> dict[str, str]:
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
    """Say whether an If-None-Match header value names the entry's ETag, weak or strong (or is `*`)."""
    return parse_etags(if_none_match).contains_weak(etag.strip('"'))  # RFC 9110: If-None-Match compares weakly


def wants_refresh(cache_control: str | None) -> bool:
    """Say whether the caller's Cache-Control asks for an answer fresh from Looker (no-cache)."""
    return bool(cache_control) and "no-cache" in cache_control.lower()


def fresh_answer(cache: ResultCache, key: str, environ: dict, telemetry: Telemetry | None) -> CachedAnswer | None:
    """Return the answer for a fresh entry as the route would give it, or None when there is none."""
    if wants_refresh(environ.get("HTTP_CACHE_CONTROL")):
        return None
    entry = cache.fresh(key)
    if entry is None:
        return None
    return cached_answer(cache, Outcome(entry, "HIT"), environ.get("HTTP_IF_NONE_MATCH"), telemetry)


def cached_answer(
    cache: ResultCache, outcome: Outcome, if_none_match: str | None, telemetry: Telemetry | None
) -> CachedAnswer:
    """Return the answer for an outcome: 304 when If-None-Match names its ETag, else 200; count it."""
    headers = cache_headers(cache, outcome)
    if telemetry is not None:
        telemetry.outcomes[outcome.status].inc()
    if if_none_match and etag_matches(if_none_match, outcome.entry.etag):
        return CachedAnswer(304, headers, b"")
    headers["Content-Type"] = outcome.entry.content_type
    headers["Content-Length"] = str(len(outcome.entry.body))
    return CachedAnswer(200, headers, outcome.entry.body)


def serve_cached(cache: ResultCache, key: str, tag: str, fetch: Fetch, telemetry: Telemetry | None = None) -> Response:
    """Answer the current request from the cache (or Looker through it); count it when `telemetry` is given."""
    refresh = wants_refresh(request.headers.get("Cache-Control"))
    outcome = cache.lookup(key, fetch, tag, refresh=refresh)
    answer = cached_answer(cache, outcome, request.headers.get("If-None-Match"), telemetry)
    return Response(answer.body or None, status=answer.status, headers=answer.headers)
