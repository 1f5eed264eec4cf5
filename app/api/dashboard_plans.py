"""A dashboard reduced to what running or rendering it needs, and its filter values, shared by /data and renders.

Both GET /api/dashboards/<id>/data and POST /api/renders take dashboard filters by name, merge them over
the filters' defaults the same way and refuse unknown names the same way, so the rule lives here once.
"""

from __future__ import annotations

from collections.abc import Mapping

import orjson

from ..cache.keys import META_TAG, cache_key
from ..looker.dashboards import element_query, element_type, refuse_unknown_filters
from ..looker.errors import sent
from ..schemas import write_query
from ..services import services


def _plan(dashboard_id: str) -> dict:
    """Reduce Looker's dashboard to what running it needs: tiles, their queries and listeners, filters."""
    board = sent(services().looker.call(f"dashboard {dashboard_id}", lambda sdk: sdk.dashboard(dashboard_id)), "id")
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


def plan_key(dashboard_id: str) -> str:
    """Return the metadata-cache key of a dashboard's plan."""
    return cache_key("dashboard-plan", id=dashboard_id)


def load_plan(dashboard_id: str) -> dict:
    """Return the dashboard's plan, remembered briefly in the metadata cache."""
    outcome = services().meta_cache.lookup(
        plan_key(dashboard_id),
        lambda: (orjson.dumps(_plan(dashboard_id)), "application/json"),
        META_TAG,
    )
    return orjson.loads(outcome.entry.body)


def filter_values(plan: dict, given: Mapping[str, str]) -> dict[str, str]:
    """Return every filter's value (given, else its default) in the dashboard's order; 400 for unknown names."""
    refuse_unknown_filters(given, plan["filters"])
    return {name: given.get(name, default) for name, default in plan["filters"].items()}


def tile_models(plan: dict) -> set[str]:
    """Return the models the dashboard's tiles query."""
    return {tile["query"]["model"] for tile in plan["tiles"] if tile["query"] is not None}


def filter_names(dashboard_id: str) -> list[str]:
    """Return the names of a dashboard's filters (remembered briefly in the metadata cache); 404 if none such."""
    parts = services()

    def fetch():
        board = parts.looker.call(f"dashboard {dashboard_id}", lambda sdk: sdk.dashboard(dashboard_id))
        return orjson.dumps([f.name for f in board.dashboard_filters or []]), "application/json"

    outcome = parts.meta_cache.lookup(cache_key("dashboard-filters", id=dashboard_id), fetch, META_TAG)
    return orjson.loads(outcome.entry.body)
