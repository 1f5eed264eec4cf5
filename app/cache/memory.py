"""The in-process store: entries of this worker, bounded by the bytes of their bodies."""

from __future__ import annotations

import threading
from collections.abc import Callable

from cachetools import TTLCache

from .entry import Entry


class MemoryStore:
    """Entries of this process, bounded by the bytes of their bodies, gone once past the stale window."""

    def __init__(self, max_bytes: int, lifetime: float, clock: Callable[[], float]):
        self._data: TTLCache = TTLCache(
            maxsize=max_bytes, ttl=lifetime, timer=clock, getsizeof=lambda entry: len(entry.body)
        )
        self._lock = threading.Lock()

    def get(self, key: str) -> Entry | None:
        with self._lock:  # even reads reorder cachetools' internal lists
            return self._data.get(key)

    def put(self, key: str, entry: Entry) -> None:
        with self._lock:
            try:
                self._data[key] = entry
            except ValueError:  # larger than the whole cache: serve it, do not keep it
                self._data.pop(key, None)

    def purge(self, tags: set[str] | None = None) -> int:
        with self._lock:
            doomed = [k for k, e in self._data.items() if tags is None or e.tag in tags]
            for key in doomed:
                del self._data[key]
            return len(doomed)

    @property
    def size_bytes(self) -> int:
        with self._lock:
            return int(self._data.currsize)
