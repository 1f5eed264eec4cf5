"""The counters rate limits are kept in: this worker's memory, or Redis shared by every instance.

Both answer one question in one step: add this many to a caller's counter for a window of this length, and
say the new total and when the window ends. Redis does it in one script (INCRBY, the expiry of a new window,
PTTL), so a renewal is one round trip and its window's end is known to the millisecond.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

import redis
from cachetools import TLRUCache

# A negative amount gives counts back, but only to a window that still exists: never to a new one.
ADD_SCRIPT = """
local amount = tonumber(ARGV[1])
if amount < 0 and redis.call('EXISTS', KEYS[1]) == 0 then
  return {0, 0}
end
local total = redis.call('INCRBY', KEYS[1], amount)
if total == amount then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return {total, redis.call('PTTL', KEYS[1])}
"""
REDIS_TIMEOUT = 0.5  # seconds for one Redis connect or answer
MEMORY_COUNTERS = 100_000  # callers counted per worker without Redis; the least recent beyond are forgotten


class Counters(Protocol):
    shared: bool  # counted across processes: worth leasing out in batches

    def add(self, counter: str, period: int, amount: int) -> tuple[int, float]:
        """Add `amount` to `counter` (a window of `period` seconds); return its total and when the window ends."""
        ...


class MemoryCounters:
    """One worker's counters, each dropped when its window ends."""

    shared = False

    def __init__(self, clock: Callable[[], float] = time.time):
        self.clock = clock
        self.lock = threading.Lock()
        self.windows: TLRUCache[str, list] = TLRUCache(
            MEMORY_COUNTERS, ttu=lambda _key, window, _now: window[1], timer=clock
        )

    def add(self, counter: str, period: int, amount: int) -> tuple[int, float]:
        """Add `amount` to `counter`, starting its window if it has none; return its total and the window's end."""
        with self.lock:
            window = self.windows.get(counter)
            if window is None:
                if amount < 0:
                    return 0, 0.0
                window = self.windows[counter] = [0, self.clock() + period]
            window[0] += amount
            return window[0], window[1]


class RedisCounters:
    """Counters in Redis, one script call per update."""

    shared = True

    def __init__(self, url: str, clock: Callable[[], float] = time.time):
        self.clock = clock
        self.client = redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT)
        self.script = self.client.register_script(ADD_SCRIPT)

    def add(self, counter: str, period: int, amount: int) -> tuple[int, float]:
        """Add `amount` to `counter` in one round trip; return its total and when its window ends."""
        total, left_ms = self.script(keys=[counter], args=[amount, period * 1000])
        return int(total), self.clock() + max(int(left_ms), 0) / 1000

    def close(self) -> None:
        """Close this process's connections to Redis."""
        self.client.close()
