"""Lock-down around the API: per-caller rate limits, CORS for configured origins, defensive headers."""

from __future__ import annotations

import logging
import math
import re
import time

from flask import Flask, current_app, g, request
from flask_cors import CORS
from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from .auth import PUBLIC_ENDPOINTS, caller_key
from .config import Settings
from .errors import ApiError

log = logging.getLogger("looker_proxy.guard")
ALLOW_HEADERS = ["Authorization", "X-API-Key", "Content-Type", "If-None-Match", "Cache-Control", "Prefer",
                 "X-Request-ID"]
EXPOSE_HEADERS = ["X-Request-ID", "X-Cache", "Cache-Status", "Age", "ETag", "Location", "Retry-After",
                  "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Preference-Applied"]
UNLIMITED = PUBLIC_ENDPOINTS | {"ops.prometheus_metrics"}
SECURITY_HEADERS = (("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
                    ("Referrer-Policy", "no-referrer"))


def origin_pattern(origin: str):
    """Turn `http://localhost:*` style entries into exact-match patterns; plain origins stay strings."""
    if "*" not in origin:
        return origin
    escaped = re.escape(origin).replace(r":\*", r"(:[0-9]{1,5})?").replace(r"\*", r"[A-Za-z0-9-]+")
    return re.compile(f"^{escaped}$")


class RateLimits:
    """RATE_LIMIT per caller with the `limits` library: memory per worker, or Redis shared by every instance.

    Flask-Limiter (built on the same library) resolved its limit configuration on every request, a third of
    a cache hit's time; this does one counter update. When Redis fails, requests are let through (logged
    once per outage): a broken limiter must not take the API down.
    """

    def __init__(self, settings: Settings):
        self.items = parse_many(settings.rate_limit)
        self.storage = storage_from_string(settings.redis_url or "memory://",
                                           **({"socket_timeout": 0.5} if settings.redis_url else {}))
        self.limiter = FixedWindowRateLimiter(self.storage)
        self.failing = False

    def check(self) -> None:
        if request.method == "OPTIONS" or request.endpoint in UNLIMITED or request.url_rule is None:
            return
        key = caller_key()
        try:
            for item in self.items:
                if not self.limiter.hit(item, "lp-limits", key):
                    reset = self.limiter.get_window_stats(item, "lp-limits", key).reset_time
                    retry = max(1, math.ceil(reset - time.time()))
                    g.rate_headers = (item.amount, 0, int(reset))
                    raise ApiError(429, f"Over the rate limit of {item}; try again in {retry} s.",
                                   headers={"Retry-After": str(retry)})
            g.rate_headers = (self.items[0].amount,)  # remaining and reset only on 429: one storage call, not two
            self.failing = False
        except ApiError:
            raise
        except Exception as exc:  # noqa: BLE001 - the storage (Redis) failed: let the request through
            if not self.failing:
                log.warning("rate limit storage unavailable; not limiting", extra={
                    "event": "rate_limit_storage_down", "error": type(exc).__name__})
            self.failing = True


def _check_limits() -> None:
    current_app.extensions["rate_limits"].check()


RATE_NAMES = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def _finish(response):
    headers = response.headers
    extra = [(name, value) for name, value in SECURITY_HEADERS if name not in headers]
    extra += [(name, str(value)) for name, value in zip(RATE_NAMES, g.get("rate_headers", ()), strict=False)]
    headers.extend(extra)  # one pass over werkzeug's header list instead of one per header
    return response


def init_app(app: Flask, settings: Settings) -> None:
    """Bind CORS (only for CORS_ORIGINS), per-caller limits and defensive headers; call after auth."""
    if settings.cors_origins:
        CORS(app, origins=[origin_pattern(o) for o in settings.cors_origins], supports_credentials=True,
             allow_headers=ALLOW_HEADERS, expose_headers=EXPOSE_HEADERS, max_age=600)
    app.extensions["rate_limits"] = RateLimits(settings)
    app.before_request(_check_limits)
    app.after_request(_finish)
