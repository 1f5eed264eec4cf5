"""This process's short-lived copy of entries read from Redis, dropped the moment any instance changes them.

With REDIS_URL every hit used to cost a Redis round trip. redis-py's client-side caching (RESP3 with
CLIENT TRACKING) would remove it, but redis-py enables it only on Redis 7.4 or later, and the Redis most
distributions (and Replit's Nix channel) ship is older. So the same idea is written here with what every
Redis has: entries read from Redis are kept locally for at most `LIFETIME` seconds, and every write or purge
is announced on a pub/sub channel that each process listens to and applies at once. A lost message can
leave a copy no older than `LIFETIME`, so a purge or a fresher answer reaches every instance within a second.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from cachetools import TTLCache

from .entry import Entry

log = logging.getLogger("looker_proxy.cache")
LIFETIME = 1.0
MAX_BYTES = 32 * 1024 * 1024
EVERYTHING = "*"


class LocalCopy:
    """Entries recently read from Redis, kept for LIFETIME seconds unless an invalidation drops them sooner."""

    def __init__(
        self, max_bytes: int = MAX_BYTES, lifetime: float = LIFETIME, clock: Callable[[], float] = time.monotonic
    ):
        self._data: TTLCache = TTLCache(
            maxsize=max_bytes, ttl=lifetime, timer=clock, getsizeof=lambda entry: len(entry.body) + 1
        )
        self._lock = threading.Lock()

    def get(self, key: str) -> Entry | None:
        """Return the copy of an entry, if one is young enough."""
        with self._lock:
            return self._data.get(key)

    def keep(self, key: str, entry: Entry) -> None:
        """Keep an entry just read from Redis."""
        with self._lock:
            try:
                self._data[key] = entry
            except ValueError:  # larger than the whole copy: read it from Redis each time
                pass

    def drop(self, key: str) -> None:
        """Forget one entry (another process wrote it), or every entry for EVERYTHING (a purge)."""
        with self._lock:
            if key == EVERYTHING:
                self._data.clear()
            else:
                self._data.pop(key, None)


class Invalidations:
    """A thread that applies every instance's announcements of changed entries to this process's copy."""

    def __init__(self, pubsub_factory: Callable, channel: str, copy: LocalCopy):
        self.pubsub_factory, self.channel, self.copy = pubsub_factory, channel, copy
        self.ready = threading.Event()  # set once subscribed: until then nothing is served from the copy
        self._started = False
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start listening (once per process, lazily: gunicorn forks after the app is built)."""
        with self._lock:
            if self._started:
                return
            self._started = True
        threading.Thread(target=self._listen, name="looker-proxy-invalidations", daemon=True).start()

    def _listen(self) -> None:
        while True:
            try:
                pubsub = self.pubsub_factory()
                pubsub.subscribe(self.channel)
                self.copy.drop(EVERYTHING)  # whatever happened while not listening is unknown
                self.ready.set()
                for message in pubsub.listen():
                    if message.get("type") == "message":
                        self.copy.drop(message["data"].decode())
            except Exception as exc:  # noqa: BLE001 - Redis went away: stop trusting the copy, retry shortly
                self.ready.clear()
                self.copy.drop(EVERYTHING)
                log.debug("invalidation listener restarting", extra={"error": type(exc).__name__})
                time.sleep(1.0)
