"""Readiness: the last answer to 'does Looker accept us?', remembered for a few seconds."""

from __future__ import annotations

import threading
from collections.abc import Callable

from app.errors import ApiError

from .client import LookerClient

READY_SECONDS = 5.0


class Readiness:
    """Answer /readyz with one cheap authenticated Looker call at most every READY_SECONDS."""

    def __init__(self, looker: LookerClient, clock: Callable[[], float]):
        self.looker, self.clock, self.lock, self.at, self.ok = looker, clock, threading.Lock(), None, False

    def check(self) -> bool:
        """Say whether Looker accepted the service account recently (asking it again when that is old news)."""
        with self.lock:
            if self.at is not None and self.clock() - self.at < READY_SECONDS:
                return self.ok
        try:
            self.looker.call("the service account", lambda sdk: sdk.me(fields="id"), subject="readiness")
            ok = True
        except ApiError:
            ok = False
        with self.lock:
            self.at, self.ok = self.clock(), ok
        return ok
