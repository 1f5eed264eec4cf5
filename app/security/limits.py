"""Per-caller rate limits (RATE_LIMIT), counted per worker in memory or across instances in Redis.

A Redis round trip per request cost a cache hit with `REDIS_URL` about 60% of its time (py-spy), so with
Redis each process takes counts from the shared counter in leases: one script call for a batch, then that
many requests counted here with no network. A caller's first lease in a window is one count and each next
one doubles, up to `LEASE_MAX` and never past an eighth of what the shared counter said was left, so a busy
caller costs about one round trip per 64 requests. Counts a process holds but stops using (the caller went
to another instance, or was forgotten here) go back to the shared counter after `IDLE_SECONDS`, and a
refused caller is asked about again each `RECHECK_SECONDS`, so a caller that moves between instances keeps
its limit. Nothing is admitted past the limit; for about a second after moving, a caller near its limit may
be refused while another process still holds its counts. One request renews a caller's lease while that
caller's other requests wait for it (fifty concurrent first requests each taking a batch would spend the
window on counts nobody uses). Without Redis each worker counts exactly, one count at a time. A window
starts at the caller's first request, as in the `limits` library's fixed window.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from cachetools import LRUCache
from limits import RateLimitItem, parse_many

from app.config import Settings
from app.errors import ApiError

from .counters import REDIS_TIMEOUT, Counters, MemoryCounters, RedisCounters
from .identity import PUBLIC_ENDPOINTS

log = logging.getLogger("looker_proxy.limits")
UNLIMITED = PUBLIC_ENDPOINTS | {"ops.prometheus_metrics"}
LEASE_MAX = 64  # counts taken from Redis in one round trip, at most
LEASE_SHARE = 8  # a lease is at most this fraction (1/8) of what is left in the window
CALLERS_KEPT = 20_000  # leases remembered per process; a forgotten one gives its counts back
IDLE_SECONDS = 1.0  # a lease unused this long gives its counts back
RECHECK_SECONDS = 1.0  # a refused caller's counter is read again this often: counts may have come back
STORAGE_RETRY_SECONDS = 1.0  # after Redis fails, requests pass uncounted this long before one asks again
RENEWAL_WAIT_SECONDS = 4 * REDIS_TIMEOUT  # a request waits this long for another's lease renewal
COUNTER_PREFIX = "lp-rate"  # counters are hashes (count, window id); the earlier string counters were lp-limits


@dataclass
class Lease:
    """Counts this process holds for one caller under one limit, in the current window."""

    counter: str  # the shared counter's name
    period: int  # the window's length in seconds
    ends: float = 0.0  # when the window ends (0: not known until the first renewal)
    window: str = ""  # the shared window's id: counts given back name it
    left: int = 0  # counts taken from the shared counter and not yet used
    seen: int = 0  # the shared counter after this process's last renewal
    size: int = 1  # counts asked for at the next renewal, doubling
    used: float = 0.0  # when a count was last taken
    refused_until: float = 0.0  # the window was spent when last asked: refuse until then
    renewal: threading.Event | None = None  # set when the request renewing the lease has its answer


class Leases(LRUCache):
    """The leases of the callers seen most recently; a forgotten lease's unused counts are set aside."""

    def __init__(self, maxsize: int, forgotten: list):
        super().__init__(maxsize)
        self.forgotten = forgotten

    def popitem(self):
        key, lease = super().popitem()
        if lease.left:
            self.forgotten.append((lease.counter, lease.period, lease.left, lease.window))
        return key, lease


class RateLimits:
    """RATE_LIMIT per caller: the `limits` library parses it; counters in memory or Redis, leased out.

    When Redis fails, requests are let through (logged once per outage and process): only the requests
    that meet the failure wait out its timeout, none waits for a renewal once Redis is known to be failing,
    and one request asks again a second after the failure. A broken limiter must not take the API down.
    Windows run on the wall clock, as in the `limits` library; a large clock step moves them with it.
    """

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.time, sweep: bool = True):
        parsed = parse_many(settings.rate_limit)
        self.headline = parsed[0].amount  # X-RateLimit-Limit: the first limit written
        # shortest window first, so a request refused by a per-second limit takes no per-hour count
        self.items: list[RateLimitItem] = sorted(dict.fromkeys(parsed), key=lambda item: item.get_expiry())
        self.clock = clock
        self.counters: Counters = (
            RedisCounters(settings.redis_url, clock) if settings.redis_url else MemoryCounters(clock)
        )
        self.lease_max = LEASE_MAX if self.counters.shared else 1  # one worker's own counter needs no lease
        self.lock = threading.Lock()
        self.forgotten: list = []
        self.leases: Leases = Leases(CALLERS_KEPT, self.forgotten)
        self.failing = False  # Redis failed at the last attempt
        self.probing = False  # one request is asking a failing Redis whether it is back
        self.down_until = 0.0  # while failing: when a request may ask again
        self.sweeper = 0 if sweep else -1  # the process id whose give-back thread runs (-1: never, for tests)

    def count(self, key: str) -> tuple[tuple, ApiError | None]:
        """Count one request of the caller `key`; return its X-RateLimit values and the 429 if it is over."""
        if self.counters.shared and self.sweeper not in (-1, os.getpid()):
            self._start_sweeper()
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
        return (self.headline,), None  # remaining and reset only on 429: the count is not exact here

    def _take(self, index: int, item: RateLimitItem, key: str, now: float) -> float | None:
        """Take one count of `item` for `key`; return when its window ends if none is left, else None."""
        while True:
            with self.lock:
                lease = self.leases.get((index, key))
                if lease is None or (lease.ends and now >= lease.ends):  # unused counts lapse with their window
                    lease = self.leases[(index, key)] = Lease(item.key_for(COUNTER_PREFIX, key), item.get_expiry())
                if lease.left > 0:
                    lease.left -= 1
                    lease.used = now
                    return None
                if now < lease.refused_until:
                    return lease.ends
                renewal = lease.renewal
                if renewal is None:  # this request renews the lease; the others of this caller wait for it
                    renewal = lease.renewal = threading.Event()
                    recheck = lease.refused_until > 0  # a spent window: read it, take nothing
                    want = (
                        0
                        if recheck
                        else max(1, min(lease.size, self.lease_max, (item.amount - lease.seen) // LEASE_SHARE))
                    )
                    break
                if self.failing:
                    return None  # Redis is failing: do not wait for it
            if not renewal.wait(RENEWAL_WAIT_SECONDS):
                return None  # the renewal is stuck on a slow storage: let the request through
        try:
            answer = self._add(lease.counter, lease.period, want)
            with self.lock:
                if answer is None:
                    return None  # the shared counter is unavailable: let the request through
                total, lease.ends, lease.window = answer
                lease.seen = total
                if recheck:
                    lease.refused_until = 0.0 if total < item.amount else min(lease.ends, now + RECHECK_SECONDS)
                    if lease.refused_until:
                        return lease.ends
                else:
                    granted = min(want, item.amount - (total - want))
                    if granted < want and self.counters.shared:  # taken past the limit: back at the next give-back
                        self.forgotten.append((lease.counter, lease.period, want - max(granted, 0), lease.window))
                    if granted <= 0:
                        lease.refused_until = min(lease.ends, now + RECHECK_SECONDS)
                        return lease.ends
                    lease.size, lease.used, lease.left = 2 * want, now, lease.left + granted - 1
                    if self.leases.get((index, key)) is not lease:  # replaced meanwhile: nobody will use these
                        self.forgotten.append((lease.counter, lease.period, lease.left, lease.window))
                        lease.left = 0
                    return None
        finally:
            with self.lock:
                lease.renewal = None
            renewal.set()
        return self._take(index, item, key, now)  # counts came back to a spent window: ask for one

    def give_back(self) -> int:
        """Return the unused counts of idle and forgotten leases to the shared counters; return how many."""
        now = self.clock()
        with self.lock:
            returns, self.forgotten[:] = list(self.forgotten), []
            for lease in self.leases.values():
                if lease.left and lease.renewal is None and now - lease.used >= IDLE_SECONDS:
                    returns.append((lease.counter, lease.period, lease.left, lease.window))
                    lease.left, lease.size = 0, 1  # an idle caller starts small again
        given = 0
        for counter, period, left, window in returns:
            answer = self._add(counter, period, -left, window)  # refused by a window other than its own
            if answer is not None and answer[2] == window:
                given += left
        return given

    def close(self) -> None:
        """Stop giving back and let go of the counters' connections."""
        self.sweeper = -1
        self.counters.close()

    def _start_sweeper(self) -> None:
        with self.lock:
            if self.sweeper == os.getpid():
                return
            self.sweeper = os.getpid()  # per process: a forked child starts its own

        def sweep():
            while self.sweeper == os.getpid():
                time.sleep(IDLE_SECONDS / 2)
                try:
                    self.give_back()
                except Exception:  # noqa: BLE001 - a sweep that fails leaves the counts to their window's end
                    log.debug("rate limit give-back failed", exc_info=True)

        threading.Thread(target=sweep, name="looker-proxy-limits", daemon=True).start()

    def _add(self, counter: str, period: int, amount: int, window: str = "") -> tuple[int, float, str] | None:
        """Add `amount` to the shared `counter`; return its total, window end and window id, or None if it failed."""
        with self.lock:
            if self.failing and (self.probing or self.clock() < self.down_until):
                return None
            self.probing = self.failing
        try:
            answer = self.counters.add(counter, period, amount, window)
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
        return answer
