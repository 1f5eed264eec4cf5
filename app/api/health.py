"""Liveness and readiness: /healthz never touches Looker, /readyz proves a login works."""

from __future__ import annotations

import threading

from flask import Blueprint, current_app

from ..errors import ApiError
from ..looker import looker

bp = Blueprint("health", __name__)
READY_SECONDS = 5.0


class Readiness:
    """The last answer to 'does Looker accept us?', remembered for a few seconds."""

    def __init__(self, clock):
        self.clock, self.lock, self.at, self.ok = clock, threading.Lock(), None, False

    def check(self) -> bool:
        with self.lock:
            if self.at is not None and self.clock() - self.at < READY_SECONDS:
                return self.ok
        try:
            looker().call("the service account", "me", fields="id")
            ok = True
        except ApiError:
            ok = False
        with self.lock:
            self.at, self.ok = self.clock(), ok
        return ok


@bp.get("/healthz")
def healthz():
    """Say the process is alive."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """Say whether Looker answers an authenticated call."""
    readiness = current_app.extensions.get("readiness")
    if readiness is None:
        readiness = current_app.extensions.setdefault("readiness", Readiness(current_app.extensions["clock"]))
    if not readiness.check():
        raise ApiError(503, "Looker is not answering the service account.", headers={"Retry-After": "5"})
    return {"status": "ok", "looker": "ok"}
