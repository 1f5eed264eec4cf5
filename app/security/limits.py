"""Per-caller rate limits (RATE_LIMIT), counted per worker in memory or across instances in Redis.

A Redis round trip per request cost a cache hit with `REDIS_URL` about 60% of its time (py-spy), so each
process takes counts from the shared counter in leases: one counter update (the `limits` library's INCRBY
and EXPIRE script) for a batch, then that many requests counted here with no network. A caller's first
lease in a window is one count and each next one doubles, up to `LEASE_MAX` and never past an eighth of
what the shared counter said was left: a process that served a caller once holds nothing back, a busy one
asks Redis about once per 64 requests, and near the limit leases shrink to one count. Nothing is admitted
past the limit across instances; a caller may be refused a few requests early while another process still
holds counts of the same window. Within a process one request renews a caller's lease while that caller's
other requests wait for it: fifty concurrent first requests each taking a batch would spend the window on
counts nobody uses. A window starts at the caller's first request, as the `limits` library's fixed window.
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
CALLERS_KEPT = 20_000  # leases remembered per process; a forgotten one costs its few unused counts, once
STORAGE_RETRY_SECONDS = 1.0  # after Redis fails, requests pass uncounted this long before one asks again
REDIS_TIMEOUT = 0.5  # seconds for one Redis connect or answer
REDIS_OPTIONS = {"socket_timeout": REDIS_TIMEOUT, "socket_connect_timeout": REDIS_TIMEOUT}
RENEWAL_WAIT_SECONDS = 4 * REDIS_TIMEOUT  # a request waits this long for another's lease renewal


@dataclass
class Lease:
    """Counts this process holds for one caller under one limit, in the current window."""

    ends: float = 0.0  # when the window ends (0: not known until the first renewal)
    left: int = 0  # counts taken from the shared counter and not yet used
    seen: int = 0  # the shared counter after this process's last renewal
    size: int = 1  # counts asked for at the next renewal, doubling
    spent: bool = False  # the shared counter reached the limit: refuse until the window ends
    renewal: threading.Event | None = None  # set when the request renewing the lease has its answer


class RateLimits:
    """RATE_LIMIT per caller: the `limits` library parses it and keeps the counters, leased out in batches.

    Without REDIS_URL the counters are in memory, so each worker counts its own. When Redis fails, requests
    are let through (logged once per outage) and one request asks Redis again a second after the failure:
    a broken limiter must not take the API down, nor hold every request for its timeout.
    """

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.time):
        self.items: list[RateLimitItem] = parse_many(settings.rate_limit)
        options = REDIS_OPTIONS if settings.redis_url else {}
        self.storage = storage_from_string(settings.redis_url or "memory://", **options)
        self.clock = clock
        self.leases: LRUCache[tuple[int, str], Lease] = LRUCache(CALLERS_KEPT)
        self.lock = threading.Lock()
        self.failing = False  # Redis failed at the last attempt
        self.probing = False  # one request is asking a failing Redis whether it is back
        self.down_until = 0.0  # while failing: when a request may ask again

    def count(self, key: str) -> tuple[tuple, ApiError | None]:
        """Count one request of the caller `key`; return its X-RateLimit values and the 429 if it is over."""
        now = self.clock()
        for index, item in enumerate(self.items):
            ends = self._take(index, item, key, now)
            if ends is not None:
                retry = max(1, math.ceil(ends - now))
                return (item.amount, 0, math.ceil(ends)), ApiError(
                    429,
                    f"Over the rate limit of {item}; try again in {retry} s.",
                    headers={"Retry-After": str(retry)},
                )
        return (self.items[0].amount,), None  # remaining and reset only on 429: the count is not exact here

    def _take(self, index: int, item: RateLimitItem, key: str, now: float) -> float | None:
        """Take one count of `item` for `key`; return when its window ends if none is left, else None."""
        while True:
            with self.lock:
                lease = self.leases.get((index, key))
                if lease is None or (lease.ends and now >= lease.ends):  # unused counts lapse with their window
                    lease = self.leases[(index, key)] = Lease()
                if lease.left > 0:
                    lease.left -= 1
                    return None
                if lease.spent:
                    return lease.ends
                renewal = lease.renewal
                if renewal is None:  # this request renews the lease; the others of this caller wait for it
                    renewal = lease.renewal = threading.Event()
                    want = max(1, min(lease.size, LEASE_MAX, (item.amount - lease.seen) // LEASE_SHARE))
                    break
            if not renewal.wait(RENEWAL_WAIT_SECONDS):
                return None  # the renewal is stuck on a slow storage: let the request through
        try:
            counted = self._renew(item.key_for("lp-limits", key), item.get_expiry(), want, lease.ends)
            with self.lock:
                if counted is None:
                    return None  # the shared counter is unavailable: let the request through
                total, lease.ends = counted
                lease.seen, lease.size = max(lease.seen, total), 2 * want
                granted = min(want, item.amount - (total - want))
                if granted <= 0:
                    lease.spent = True
                    return lease.ends
                lease.left += granted - 1
                return None
        finally:
            with self.lock:
                lease.renewal = None
            renewal.set()

    def _renew(self, counter: str, period: int, amount: int, ends: float) -> tuple[int, float] | None:
        """Add `amount` to the shared `counter`; return its total and its window's end, or None if it failed."""
        with self.lock:
            if self.failing and (self.probing or self.clock() < self.down_until):
                return None
            self.probing = self.failing
        try:
            total = self.storage.incr(counter, period, amount=amount)
            if total == amount:  # this update started the window
                ends = self.clock() + period
            elif not ends:  # another process started it: ask when it ends, once per window
                ends = self.storage.get_expiry(counter)
        except Exception as exc:  # noqa: BLE001 - the storage (Redis) failed: let the request through
            with self.lock:
                self.down_until, self.probing = self.clock() + STORAGE_RETRY_SECONDS, False
                first, self.failing = not self.failing, True
            if first:
                log.warning(
                    "rate limit storage unavailable; not limiting",
                    extra={"event": "rate_limit_storage_down", "error": type(exc).__name__},
                )
            return None
        with self.lock:
            back, self.failing, self.probing = self.failing, False, False
        if back:
            log.info("rate limit storage back; limiting again", extra={"event": "rate_limit_storage_back"})
        return total, ends
