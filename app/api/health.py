"""Liveness and readiness: /healthz never touches Looker, /readyz proves a login works."""

from __future__ import annotations

from flask import Blueprint

from ..errors import ApiError
from ..services import services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Say the process is alive."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """Say whether Looker answers an authenticated call."""
    if not services().readiness.check():
        raise ApiError(503, "Looker is not answering the service account.", headers={"Retry-After": "5"})
    return {"status": "ok", "looker": "ok"}
