"""GET /api/dashboards/<id>: a dashboard's tiles, their queries and its filters, in a front-end shape."""

from __future__ import annotations

from flask import Blueprint

from ..looker.dashboards import checked_id, describe
from ..services import services

bp = Blueprint("dashboards", __name__, url_prefix="/api/dashboards")


@bp.get("/<dashboard_id>")
def get_dashboard(dashboard_id: str):
    """Return a dashboard's tiles and filters."""
    dashboard_id = checked_id(dashboard_id)
    return describe(services().looker.call(f"dashboard {dashboard_id}", lambda sdk: sdk.dashboard(dashboard_id)))
