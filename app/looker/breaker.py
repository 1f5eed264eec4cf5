"""A circuit breaker that opens when Looker is failing, not when one question keeps failing.

A plain consecutive-failure breaker (pybreaker's) let any caller take the service away from everyone: six
requests of one query that makes Looker fail, or run past LOOKERSDK_TIMEOUT, opened it for all. Here a run
of failures counts distinct subjects (the query, the Look, the login, the health probe): the same subject
failing again adds nothing, any success closes the run, and the circuit opens once `fail_max` different
subjects failed in a row. A Looker that fails for everything still opens it within a handful of requests.
The clock is injected, so tests move time instead of sleeping.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class BreakerOpen(Exception):
    """The circuit is open: Looker is not asked until the cool-down ends."""


class Breaker:
    """Open after `fail_max` distinct subjects fail in a row; after `reset_seconds` let one probe through."""

    def __init__(self, fail_max: int, reset_seconds: float, clock: Callable[[], float]):
        self.fail_max, self.reset_seconds, self.clock = fail_max, reset_seconds, clock
        self._failed: set[str] = set()
        self._opened_at: float | None = None
        self._probing = False
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        """Say whether calls are refused right now."""
        with self._lock:
            return self._opened_at is not None and self.clock() - self._opened_at < self.reset_seconds

    def before(self) -> None:
        """Raise BreakerOpen while the circuit is open; past the cool-down, let exactly one probe through."""
        with self._lock:
            if self._opened_at is None:
                return
            if self.clock() - self._opened_at < self.reset_seconds or self._probing:
                raise BreakerOpen()
            self._probing = True

    def succeeded(self) -> None:
        """Close the circuit and forget the run of failures."""
        with self._lock:
            self._failed.clear()
            self._opened_at, self._probing = None, False

    def failed(self, subject: str) -> None:
        """Count a failure of Looker for `subject`; open the circuit when enough different subjects failed."""
        with self._lock:
            if self._probing:  # the probe failed: stay open for another cool-down
                self._opened_at, self._probing = self.clock(), False
                return
            self._failed.add(subject)
            if len(self._failed) >= self.fail_max and self._opened_at is None:
                self._opened_at = self.clock()

    def neutral(self) -> None:
        """End a probe that proved nothing either way (a 4xx answer), so the next call may probe again."""
        with self._lock:
            if self._probing:
                self._opened_at, self._probing = None, False
                self._failed.clear()
