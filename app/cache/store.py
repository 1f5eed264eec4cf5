"""The result cache: Looker's bytes kept for CACHE_TTL, one Looker call per question, stale when Looker fails.

cachetools bounds memory (bytes of stored bodies) and expiry. What it cannot do is written here: identical
requests wait for the one call already in flight and share its answer or its error at once (cachetools'
`condition=` would retry serially through an outage), and an expired entry stays available for
CACHE_STALE_SECONDS to stand in for a failing Looker. With REDIS_URL the same happens across processes
(see redis_store.py); when Redis fails, the in-process store carries on.

Two things end freshness early or stretch what may be served. With CACHE_SWR_SECONDS (RFC 5861), an entry
that expired less than that long ago is served at once as STALE while one background refresh (refresh.py,
single-flight with the calls in flight here and, through Redis, elsewhere) asks Looker. And the datagroup
poller (datagroups.py) hands over, per tag, the moment before which entries are no longer fresh, because a
datagroup of their model triggered: checking it is one dict lookup, so a hit stays as cheap as before.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING, Protocol

from app.errors import ApiError

from .entry import Entry, Outcome
from .memory import MemoryStore
from .refresh import Refresher

if TYPE_CHECKING:
    from app.telemetry import Telemetry

log = logging.getLogger("looker_proxy.cache")
STALE_ON = 500  # only failures of Looker (our 5xx) fall back to stale; a 404 or 422 is a real answer
Fetch = Callable[[], tuple[bytes, str]]


class SharedStore(Protocol):
    """A store shared by every worker and instance (Redis), which may be down at any moment."""

    def available(self) -> bool: ...
    def get(self, key: str) -> Entry | None: ...
    def put(self, key: str, entry: Entry) -> bool: ...
    def purge(self, tags: set[str] | None) -> int: ...
    def coalesce(self, key: str, wait_seconds: float, is_fresh: Callable[[Entry], bool]) -> Entry | ApiError | None: ...
    def release(self, key: str, error: ApiError | None) -> None: ...


class ResultCache:
    """Single-flight, stale-if-error cache in front of Looker calls."""

    def __init__(
        self,
        ttl: float,
        stale_seconds: float,
        max_bytes: int,
        wait_seconds: float,
        clock: Callable[[], float],
        shared: SharedStore | None = None,
        telemetry: Telemetry | None = None,
        swr_seconds: float = 0,
        refresher: Refresher | None = None,
    ):
        self.ttl, self.stale_seconds, self.wait_seconds, self.clock = ttl, stale_seconds, wait_seconds, clock
        self.swr_seconds = swr_seconds
        self.memory = MemoryStore(max_bytes, ttl + max(stale_seconds, swr_seconds), clock)
        self.shared = shared
        self.telemetry = telemetry
        self.refresher = refresher or Refresher()
        self._not_before: dict[str, float] = {}  # tag -> entries stored earlier are not fresh (datagroups)
        self._inflight: dict[str, Future] = {}
        self._lock = threading.Lock()

    # ---- reading and writing whichever store is in use -------------------------------------------------
    def _get(self, key: str) -> Entry | None:
        if self.shared is not None and self.shared.available():
            entry = self.shared.get(key)
            if entry is not None or self.shared.available():
                return entry
        return self.memory.get(key)

    def _put(self, key: str, entry: Entry) -> None:
        if self.shared is not None and self.shared.available() and self.shared.put(key, entry):
            return
        self.memory.put(key, entry)
        if self.telemetry is not None:  # measured when it changes, so no work on a hit
            self.telemetry.cache_bytes.set(self.memory.size_bytes)

    def fresh(self, key: str) -> Entry | None:
        """Return the entry if it is fresh, without asking Looker."""
        entry = self._get(key)
        return entry if entry is not None and self.is_fresh(entry) else None

    def store(self, key: str, body: bytes, content_type: str, tag: str) -> Entry:
        """Keep an answer obtained elsewhere (a finished query task) as if this cache had fetched it."""
        entry = Entry.create(body, content_type, self.clock(), tag, key)
        self._put(key, entry)
        return entry

    def age(self, entry: Entry) -> float:
        return max(0.0, self.clock() - entry.stored_at)

    def is_fresh(self, entry: Entry) -> bool:
        return self.age(entry) < self.ttl and entry.stored_at >= self._not_before.get(entry.tag, 0.0)

    def expired_at(self, entry: Entry) -> float:
        """Return when the entry stops (or stopped) being fresh: its TTL, or the trigger of its model's datagroup."""
        end = entry.stored_at + self.ttl
        since = self._not_before.get(entry.tag, 0.0)
        return min(end, since) if entry.stored_at < since else end

    def follow_triggers(self, not_before: dict[str, float]) -> None:
        """Make every entry of a tag stored before that tag's time no longer fresh (the datagroup poller calls this)."""
        self._not_before = dict(not_before)  # replaced whole, so a hit reads one consistent map without a lock

    # ---- the one public operation ------------------------------------------------------------------------
    def lookup(
        self, key: str, fetch: Callable[[], tuple[bytes, str]], tag: str, refresh: bool = False, swr: bool = True
    ) -> Outcome:
        """Return a fresh entry, the answer of the call already in flight, a new answer, or stale on failure.

        `refresh` (the caller's no-cache) asks Looker whatever is stored; `swr=False` (the caller's
        max-age=0) takes a fresh entry but never an expired one while it is being revalidated.
        """
        if not refresh:
            entry = self._get(key)
            if entry is not None:
                if self.is_fresh(entry):
                    return Outcome(entry, "HIT")
                if swr and self._revalidate(key, entry, fetch, tag):
                    return Outcome(entry, "STALE")
        with self._lock:
            future = self._inflight.get(key)
            leader = future is None
            if leader:
                future = self._inflight[key] = Future()
        if not leader:
            return self._follow(key, future, allow_stale=not refresh)
        try:
            entry, status = self._lead(key, fetch, tag)
        except ApiError as exc:
            future.set_exception(exc)
            return self._stale_or_raise(key, exc, allow_stale=not refresh)
        except BaseException as exc:
            future.set_exception(ApiError(500, "The request for this result failed."))
            raise exc
        else:
            future.set_result(entry)
            return Outcome(entry, "BYPASS" if refresh and status == "MISS" else status)
        finally:
            with self._lock:
                self._inflight.pop(key, None)

    # ---- stale-while-revalidate -------------------------------------------------------------------------
    def _revalidate(self, key: str, entry: Entry, fetch: Fetch, tag: str) -> bool:
        """Say whether the stale entry may be served now; if so, make sure one call is refreshing it."""
        if self.swr_seconds <= 0 or self.clock() - self.expired_at(entry) >= self.swr_seconds:
            return False
        with self._lock:
            if key in self._inflight:  # a call is already asking Looker for this answer
                return True
            future = self._inflight[key] = Future()
        if not self.refresher.submit(lambda: self._refresh(key, fetch, tag, future)):
            self._settle(key, future, ApiError(503, "Looker is busy with this service's other requests."))
        return True

    def _refresh(self, key: str, fetch: Fetch, tag: str, future: Future) -> None:
        """Ask Looker in the background; keep the answer, or keep serving the stale entry if it failed."""
        try:
            entry, _ = self._lead(key, fetch, tag)
        except ApiError as exc:
            log.warning(
                "background refresh failed; the stale answer stays",
                extra={"event": "refresh_failed", "looker_status": exc.status},
            )
            self._settle(key, future, exc)
        except BaseException:
            log.exception("background refresh crashed", extra={"event": "refresh_crashed"})
            self._settle(key, future, ApiError(500, "The request for this result failed."))
        else:
            self._settle(key, future, entry)

    def _settle(self, key: str, future: Future, result: Entry | ApiError) -> None:
        if self.telemetry is not None:
            self.telemetry.refreshes.labels("failed" if isinstance(result, ApiError) else "stored").inc()
        if isinstance(result, ApiError):
            future.set_exception(result)
        else:
            future.set_result(result)
        with self._lock:
            self._inflight.pop(key, None)

    def _follow(self, key: str, future: Future, allow_stale: bool) -> Outcome:
        if self.telemetry:
            self.telemetry.coalesced.inc()
        try:
            return Outcome(future.result(timeout=self.wait_seconds), "COALESCED")
        except FutureTimeout:
            error = ApiError(504, "Looker did not answer in time (waited for an identical request already asking).")
        except ApiError as exc:
            error = exc
        return self._stale_or_raise(key, error.copy(), allow_stale)

    def _lead(self, key: str, fetch, tag: str) -> tuple[Entry, str]:
        if self.shared is not None and self.shared.available():
            shared = self.shared.coalesce(key, self.wait_seconds, self.is_fresh)
            if shared is not None:  # another process asked Looker and shared its answer or its error
                if isinstance(shared, ApiError):
                    raise shared
                return shared, "COALESCED"
            try:
                entry = self._call(key, fetch, tag)
            except ApiError as exc:
                self.shared.release(key, exc)
                raise
            except BaseException:  # a bug of ours: free the lock now rather than make others wait it out
                self.shared.release(key, ApiError(500, "The request for this result failed."))
                raise
            self._put(key, entry)
            self.shared.release(key, None)
            return entry, "MISS"
        entry = self._call(key, fetch, tag)
        self._put(key, entry)
        return entry, "MISS"

    def _call(self, key: str, fetch, tag: str) -> Entry:
        body, content_type = fetch()
        return Entry.create(body, content_type, self.clock(), tag, key)

    def _stale_or_raise(self, key: str, error: ApiError, allow_stale: bool) -> Outcome:
        """Serve the expired entry in place of a Looker failure, unless the caller demanded a fresh answer."""
        if allow_stale and error.status >= STALE_ON and self.stale_seconds > 0:
            entry = self._get(key)
            if entry is not None and self.age(entry) < self.ttl + self.stale_seconds:
                log.warning("serving stale", extra={"event": "stale_if_error", "looker_status": error.status})
                return Outcome(entry, "STALE", error.status)
        raise error

    def purge(self, tags: set[str] | None = None) -> int:
        """Drop entries with any of the tags (all entries for None); return how many went."""
        count = self.memory.purge(tags)
        if self.shared is not None and self.shared.available():
            count += self.shared.purge(tags)
        return count
