"""Operations: purge the cache (admin only) and expose Prometheus metrics."""

from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, request
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4

from ..auth import is_admin
from ..errors import ApiError, invalid

bp = Blueprint("ops", __name__)
LOOKS_TAG = "looks"  # a Look's model is unknown until it runs, so purging any model purges Looks too


@bp.delete("/api/cache")
def purge_cache():
    """Drop cached results, all of them or one model's (and every Look's)."""
    if not is_admin():
        raise ApiError(403, "Only the admin caller may purge the cache.")
    model = request.args.get("model")
    if model is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,127}", model):
        raise invalid("model must be a LookML model name.", [{"field": "model", "message": "not a model name"}])
    current_app.extensions["cache"].purge(None if model is None else {f"model:{model}", LOOKS_TAG})
    return Response(status=204)


@bp.get("/metrics")
def prometheus_metrics():
    """Return the service's counters in Prometheus text format."""
    return Response(current_app.extensions["telemetry"].exposition(), content_type=CONTENT_TYPE_PLAIN_0_0_4)
