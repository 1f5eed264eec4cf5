"""Where cookieless embed sessions' reference tokens live: this process, or Redis so every worker shares them.

The reference token is the key to a caller's Looker embed session and must never reach the browser, so
the service keeps it, per (caller, User-Agent), for as long as the session lives. Each store also holds
a per-caller lock, so that one caller's parallel acquires start a single Looker session. When Redis
fails, the store says so once and carries on in process memory, as the result cache does.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import redis

from app.errors import ApiError

log = logging.getLogger("looker_proxy.embed")
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


class MemorySessions:
    """Sessions of this process, forgotten when their Looker session would have ended."""

    def __init__(self, clock: Callable[[], float] = time.time):
        self.clock = clock
        self._kept: dict[str, tuple[str, float]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._guard:
            found = self._kept.get(key)
            if found is None or found[1] <= self.clock():
                self._kept.pop(key, None)
                return None
            return found[0]

    def put(self, key: str, reference: str, ttl: float) -> None:
        with self._guard:
            self._kept[key] = (reference, self.clock() + ttl)

    def drop(self, key: str) -> None:
        with self._guard:
            self._kept.pop(key, None)

    @contextmanager
    def lock(self, key: str, wait_seconds: float) -> Iterator[None]:
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        if not lock.acquire(timeout=wait_seconds):
            raise _busy()
        try:
            yield
        finally:
            lock.release()


class RedisSessions:
    """Sessions shared by every worker and instance through Redis, with this process's memory as the fallback."""

    def __init__(self, url: str, namespace: str, poll_seconds: float = 0.02, down_seconds: float = 5.0):
        self.url, self.poll, self.down_seconds = url, poll_seconds, down_seconds
        self.prefix = "lp:" + hashlib.sha256(namespace.encode()).hexdigest()[:10] + ":embed:"
        self.local = MemorySessions()
        self._client: redis.Redis | None = None
        self._down_until = 0.0

    @property
    def client(self) -> redis.Redis:
        if self._client is None:  # built in the worker, after gunicorn forks
            self._client = redis.Redis.from_url(self.url, socket_timeout=0.5, socket_connect_timeout=0.5)
        return self._client

    def _up(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self, exc: Exception) -> None:
        if self._up():
            log.warning(
                "redis unavailable; keeping cookieless sessions in this process",
                extra={"event": "redis_down", "error": type(exc).__name__},
            )
        self._down_until = time.monotonic() + self.down_seconds

    def get(self, key: str) -> str | None:
        if self._up():
            try:
                raw = self.client.get(self.prefix + key)
                return raw.decode() if raw else None
            except redis.RedisError as exc:
                self._failed(exc)
        return self.local.get(key)

    def put(self, key: str, reference: str, ttl: float) -> None:
        if self._up():
            try:
                self.client.set(self.prefix + key, reference, px=max(1, int(ttl * 1000)))
                return
            except redis.RedisError as exc:
                self._failed(exc)
        self.local.put(key, reference, ttl)

    def drop(self, key: str) -> None:
        self.local.drop(key)
        if self._up():
            try:
                self.client.delete(self.prefix + key)
            except redis.RedisError as exc:
                self._failed(exc)

    @contextmanager
    def lock(self, key: str, wait_seconds: float) -> Iterator[None]:
        token = self._take(self.prefix + "lock:" + key, wait_seconds)
        if token is None:  # Redis is down: one session per caller in this process is the best left
            with self.local.lock(key, wait_seconds):
                yield
            return
        try:
            yield
        finally:
            try:
                self.client.eval(_RELEASE, 1, self.prefix + "lock:" + key, token)
            except redis.RedisError as exc:
                self._failed(exc)

    def _take(self, lock_key: str, wait_seconds: float) -> str | None:
        """Return the lock's token once this process holds it; None when Redis cannot be used."""
        if not self._up():
            return None
        token, deadline = uuid.uuid4().hex, time.monotonic() + wait_seconds
        try:
            while not self.client.set(lock_key, token, nx=True, px=int(wait_seconds * 1000) + 1000):
                if time.monotonic() >= deadline:
                    raise _busy()
                time.sleep(self.poll)  # another worker is starting this caller's session; it takes a moment
        except redis.RedisError as exc:
            self._failed(exc)
            return None
        return token


def _busy() -> ApiError:
    return ApiError(
        503, "This caller's embed session is still being started; try again shortly.", headers={"Retry-After": "1"}
    )
