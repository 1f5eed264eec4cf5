"""The pages people open in a browser: a Look, an explore URL or a dashboard, as the embed pages show them.

Looker's own links (`/looks/2`, `/explore/thelook/orders?fields=...&f[orders.status]=complete`,
`/dashboards/1?Date=7+days`) lead to these, so a link in a report works against the emulator too. They
show what the service account sees; a real Looker would ask the person to log in first.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from .. import embed_pages

pages = Blueprint("web", __name__)


def _show(target: str) -> Response:
    query = request.query_string.decode()
    status, page = embed_pages.page(target + (f"?{query}" if query else ""), {})
    return Response(page, status, content_type="text/html; charset=utf-8")


@pages.get("/looks/<look_id>")
def look_page(look_id: str):
    """Show a saved Look's table, with any `f[field]=` filters from the URL."""
    return _show(f"/embed/looks/{look_id}")


@pages.get("/explore/<model>/<explore>")
def explore_page(model: str, explore: str):
    """Show an explore URL's query: its fields, filters, sorts, pivots and limit from the URL."""
    return _show(f"/embed/explore/{model}/{explore}")


@pages.get("/dashboards/<dashboard_id>")
def dashboard_page(dashboard_id: str):
    """Show a dashboard's tiles with the URL's filters, else their defaults."""
    return _show(f"/embed/dashboards/{dashboard_id}")
