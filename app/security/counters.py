"""The counters rate limits are kept in: this worker's memory, or Redis shared by every instance.

Both answer one question in one step: add this many to a caller's counter for a window of this length, and
say the new total, when the window ends and which window it is. Redis does it in one script, so a renewal is
one round trip and its window's end is known to the millisecond. Each window has an id, set by whoever
started it: counts given back (negative amounts) name the window they were taken from, and a window that
ended, or was lost with a Redis restart, refuses them, so they are never added to a newer one.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Protocol

import redis
from cachetools import TLRUCache

ADD_SCRIPT = """
local amount = tonumber(ARGV[1])
if amount < 0 and redis.call('HGET', KEYS[1], 'w') ~= ARGV[3] then
  return {0, 0, ''}
end
local total = redis.call('HINCRBY', KEYS[1], 'n', amount)
if redis.call('HSETNX', KEYS[1], 'w', ARGV[4]) == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return {total, redis.call('PTTL', KEYS[1]), redis.call('HGET', KEYS[1], 'w')}
"""
REDIS_TIMEOUT = 0.5  # seconds for one Redis connect or answer
MEMORY_COUNTERS = 100_000  # callers counted per worker without Redis; the least recent beyond are forgotten


class Counters(Protocol):
    shared: bool  # counted across processes: worth leasing out in batches

    def add(self, counter: str, period: int, amount: int, window: str = "") -> tuple[int, float, str]:
        """Add `amount` to `counter`; return its total, when its window ends, and the window's id.

        A negative amount is added only if `window` is still the counter's window.
        """
        ...

    def close(self) -> None:
        """Let go of any connection."""
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

    def add(self, counter: str, period: int, amount: int, window: str = "") -> tuple[int, float, str]:
        """Add `amount` to `counter`, starting its window if it has none; return total, end and window id."""
        with self.lock:
            current = self.windows.get(counter)
            if amount < 0 and (current is None or current[2] != window):
                return 0, 0.0, ""
            if current is None:
                current = self.windows[counter] = [0, self.clock() + period, uuid.uuid4().hex]
            current[0] += amount
            return current[0], current[1], current[2]

    def close(self) -> None:
        """Hold nothing to close: the counters live in this process."""


class RedisCounters:
    """Counters in Redis (a hash per caller and limit: count and window id), one script call per update."""

    shared = True

    def __init__(self, url: str, clock: Callable[[], float] = time.time):
        self.clock = clock
        self.client = redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT)
        self.script = self.client.register_script(ADD_SCRIPT)

    def add(self, counter: str, period: int, amount: int, window: str = "") -> tuple[int, float, str]:
        """Add `amount` to `counter` in one round trip; return its total, when its window ends, its id."""
        total, left_ms, current = self.script(keys=[counter], args=[amount, period * 1000, window, uuid.uuid4().hex])
        return int(total), self.clock() + max(int(left_ms), 0) / 1000, current.decode() if current else ""

    def close(self) -> None:
        """Close this process's connections to Redis."""
        self.client.close()
