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
ALLOW_HEADERS = [
    "Authorization",
    "X-API-Key",
    "Content-Type",
    "If-None-Match",
    "Cache-Control",
    "Prefer",
    "X-Request-ID",
]
EXPOSE_HEADERS = [
    "X-Request-ID",
    "X-Cache",
    "Cache-Status",
    "Age",
    "ETag",
    "Location",
    "Retry-After",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "Preference-Applied",
]
UNLIMITED = PUBLIC_ENDPOINTS | {"ops.prometheus_metrics"}
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
)
RATE_NAMES = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
COUNTED = "looker_proxy.rate"  # WSGI environ key: RateLimits.count's answer, handed over by the hit path


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
        self.storage = storage_from_string(
            settings.redis_url or "memory://", **({"socket_timeout": 0.5} if settings.redis_url else {})
        )
        self.limiter = FixedWindowRateLimiter(self.storage)
        self.failing = False

    def count(self, key: str) -> tuple[tuple, ApiError | None]:
        """Count one request of the caller `key`; return its X-RateLimit values and the 429 if it is over."""
        try:
            for item in self.items:
                if not self.limiter.hit(item, "lp-limits", key):
                    reset = self.limiter.get_window_stats(item, "lp-limits", key).reset_time
                    retry = max(1, math.ceil(reset - time.time()))
                    return (item.amount, 0, int(reset)), ApiError(
                        429,
                        f"Over the rate limit of {item}; try again in {retry} s.",
                        headers={"Retry-After": str(retry)},
                    )
            self.failing = False
            return (self.items[0].amount,), None  # remaining and reset only on 429: one storage call, not two
        except Exception as exc:  # noqa: BLE001 - the storage (Redis) failed: let the request through
            if not self.failing:
                log.warning(
                    "rate limit storage unavailable; not limiting",
                    extra={"event": "rate_limit_storage_down", "error": type(exc).__name__},
                )
            self.failing = True
            return (), None

    def check(self) -> None:
        """Count the current request (unless the hit path already did), raising 429 when it is over."""
        if request.method == "OPTIONS" or request.endpoint in UNLIMITED or request.url_rule is None:
            return
        g.rate_headers, refusal = request.environ.get(COUNTED) or self.count(caller_key())
        if refusal is not None:
            raise refusal


def _check_limits() -> None:
    current_app.extensions["rate_limits"].check()


def guard_headers(present, rate: tuple) -> list[tuple[str, str]]:
    """Return the defensive headers missing from `present` and the X-RateLimit headers for `rate`."""
    extra = [(name, value) for name, value in SECURITY_HEADERS if name not in present]
    extra += [(name, str(value)) for name, value in zip(RATE_NAMES, rate, strict=False)]
    return extra


def _finish(response):
    response.headers.extend(guard_headers(response.headers, g.get("rate_headers", ())))  # one pass, not one per header
    return response


def init_app(app: Flask, settings: Settings) -> None:
    """Bind CORS (only for CORS_ORIGINS), per-caller limits and defensive headers; call after auth."""
    if settings.cors_origins:
        CORS(
            app,
            origins=[origin_pattern(o) for o in settings.cors_origins],
            supports_credentials=True,
            allow_headers=ALLOW_HEADERS,
            expose_headers=EXPOSE_HEADERS,
            max_age=600,
        )
    app.extensions["rate_limits"] = RateLimits(settings)
    app.before_request(_check_limits)
    app.after_request(_finish)
