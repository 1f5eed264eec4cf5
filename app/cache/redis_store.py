"""Results, and the wait for the one Looker call in flight, shared through Redis by every worker and instance.

A lock key (SET NX PX) elects the process that asks Looker; the others poll briefly for its answer, or for
its error, which it leaves under a key named after its lock token for a few seconds so that waiters fail
at once together. Any Redis failure marks Redis down for a few seconds and the caller falls back to the
in-process store: a Redis outage never fails a request.

Hits do not pay a round trip: entries read from Redis are kept in a short-lived local copy that every
write and purge invalidates through pub/sub (local_copy.py explains why not redis-py's client-side cache).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid

import orjson
import redis

from app.errors import ApiError

from .entry import Entry
from .local_copy import EVERYTHING, Invalidations, LocalCopy

log = logging.getLogger("looker_proxy.cache")
ERROR_KEEP_MS = 5000

_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


class RedisStore:
    """The cache's shared store; every method swallows Redis errors and reports them through `available()`."""

    def __init__(
        self, url: str, namespace: str, lifetime: float, poll_seconds: float = 0.02, down_seconds: float = 5.0
    ):
        self.url, self.lifetime, self.poll, self.down_seconds = url, lifetime, poll_seconds, down_seconds
        self.prefix = "lp:" + hashlib.sha256(namespace.encode()).hexdigest()[:10] + ":"
        self._client: redis.Redis | None = None
        self.local = LocalCopy()
        self.invalidations = Invalidations(lambda: self.client.pubsub(), self.prefix + "changed", self.local)
        self._release = None
        self._down_until = 0.0
        self._held: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def client(self) -> redis.Redis:
        if self._client is None:  # built lazily, in the worker, after gunicorn forks
            self._client = redis.Redis.from_url(self.url, socket_timeout=0.5, socket_connect_timeout=0.5)
            self._release = self._client.register_script(_RELEASE)
        return self._client

    def available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self, exc: Exception) -> None:
        with self._lock:
            was_up = self.available()
            self._down_until = time.monotonic() + self.down_seconds
        if was_up:
            log.warning(
                "redis unavailable; using the in-process cache",
                extra={"event": "redis_down", "error": type(exc).__name__},
            )

    # ---- entries ---------------------------------------------------------------------------------------
    def get(self, key: str, local: bool = True) -> Entry | None:
        """Return the stored entry (from this process's copy when `local` and the copy is trusted)."""
        self.invalidations.start()
        listening = local and self.invalidations.ready.is_set()
        if listening:
            known = self.local.get(key)
            if known is not None:
                return known
        try:
            raw = self.client.hgetall(self.prefix + "r:" + key)
        except redis.RedisError as exc:
            self._failed(exc)
            return None
        if not raw:
            return None
        entry = Entry(raw[b"b"], raw[b"t"].decode(), float(raw[b"s"]), raw[b"g"].decode(), raw[b"e"].decode())
        if listening:
            self.local.keep(key, entry)
        return entry

    def put(self, key: str, entry: Entry) -> bool:
        ttl_ms = int(self.lifetime * 1000)
        try:
            with self.client.pipeline() as pipe:
                pipe.hset(
                    self.prefix + "r:" + key,
                    mapping={
                        "b": entry.body,
                        "t": entry.content_type,
                        "s": repr(entry.stored_at),
                        "g": entry.tag,
                        "e": entry.etag,
                    },
                )
                pipe.pexpire(self.prefix + "r:" + key, ttl_ms)
                pipe.sadd(self.prefix + "tag:" + entry.tag, key)
                pipe.pexpire(self.prefix + "tag:" + entry.tag, ttl_ms)
                pipe.publish(self.prefix + "changed", key)  # every process drops its copy of the old entry
                pipe.execute()
            self.local.drop(key)
        except redis.RedisError as exc:
            self._failed(exc)
            return False
        return True

    def purge(self, tags: set[str] | None) -> int:
        try:
            if tags is None:
                keys = list(self.client.scan_iter(match=self.prefix + "*", count=500))
                count = self.client.delete(*keys) if keys else 0
            else:
                count = 0
                for tag in tags:
                    members = self.client.smembers(self.prefix + "tag:" + tag)
                    doomed = [self.prefix + "r:" + m.decode() for m in members]
                    count += self.client.delete(*doomed) if doomed else 0
                    self.client.delete(self.prefix + "tag:" + tag)
            self.client.publish(self.prefix + "changed", EVERYTHING)
            return count
        except redis.RedisError as exc:
            self._failed(exc)
            return 0
        finally:
            self.local.drop(EVERYTHING)

    # ---- one Looker call across processes --------------------------------------------------------------
    def _answer(self, key: str, holder: bytes | None, is_fresh) -> Entry | ApiError | None:
        """Return a fresh stored answer, or the error the lock holder left for its waiters, if either exists."""
        entry = self.get(key, local=False)  # waiting for another process's new answer: ask Redis itself
        if entry is not None and is_fresh(entry):
            return entry
        if holder is not None:
            error = self.client.get(self.prefix + "err:" + key + ":" + holder.decode())
            if error is not None:
                return ApiError(**orjson.loads(error))
        return None

    def coalesce(self, key: str, wait_seconds: float, is_fresh) -> Entry | ApiError | None:
        """Return None when this process should ask Looker, else the answer (or error) another process got."""
        lock_key, token = self.prefix + "lock:" + key, uuid.uuid4().hex
        lock_ms = int(wait_seconds * 1000) + 1000
        deadline = time.monotonic() + wait_seconds
        holder = None
        try:
            while True:
                if self.client.set(lock_key, token, nx=True, px=lock_ms):
                    answer = self._answer(key, holder, is_fresh)  # the last holder may have just finished
                    if answer is not None:
                        self._release(keys=[lock_key], args=[token])
                        return answer
                    with self._lock:
                        self._held[key] = token
                    return None
                holder = self.client.get(lock_key) or holder
                answer = self._answer(key, holder, is_fresh)
                if answer is not None:
                    return answer
                if time.monotonic() >= deadline:
                    return ApiError(
                        504, "Looker did not answer in time (waited for an identical request already asking)."
                    )
                time.sleep(self.poll)
        except redis.RedisError as exc:
            self._failed(exc)
            return None

    def release(self, key: str, error: ApiError | None) -> None:
        """Give up the lock; when the call failed, leave its error for the processes waiting on it."""
        with self._lock:
            token = self._held.pop(key, None)
        if token is None:
            return
        try:
            if error is not None:
                self.client.set(
                    self.prefix + "err:" + key + ":" + token, orjson.dumps(error.problem()), px=ERROR_KEEP_MS
                )
            self._release(keys=[self.prefix + "lock:" + key], args=[token])
        except redis.RedisError as exc:
            self._failed(exc)

    # ---- small shared state of background work (the datagroup poller) --------------------------------------
    def claim(self, name: str, ms: int) -> bool | None:
        """Take the named lock for `ms` unless another process holds it; None when Redis failed."""
        try:
            return bool(self.client.set(self.prefix + "claim:" + name, b"1", nx=True, px=ms))
        except redis.RedisError as exc:
            self._failed(exc)
            return None

    def put_value(self, name: str, value: bytes, ms: int) -> None:
        """Keep a small value under a name for `ms`, for every process to read."""
        try:
            self.client.set(self.prefix + "value:" + name, value, px=ms)
        except redis.RedisError as exc:
            self._failed(exc)

    def get_value(self, name: str) -> bytes | None:
        """Return the value kept under a name, or None when there is none or Redis failed."""
        try:
            return self.client.get(self.prefix + "value:" + name)
        except redis.RedisError as exc:
            self._failed(exc)
            return None
