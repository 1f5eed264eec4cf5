"""Lock-down around the API: per-caller rate limits, CORS for configured origins, defensive headers."""

from __future__ import annotations

import re

from flask import Flask, g, request
from flask_cors import CORS
from flask_limiter import Limiter

from .auth import PUBLIC_ENDPOINTS, caller
from .config import Settings

ALLOW_HEADERS = ["Authorization", "X-API-Key", "Content-Type", "If-None-Match", "Cache-Control", "Prefer",
                 "X-Request-ID"]
EXPOSE_HEADERS = ["X-Request-ID", "X-Cache", "Cache-Status", "Age", "ETag", "Location", "Retry-After",
                  "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Preference-Applied"]
UNLIMITED = PUBLIC_ENDPOINTS | {"ops.prometheus_metrics"}


def origin_pattern(origin: str):
    """Turn `http://localhost:*` style entries into exact-match patterns; plain origins stay strings."""
    if "*" not in origin:
        return origin
    escaped = re.escape(origin).replace(r":\*", r"(:[0-9]{1,5})?").replace(r"\*", r"[A-Za-z0-9-]+")
    return re.compile(f"^{escaped}$")


def _limit_key() -> str:
    return "caller:" + caller()


def _secure_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


def _keep_our_retry_after(response):
    """Flask-Limiter stretches any Retry-After to its window; a Looker 503 keeps the delay it asked for."""
    ours = g.get("retry_after")
    if ours is not None:
        response.headers["Retry-After"] = ours
    return response


def init_app(app: Flask, settings: Settings) -> Limiter:
    """Bind CORS (only for CORS_ORIGINS), per-caller limits (shared through Redis when set) and headers."""
    if settings.cors_origins:
        CORS(app, origins=[origin_pattern(o) for o in settings.cors_origins], supports_credentials=True,
             allow_headers=ALLOW_HEADERS, expose_headers=EXPOSE_HEADERS, max_age=600)
    app.after_request(_keep_our_retry_after)  # registered first, so it runs after the limiter's own hook
    limiter = Limiter(_limit_key, app=app, default_limits=[settings.rate_limit],
                      storage_uri=settings.redis_url or "memory://", headers_enabled=True, swallow_errors=True,
                      in_memory_fallback_enabled=bool(settings.redis_url), key_prefix="lp-limits",
                      default_limits_exempt_when=lambda: request.endpoint in UNLIMITED)
    app.extensions["limiter"] = limiter
    app.after_request(_secure_headers)
    return limiter
