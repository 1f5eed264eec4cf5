"""Fresh cache hits of POST /api/query, answered before Flask builds a request: the commonest answer, made cheap.

Dashboards ask the same few questions over and over, so most of this service's traffic is a fresh hit for a
body it has already validated. Through the Flask route such a hit ran at about half the throughput of a bare
Flask endpoint serving the same bytes: contexts, routing, request and response objects and five hooks cost
more than the hit itself. This WSGI layer answers exactly that case with the same parts the route uses:
`identify` and the rate limiter, the body memo, ALLOWED_MODELS, `cached_answer`, `guard_headers` and the
access log. Everything else goes to Flask untouched: a query string, a body it has not validated, a miss,
`Cache-Control` or `Prefer` from the caller, a request CORS must answer, a 401 or a 429. What it already
decided (who the caller is, the rate-limit count) travels in one `Handover` (handover.py), so nothing is
checked or counted twice, and errors still come from errors.py.
"""

from __future__ import annotations

import io
import logging
import time

from werkzeug.http import HTTP_STATUS_CODES

from app.errors import ApiError
from app.handover import KEY, Handover
from app.logs import log_request, request_id
from app.security.governance import model_allowed
from app.security.headers import guard_headers
from app.security.identity import identify, identity_key
from app.services import Services

from .entry import Outcome
from .http import cached_answer
from .keys import MEMO_MAX_BODY, memo_key

log = logging.getLogger("looker_proxy.fast_path")
PATH = "/api/query"
STATUS_LINES = {code: f"{code} {HTTP_STATUS_CODES[code].upper()}" for code in (200, 304)}  # as Werkzeug writes them
ROUTE_ONLY = ("QUERY_STRING", "HTTP_PREFER", "HTTP_CACHE_CONTROL")  # ?format=, async and refresh live in the route


class FastPath:
    """WSGI middleware: serve a fresh hit of an already validated query body, hand anything else to Flask."""

    def __init__(self, parts: Services, fallback):
        self.fallback = fallback
        self.parts = parts
        self.cors = bool(parts.settings.cors_origins)

    def __call__(self, environ, start_response):
        if not self._candidate(environ):
            return self.fallback(environ, start_response)
        given = environ[KEY] = Handover(started=time.perf_counter())
        try:
            answer = self._answer(environ, given)
        except Exception:  # a bug here must not cost the request: the route answers it, or reports it properly
            log.exception("fast path failed; the route answers instead", extra={"event": "fast_path_error"})
            answer = None
        if answer is None:
            return self.fallback(environ, start_response)
        status, headers, body = answer
        start_response(status, headers)
        return [body]

    def _candidate(self, environ) -> bool:
        """Say whether the request could be a plain hit, from its method, path and headers alone."""
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "POST":
            return False
        if any(environ.get(name) for name in ROUTE_ONLY) or (self.cors and "HTTP_ORIGIN" in environ):
            return False
        length = environ.get("CONTENT_LENGTH", "")
        mimetype = environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower()
        return mimetype == "application/json" and length.isdigit() and int(length) <= MEMO_MAX_BODY

    def _answer(self, environ, given: Handover) -> tuple[str, list, bytes] | None:
        """Return the hit's status, headers and body, or None to let the route answer."""
        parts = self.parts
        raw = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        environ["wsgi.input"] = io.BytesIO(raw)  # rewound for the route
        try:  # the route's order: who is asking, then their rate limit, then the query
            kind, name = identify(
                parts.settings, parts.verifier, environ.get("HTTP_AUTHORIZATION", ""), environ.get("HTTP_X_API_KEY", "")
            )
        except ApiError as refusal:
            given.identity = refusal
            return None
        given.identity = (kind, name)
        rate, refusal = given.rate = parts.limits.count(identity_key(kind, name))
        if refusal is not None:
            return None
        known = parts.queries.get(memo_key(raw, None))
        if known is None or not model_allowed(known[0].model, parts.settings):
            return None
        entry = parts.cache.fresh(known[1])
        if entry is None:
            return None
        answer = cached_answer(parts.cache, Outcome(entry, "HIT"), environ.get("HTTP_IF_NONE_MATCH"), parts.telemetry)
        rid = request_id(environ.get("HTTP_X_REQUEST_ID", ""))
        listed = [*answer.headers.items(), *guard_headers((), rate), ("X-Request-ID", rid)]
        log_request(
            method="POST",
            path=PATH,
            status=answer.status,
            started=given.started,
            cache="HIT",
            looker_ms=0.0,
            request_id=rid,
            caller=name,
        )
        return STATUS_LINES[answer.status], listed, answer.body


def wrap(app, parts: Services) -> None:
    """Put the fast path in front of Flask's request handling; call last, once the cache and limits exist."""
    app.wsgi_app = FastPath(parts, app.wsgi_app)
