"""Per-caller rate limits (RATE_LIMIT), counted per worker in memory or across instances in Redis.

A Redis round trip per request cost a cache hit with `REDIS_URL` about 60% of its time (py-spy), so each
process takes counts from the shared counter in leases: one INCRBY of a batch, then that many requests
counted here with no network. A lease is never more than an eighth of what is left in the window (at most
`LEASE_MAX`), so near the limit leases shrink to one count and the shared counter stays exact. Trade-off,
chosen on purpose: nothing is admitted past the limit across instances, but a caller may be refused a few
requests early while another process still holds unused counts of the same window. Within a process one
request renews a caller's lease while that caller's other requests wait for it: fifty concurrent first
requests each taking a batch would spend the window on counts nobody uses.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from cachetools import LRUCache
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string

from app.config import Settings
from app.errors import ApiError

from .identity import PUBLIC_ENDPOINTS

log = logging.getLogger("looker_proxy.limits")
UNLIMITED = PUBLIC_ENDPOINTS | {"ops.prometheus_metrics"}
LEASE_MAX = 64  # counts taken from Redis in one round trip, at most
LEASE_SHARE = 8  # a lease is at most this fraction (1/8) of what is left in the window
CALLERS_KEPT = 20_000  # leases remembered per process; a forgotten lease only costs its unused counts
STORAGE_RETRY_SECONDS = 1.0  # after Redis fails, requests pass uncounted this long before it is asked again
REDIS_TIMEOUT = 0.5  # seconds for one Redis connect or answer
RENEWAL_WAIT_SECONDS = 2 * REDIS_TIMEOUT + 0.5  # a request waits this long for another's lease renewal
REDIS_OPTIONS = {"socket_timeout": REDIS_TIMEOUT, "socket_connect_timeout": REDIS_TIMEOUT}


@dataclass
class Lease:
    """Counts this process holds for one caller, one limit and one window."""

    window: int  # which window of the limit (time // period) the counts belong to
    left: int = 0  # counts taken from the shared counter and not yet used
    seen: int = 0  # the shared counter after this process's last lease
    spent: bool = False  # the shared counter reached the limit: refuse until the window ends
    renewal: threading.Event | None = None  # set when the request renewing the lease has its answer


class RateLimits:
    """RATE_LIMIT per caller, each limit a fixed window aligned to the clock, counted in leased batches.

    The `limits` library parses RATE_LIMIT and keeps the counters (memory per worker, or Redis shared by
    every instance). When Redis fails, requests are let through (logged once per outage) and Redis is asked
    again a second later: a broken limiter must not take the API down, nor slow every request to its timeout.
    """

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.time):
        self.items: list[RateLimitItem] = parse_many(settings.rate_limit)
        self.storage = storage_from_string(
            settings.redis_url or "memory://", **(REDIS_OPTIONS if settings.redis_url else {})
        )
        self.clock = clock
        self.leases: LRUCache[tuple[int, str], Lease] = LRUCache(CALLERS_KEPT)
        self.lock = threading.Lock()
        self.down_until = 0.0  # while Redis is failing: when to ask it again
        self.failing = False

    def count(self, key: str) -> tuple[tuple, ApiError | None]:
        """Count one request of the caller `key`; return its X-RateLimit values and the 429 if it is over."""
        now = self.clock()
        for index, item in enumerate(self.items):
            reset = self._take(index, item, key, now)
            if reset is not None:
                retry = max(1, math.ceil(reset - now))
                return (item.amount, 0, int(reset)), ApiError(
                    429,
                    f"Over the rate limit of {item}; try again in {retry} s.",
                    headers={"Retry-After": str(retry)},
                )
        return (self.items[0].amount,), None  # remaining and reset only on 429: the count is not exact here

    def _take(self, index: int, item: RateLimitItem, key: str, now: float) -> float | None:
        """Take one count of `item` for `key`; return when its window ends if none is left, else None."""
        period = item.get_expiry()
        window = int(now // period)
        while True:
            with self.lock:
                lease = self.leases.get((index, key))
                if lease is None or lease.window != window:  # a new window: unused counts of the last one lapse
                    lease = self.leases[(index, key)] = Lease(window)
                if lease.left > 0:
                    lease.left -= 1
                    return None
                if lease.spent:
                    return (window + 1) * period
                renewal = lease.renewal
                if renewal is None:  # this request renews the lease; the others of this caller wait for it
                    renewal = lease.renewal = threading.Event()
                    want = max(1, min(LEASE_MAX, (item.amount - lease.seen) // LEASE_SHARE))
                    break
            if not renewal.wait(RENEWAL_WAIT_SECONDS):
                return None  # the renewal is stuck on a slow storage: let the request through
        try:
            total = self._lease(f"{item.key_for('lp-limits', key)}/{window}", period, want, now)
            with self.lock:
                if total is None:
                    return None  # the shared counter is unavailable: let the request through
                lease.seen = max(lease.seen, total)
                granted = min(want, item.amount - (total - want))
                if granted <= 0:
                    lease.spent = True
                    return (window + 1) * period
                lease.left += granted - 1
                return None
        finally:
            with self.lock:
                lease.renewal = None
            renewal.set()

    def _lease(self, counter: str, period: int, amount: int, now: float) -> int | None:
        """Add `amount` to the shared `counter` and return its total, or None while the storage fails."""
        if now < self.down_until:
            return None
        try:
            total = self.storage.incr(counter, period + 1, amount=amount)  # kept a second past its window
        except Exception as exc:  # noqa: BLE001 - the storage (Redis) failed: let the request through
            self.down_until = now + STORAGE_RETRY_SECONDS
            if not self.failing:
                log.warning(
                    "rate limit storage unavailable; not limiting",
                    extra={"event": "rate_limit_storage_down", "error": type(exc).__name__},
                )
            self.failing = True
            return None
        if self.failing:
            log.info("rate limit storage back; limiting again", extra={"event": "rate_limit_storage_back"})
        self.failing = False
        return total
