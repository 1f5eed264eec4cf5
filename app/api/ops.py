"""Operations: purge the cache (admin only) and expose Prometheus metrics."""

from __future__ import annotations

from flask import Blueprint, Response, request
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4

from ..cache.keys import purge_tags
from ..errors import ApiError, invalid
from ..names import LOOKML_NAME
from ..security.identity import is_admin
from ..services import services

bp = Blueprint("ops", __name__)


@bp.delete("/api/cache")
def purge_cache():
    """Drop cached results, all of them or one model's (and every Look's)."""
    if not is_admin():
        raise ApiError(403, "Only the admin caller may purge the cache.")
    model = request.args.get("model")
    if model is not None and not LOOKML_NAME.fullmatch(model):
        raise invalid("model must be a LookML model name.", [{"field": "model", "message": "not a model name"}])
    services().cache.purge(purge_tags(model))
    return Response(status=204)


@bp.get("/metrics")
def prometheus_metrics():
    """Return the service's counters in Prometheus text format."""
    return Response(services().telemetry.exposition(), content_type=CONTENT_TYPE_PLAIN_0_0_4)
