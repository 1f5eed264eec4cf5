"""HTTP semantics of cached results: Cache-Status (RFC 9211), X-Cache, Age, ETag, Cache-Control (RFC 5861), 304.

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
    if outcome.status == "STALE" and outcome.error_status is None:  # stale-while-revalidate
        return f"{NAME}; hit; fwd=stale; ttl={-overdue}"
    if outcome.status == "STALE":
        return f"{NAME}; hit; ttl={-overdue}; fwd=stale; fwd-status={outcome.error_status}"
    if outcome.status == "COALESCED":
        return f"{NAME}; fwd=uri-miss; collapsed"
    if outcome.status == "BYPASS":
        return f"{NAME}; fwd=request; stored"
    return f"{NAME}; fwd=uri-miss; stored"


def cache_headers(cache: ResultCache, outcome: Outcome) -> dict[str, str]:
    """Return the headers describing where an answer came from and how long it stays fresh."""
    entry, now = outcome.entry, cache.clock()
    left = cache.expired_at(entry) - now  # below zero once the TTL ran out or the model's datagroup triggered
    remaining = max(0, int(left)) if outcome.status != "STALE" else 0
    overdue = max(0, int(-left))
    control = f"private, max-age={remaining}, stale-if-error={int(cache.stale_seconds)}"
    if cache.swr_seconds > 0:
        control += f", stale-while-revalidate={int(cache.swr_seconds)}"
    return {
        "X-Cache": outcome.status,
        "Cache-Status": _cache_status(outcome, remaining, overdue),
        "Age": str(int(cache.age(entry))),
        "ETag": entry.etag,
        "Cache-Control": control,
    }


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Say whether an If-None-Match header value names the entry's strong ETag (or is `*`)."""
    return parse_etags(if_none_match).contains(etag.strip('"'))


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


def _wants_fresh() -> bool:
    """Say whether the caller's Cache-Control refuses a stored answer (`no-cache` or `max-age=0`)."""
    control = request.cache_control
    return bool(control.no_cache) or control.max_age == 0


def serve_cached(cache: ResultCache, key: str, tag: str, fetch: Fetch, telemetry: Telemetry | None = None) -> Response:
    """Answer the current request from the cache (or Looker through it); count it when `telemetry` is given."""
    refresh = "Cache-Control" in request.headers and _wants_fresh()  # parse only if sent
    outcome = cache.lookup(key, fetch, tag, refresh=refresh)
    answer = cached_answer(cache, outcome, request.headers.get("If-None-Match"), telemetry)
    return Response(answer.body or None, status=answer.status, headers=answer.headers)
