"""Fresh cache hits of POST /api/query, answered before Flask builds a request: the commonest answer, made cheap.

Dashboards ask the same few questions over and over, so most of this service's traffic is a fresh hit for a
body it has already validated. Through the Flask route such a hit ran at about half the throughput of a bare
Flask endpoint serving the same bytes: contexts, routing, request and response objects and five hooks cost
more than the hit itself. This WSGI layer answers exactly that case with the same parts the route uses:
`identify` and the rate limiter, the body memo, ALLOWED_MODELS, `cache_headers`, `guard_headers` and the
access log. Everything else goes to Flask untouched: a query string, a body it has not validated, a miss,
`Cache-Control` or `Prefer` from the caller, a request CORS must answer, a 401 or a 429. What it already
decided (who the caller is, the rate-limit count) travels in the WSGI environ, so nothing is checked or
counted twice, and errors still come from errors.py.
"""

from __future__ import annotations

import io
import logging
import time

from flask import Flask
from werkzeug.http import HTTP_STATUS_CODES

from .api.query_input import MEMO_MAX_BODY, parsed_queries
from .auth import IDENTITY, identify, identity_key
from .cache import Outcome
from .errors import ApiError
from .governance import model_allowed
from .guard import COUNTED, guard_headers
from .http_cache import cache_headers, etag_matches
from .logs import STARTED, log_request, request_id

log = logging.getLogger("looker_proxy.hit_path")
PATH = "/api/query"
STATUS_LINES = {code: f"{code} {HTTP_STATUS_CODES[code].upper()}" for code in (200, 304)}  # as Werkzeug writes them
ROUTE_ONLY = ("QUERY_STRING", "HTTP_PREFER", "HTTP_CACHE_CONTROL")  # ?format=, async and refresh live in the route


class HitPath:
    """WSGI middleware: serve a fresh hit of an already validated query body, hand anything else to Flask."""

    def __init__(self, app: Flask, fallback):
        extensions = app.extensions
        self.fallback = fallback
        self.settings = extensions["settings"]
        self.verifier = extensions["token_verifier"]
        self.limits = extensions["rate_limits"]
        self.cache = extensions["cache"]
        self.hits = extensions["telemetry"].outcomes["HIT"]
        self.memo = parsed_queries(app)
        self.cors = bool(self.settings.cors_origins)

    def __call__(self, environ, start_response):
        if not self._candidate(environ):
            return self.fallback(environ, start_response)
        environ[STARTED] = time.perf_counter()
        try:
            answer = self._answer(environ)
        except Exception:  # a bug here must not cost the request: the route answers it, or reports it properly
            log.exception("hit path failed; the route answers instead", extra={"event": "hit_path_error"})
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

    def _answer(self, environ) -> tuple[str, list, bytes] | None:
        """Return the hit's status, headers and body, or None to let the route answer."""
        raw = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        environ["wsgi.input"] = io.BytesIO(raw)  # rewound for the route
        try:  # the route's order: who is asking, then their rate limit, then the query
            kind, name = identify(
                self.settings, self.verifier, environ.get("HTTP_AUTHORIZATION", ""), environ.get("HTTP_X_API_KEY", "")
            )
        except ApiError as refusal:
            environ[IDENTITY] = refusal
            return None
        environ[IDENTITY] = (kind, name)
        rate, refusal = environ[COUNTED] = self.limits.count(identity_key(kind, name))
        if refusal is not None:
            return None
        known = self.memo.get((raw, None))
        if known is None or not model_allowed(known[0].model, self.settings):
            return None
        entry = self.cache.fresh(known[1])
        if entry is None:
            return None
        headers = cache_headers(self.cache, Outcome(entry, "HIT"))
        if_none_match = environ.get("HTTP_IF_NONE_MATCH")
        if if_none_match and etag_matches(if_none_match, entry.etag):
            status, body = 304, b""
        else:
            status, body = 200, entry.body
            headers.update({"Content-Type": entry.content_type, "Content-Length": str(len(body))})
        rid = request_id(environ.get("HTTP_X_REQUEST_ID", ""))
        listed = [*headers.items(), *guard_headers((), rate), ("X-Request-ID", rid)]
        self.hits.inc()  # counted once the answer is certain, so a fallback to the route never counts it twice
        log_request(
            method="POST",
            path=PATH,
            status=status,
            started=environ[STARTED],
            cache="HIT",
            looker_ms=0.0,
            request_id=rid,
            caller=name,
        )
        return STATUS_LINES[status], listed, body


def init_app(app: Flask) -> None:
    """Put the hit path in front of Flask's request handling; call last, once the cache and limits exist."""
    app.wsgi_app = HitPath(app, app.wsgi_app)
