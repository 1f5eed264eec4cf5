"""GET /api/dashboards/<id>/data: every tile of a dashboard run through the result cache, in one request."""

from __future__ import annotations

import contextvars
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import orjson
from flask import Blueprint, Response, current_app, request

from ..cache.entry import Entry
from ..cache.http import CachedAnswer, wants_refresh
from ..cache.keys import model_tag, query_key
from ..errors import ApiError, problem_body
from ..looker.dashboards import checked_id
from ..looker.results import looker_result
from ..security.governance import require_model
from ..services import Services, services
from ..validation import single_args
from .dashboard_plans import filter_values, load_plan, plan_key

bp = Blueprint("dashboard_data", __name__, url_prefix="/api/dashboards")
MAX_PARALLEL_TILES = 6
ASSEMBLED_MAX_BYTES = 512 * 1024  # larger dashboards are assembled afresh (their tiles still come from the cache)
ASSEMBLED_HEADERS = {"Content-Type": "application/json", "Cache-Control": "private, no-cache"}


def _tile_body(tile: dict, values: dict[str, str]) -> dict:
    """Merge the dashboard's filter values into the tile's own filters, for the filters it listens to."""
    body = dict(tile["query"], filters=dict(tile["query"]["filters"]))
    for name, field in tile["listen"].items():
        value = values.get(name, "")
        if value:
            body["filters"][field] = value
    return body


def _run_tiles(tiles: list[dict], values: dict[str, str]) -> list[tuple[str, Entry] | ApiError | None]:
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
                fmt="json",
            )
            return looker_result(result, "json")

        try:
            require_model(body["model"], parts.settings)
            return key, parts.cache.lookup(key, fetch, model_tag(body["model"])).entry
        except ApiError as exc:
            return exc

    app = current_app._get_current_object()

    def in_app(tile):
        with app.app_context():
            return run(tile)

    contexts = [contextvars.copy_context() for _ in tiles]  # each tile's Looker time counts for this request
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_TILES, max(1, len(tiles)))) as pool:
        return list(pool.map(lambda pair: pair[0].run(in_app, pair[1]), zip(contexts, tiles, strict=True)))


def run_with_defaults(dashboard_id: str) -> tuple[dict, list]:
    """Run every tile of a dashboard with its default filters, as its first viewer would (the warm command)."""
    plan = load_plan(checked_id(dashboard_id))
    return plan, _run_tiles(plan["tiles"], plan["filters"])


@bp.get("/<dashboard_id>/data")
def get_dashboard_data(dashboard_id: str):
    """Run every tile of a dashboard with its filters (from the query string, else their defaults)."""
    plan = load_plan(checked_id(dashboard_id))
    values = filter_values(plan, single_args())
    elements, used = [], []
    for tile, result in zip(plan["tiles"], _run_tiles(plan["tiles"], values), strict=True):
        element = {"id": tile["id"], "title": tile["title"], "type": tile["type"]}
        if isinstance(result, ApiError):
            element["error"] = problem_body(result.status, result.detail, result.code, result.errors)
        elif result is None:
            element["data"] = None
        else:
            element["data"] = orjson.loads(result[1].body)
            used.append((result[0], result[1].etag))
        elements.append(element)
    body = orjson.dumps({"id": plan["id"], "title": plan["title"], "elements": elements})
    plan_entry = services().meta_cache.fresh(plan_key(dashboard_id))
    if plan_entry is not None and not any("error" in e for e in elements) and len(body) <= ASSEMBLED_MAX_BYTES:
        assembled = Assembled(plan_key(dashboard_id), plan_entry.etag, tuple(used), body)
        services().assembled.put(("dashboard-data", dashboard_id, request.query_string), assembled)
    return Response(body, headers=dict(ASSEMBLED_HEADERS))


@dataclass(frozen=True)
class Assembled:
    """A dashboard's whole answer, good for as long as its plan and every tile entry it was built from."""

    plan_key: str
    plan_etag: str
    tiles: tuple[tuple[str, str], ...]  # (cache key, ETag) of each tile with data
    body: bytes


def fresh_dashboard_data(environ: dict, args: dict, parts: Services) -> CachedAnswer | None:
    """Answer with the assembled dashboard when its plan and every tile are still the fresh entries it used."""
    if wants_refresh(environ.get("HTTP_CACHE_CONTROL")):
        return None
    query_string = environ.get("QUERY_STRING", "").encode("latin-1")
    assembled = parts.assembled.get(("dashboard-data", args["dashboard_id"], query_string))
    if assembled is None:
        return None
    plan = parts.meta_cache.fresh(assembled.plan_key)
    if plan is None or plan.etag != assembled.plan_etag:
        return None
    for key, etag in assembled.tiles:
        entry = parts.cache.fresh(key)
        if entry is None or entry.etag != etag:  # a tile expired, was purged or refreshed: build it again
            return None
    headers = {**ASSEMBLED_HEADERS, "Content-Length": str(len(assembled.body))}
    return CachedAnswer(200, headers, assembled.body)
