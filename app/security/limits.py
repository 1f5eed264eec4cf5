"""Per-caller rate limits (RATE_LIMIT), counted in memory per worker or in Redis across instances."""

from __future__ import annotations

import logging
import math
import time

from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from app.config import Settings
from app.errors import ApiError

from .identity import PUBLIC_ENDPOINTS

log = logging.getLogger("looker_proxy.limits")
UNLIMITED = PUBLIC_ENDPOINTS | {"ops.prometheus_metrics"}


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
