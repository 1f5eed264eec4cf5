"""The front door: one WSGI layer that every request passes, answered by a route or from the cache.

Dashboards ask the same few questions over and over, so most traffic is a fresh cached answer. Through Flask
such an answer cost more in contexts, routing and hooks than the hit itself, and a second copy of the route's
pipeline for the fast case (the old hit path) had to re-implement every concern or give up: a browser's
Origin, a Look, a dashboard or Redis sent requests back to the slow route. So the concerns themselves live
here, once, in the order a request meets them:

1. request id (the caller's if sane), arrival time, and one access log line when the answer starts;
2. CORS: preflights answered at once; listed origins get CORS headers, every answer `Vary: Origin`;
3. routing (Flask's own url map), then identity (API key or JWT) and the caller's rate limit for every
   endpoint that needs them; a refusal is the same problem+json errors.py builds;
4. a fresh cached answer, if the endpoint registered a fast answer (api/fast.py) and it finds one:
   the route's own key, governance and `cached_answer`, so both ways give the same bytes and headers;
5. otherwise Flask's route, with everything above already decided (RequestState, state.py);
6. on the way out, for both: the defensive headers, X-RateLimit-*, X-Request-ID, CORS, and no Content-Type
   on an answer without a body.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from flask import Flask
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from app.cache.http import CachedAnswer
from app.errors import ApiError, problem_answer
from app.logs import log_request, request_id
from app.security.identity import PUBLIC_ENDPOINTS, identify, identity_key
from app.security.limits import UNLIMITED
from app.security.people import looker_user
from app.services import Services

from .cors import Cors
from .state import KEY, RequestState, enter, leave

log = logging.getLogger("looker_proxy.frontdoor")
FastAnswer = Callable[[dict, dict, Services], CachedAnswer | None]  # (environ, view args, services)
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
)
RATE_NAMES = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
STATUS_LINES = {code: f"{code} {name.upper()}" for code, name in HTTP_STATUS_CODES.items()}  # as Werkzeug writes
ROUTES_REMEMBERED = 1024  # (method, path) pairs whose routing is kept; past that the memo starts over


class FrontDoor:
    """WSGI middleware in front of Flask: the cross-cutting concerns once, and fresh cached answers."""

    def __init__(self, app: Flask, parts: Services, answers: dict[str, FastAnswer]):
        self.route = app.wsgi_app
        self.url_map = app.url_map
        self.routes: dict[tuple, tuple[str | None, dict]] = {}  # routing a hit cost a tenth of its time
        self.parts = parts
        self.cors = Cors(parts.settings)
        self.answers = answers

    def __call__(self, environ, start_response):
        state = RequestState(time.perf_counter(), request_id(environ.get("HTTP_X_REQUEST_ID", "")))
        environ[KEY] = state
        token = enter(state)
        try:
            return self._serve(environ, start_response, state)
        finally:
            leave(token)

    def _serve(self, environ, start_response, state: RequestState):
        origin = environ.get("HTTP_ORIGIN")
        method = environ["REQUEST_METHOD"]
        if method == "OPTIONS" and origin and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ:
            if self.cors.allowed(origin):
                return self._answer(environ, start_response, state, 204, self.cors.preflight(origin), b"")
        endpoint, args = self._match(environ)
        if endpoint is not None and method != "OPTIONS" and endpoint not in PUBLIC_ENDPOINTS:
            refusal = self._admit(environ, state, endpoint)
            if refusal is not None:
                status, headers, body = problem_answer(refusal)
                return self._answer(environ, start_response, state, status, headers, body)
            fast = self.answers.get(endpoint)
            found = self._fast(fast, environ, args) if fast is not None else None
            if found is not None:
                return self._answer(environ, start_response, state, found.status, [*found.headers.items()], found.body)

        def finish(status_line: str, headers: list, exc_info=None):
            headers = self._outgoing(environ, state, int(status_line[:3]), headers)
            return start_response(status_line, headers, exc_info)

        return self.route(environ, finish)

    def _match(self, environ) -> tuple[str | None, dict]:
        """Return the endpoint and view arguments Flask will route to (None: unknown, wrong method, redirect)."""
        asked = (environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""))
        if self.url_map.host_matching:
            asked += (environ.get("HTTP_HOST", ""),)
        known = self.routes.get(asked)
        if known is None:
            try:
                known = self.url_map.bind_to_environ(environ).match()
            except HTTPException:
                known = None, {}
            if len(self.routes) >= ROUTES_REMEMBERED:
                self.routes.clear()
            self.routes[asked] = known
        return known[0], dict(known[1])

    def _admit(self, environ, state: RequestState, endpoint: str) -> ApiError | None:
        """Identify the caller and count their rate limit; return the refusal, if any."""
        parts = self.parts
        try:
            caller = identify(
                parts.settings, parts.verifier, environ.get("HTTP_AUTHORIZATION", ""), environ.get("HTTP_X_API_KEY", "")
            )
            state.identity = caller.identity
            state.user = looker_user(parts.settings, caller)  # per-user data: who this caller is in Looker
        except ApiError as refusal:
            return refusal
        if endpoint in UNLIMITED:
            return None
        state.rate, refusal = parts.limits.count(identity_key(*state.identity))
        return refusal

    def _fast(self, fast: FastAnswer, environ, args: dict) -> CachedAnswer | None:
        """Return a fresh cached answer, or None for the route; a bug here costs the route, not the request."""
        try:
            return fast(environ, args, self.parts)
        except Exception:
            log.exception("fast answer failed; the route answers instead", extra={"event": "fast_answer_error"})
            return None

    def _answer(self, environ, start_response, state: RequestState, status: int, headers: list, body: bytes):
        start_response(STATUS_LINES[status], self._outgoing(environ, state, status, headers))
        return [body]

    def _outgoing(self, environ, state: RequestState, status: int, headers: list) -> list:
        """Return an answer's headers with everything the front door adds, and write the access line."""
        present = {name.lower(): value for name, value in headers}
        if status in (204, 304) or present.get("content-length") == "0":
            headers = [(n, v) for n, v in headers if n.lower() != "content-type"]  # no body, no type
        headers.extend((name, value) for name, value in SECURITY_HEADERS if name.lower() not in present)
        headers.extend((name, str(value)) for name, value in zip(RATE_NAMES, state.rate, strict=False))
        headers.append(("X-Request-ID", state.request_id))
        headers.extend(self.cors.headers(environ.get("HTTP_ORIGIN")))
        log_request(
            method=environ["REQUEST_METHOD"],
            path=environ.get("PATH_INFO", ""),
            status=status,
            started=state.started,
            cache=present.get("x-cache"),
            looker_ms=state.looker_ms,
            request_id=state.request_id,
            caller=state.identity[1],
        )
        return headers


def wrap(app: Flask, parts: Services, answers: dict[str, FastAnswer]) -> None:
    """Put the front door in front of Flask; call last, once every blueprint is registered."""
    app.wsgi_app = FrontDoor(app, parts, answers)
