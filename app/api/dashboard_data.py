"""GET /api/dashboards/<id>/data: every tile of a dashboard run through the result cache, in one request."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import orjson
from flask import Blueprint, Response, current_app, request

from ..cache.keys import model_tag, query_key
from ..errors import ApiError, problem_body
from ..looker.dashboards import checked_id
from ..looker.results import looker_result
from ..security.governance import require_model
from ..services import services
from .dashboard_plans import filter_values, load_plan

bp = Blueprint("dashboard_data", __name__, url_prefix="/api/dashboards")
MAX_PARALLEL_TILES = 6


def _tile_body(tile: dict, values: dict[str, str]) -> dict:
    """Merge the dashboard's filter values into the tile's own filters, for the filters it listens to."""
    body = dict(tile["query"], filters=dict(tile["query"]["filters"]))
    for name, field in tile["listen"].items():
        value = values.get(name, "")
        if value:
            body["filters"][field] = value
    return body


def _run_tiles(tiles: list[dict], values: dict[str, str]) -> list:
    """Run the tiles concurrently (bounded); identical tile queries share one Looker call via the cache."""
    parts = services()

    def run(tile: dict):
        if tile["query"] is None:
            return None
        body = _tile_body(tile, values)
        key = query_key(body, "json", False)

        def fetch():
            result = parts.looker.fetch(
                f"tile '{tile['title']}'",
                lambda sdk, options: sdk.run_inline_query("json", body, transport_options=options),
                subject=key,
            )
            return looker_result(result, "json")

        try:
            require_model(body["model"], parts.settings)
            return parts.cache.lookup(key, fetch, model_tag(body["model"])).entry.body
        except ApiError as exc:
            return exc

    app = current_app._get_current_object()

    def in_app(tile):
        with app.app_context():
            return run(tile)

    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_TILES, max(1, len(tiles)))) as pool:
        return list(pool.map(in_app, tiles))


@bp.get("/<dashboard_id>/data")
def get_dashboard_data(dashboard_id: str):
    """Run every tile of a dashboard with its filters (from the query string, else their defaults)."""
    plan = load_plan(checked_id(dashboard_id))
    values = filter_values(plan, request.args)
    elements = []
    for tile, result in zip(plan["tiles"], _run_tiles(plan["tiles"], values), strict=True):
        element = {"id": tile["id"], "title": tile["title"], "type": tile["type"]}
        if isinstance(result, ApiError):
            element["error"] = problem_body(result.status, result.detail, result.code, result.errors)
        else:
            element["data"] = None if result is None else orjson.loads(result)
        elements.append(element)
    body = {"id": plan["id"], "title": plan["title"], "elements": elements}
    return Response(orjson.dumps(body), content_type="application/json", headers={"Cache-Control": "private, no-cache"})
