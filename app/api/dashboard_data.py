"""GET /api/dashboards/<id>/data: every tile of a dashboard run through the result cache, in one request."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import orjson
from flask import Blueprint, Response, current_app, request

from ..cache.keys import META_TAG, cache_key, model_tag, query_key
from ..errors import ApiError, invalid, problem_body
from ..looker.dashboards import checked_id, element_query, element_type
from ..looker.results import looker_result
from ..schemas import write_query
from ..security.governance import require_model
from ..services import services

bp = Blueprint("dashboard_data", __name__, url_prefix="/api/dashboards")
MAX_PARALLEL_TILES = 6


def _plan(dashboard_id: str) -> dict:
    """Reduce Looker's dashboard to what running it needs: tiles, their queries and listeners, filters."""
    board = services().looker.call(f"dashboard {dashboard_id}", lambda sdk: sdk.dashboard(dashboard_id))
    tiles = []
    for element in board.dashboard_elements or []:
        query = element_query(element)
        listen = {}
        for filterable in (element.result_maker.filterables or []) if element.result_maker else []:
            listen.update({item.dashboard_filter_name: item.field for item in filterable.listen or []})
        tiles.append(
            {
                "id": element.id,
                "title": element.title or element.title_text or "",
                "type": element_type(element),
                "listen": listen,
                "query": None
                if query is None
                else write_query(
                    query.model,
                    query.view,
                    query.fields or [],
                    query.filters or {},
                    query.sorts,
                    query.pivots,
                    query.limit or 500,
                    query.query_timezone,
                ),
            }
        )
    return {
        "id": board.id,
        "title": board.title,
        "tiles": tiles,
        "filters": {f.name: f.default_value or "" for f in board.dashboard_filters or []},
    }


def _load_plan(dashboard_id: str) -> dict:
    outcome = services().meta_cache.lookup(
        cache_key("dashboard-plan", id=dashboard_id),
        lambda: (orjson.dumps(_plan(dashboard_id)), "application/json"),
        META_TAG,
    )
    return orjson.loads(outcome.entry.body)


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


def run_with_defaults(dashboard_id: str) -> tuple[dict, list]:
    """Run every tile of a dashboard with its default filters, as its first viewer would (the warm command)."""
    plan = _load_plan(checked_id(dashboard_id))
    return plan, _run_tiles(plan["tiles"], plan["filters"])


@bp.get("/<dashboard_id>/data")
def get_dashboard_data(dashboard_id: str):
    """Run every tile of a dashboard with its filters (from the query string, else their defaults)."""
    plan = _load_plan(checked_id(dashboard_id))
    unknown = sorted(set(request.args) - set(plan["filters"]))
    if unknown:
        known = ", ".join(plan["filters"]) or "none"
        raise invalid(
            f"Unknown dashboard filter(s): {', '.join(unknown)}. This dashboard's filters: {known}.",
            [{"field": name, "message": "not a filter of this dashboard"} for name in unknown],
        )
    values = {name: request.args.get(name, default) for name, default in plan["filters"].items()}
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
