"""Looker's Dashboard objects reduced to what the contract shows and what running a dashboard needs."""

from __future__ import annotations

from collections.abc import Iterable

from app.errors import ApiError, invalid
from app.names import DASHBOARD_ID

from .errors import sent


def _query(query) -> dict | None:
    if query is None:
        return None
    return {
        "model": query.model,
        "view": query.view,
        "fields": list(query.fields or []),
        "filters": dict(query.filters or {}),
        "sorts": list(query.sorts or []),
        "limit": int(query.limit) if query.limit and str(query.limit).lstrip("-").isdigit() else None,
    }


def element_query(element):
    """Return the query a tile runs: its own, its result maker's, or its Look's."""
    for source in (
        element.query,
        element.result_maker and element.result_maker.query,
        element.look and element.look.query,
    ):
        if source is not None:
            return source
    return None


def element_type(element) -> str:
    """Return the tile's visualisation type (looker_line, single_value...), else Looker's element type."""
    query = element_query(element)
    vis = (query.vis_config or {}) if query is not None else {}
    return str(vis.get("type") or element.type or "vis")


def describe(dashboard) -> dict:
    """Reshape Looker's Dashboard into the contract's dashboard object."""
    sent(dashboard, "id")
    elements = [
        {
            "id": e.id,
            "title": e.title or e.title_text or "",
            "type": element_type(e),
            "look_id": e.look_id,
            "query_id": e.query_id or (e.result_maker.query_id if e.result_maker else None),
            "query": _query(element_query(e)),
        }
        for e in dashboard.dashboard_elements or []
    ]
    filters = [
        {
            "name": f.name,
            "title": f.title,
            "type": f.type,
            "default_value": f.default_value,
            "model": f.model,
            "explore": f.explore,
            "dimension": f.dimension,
        }
        for f in dashboard.dashboard_filters or []
    ]
    return {
        "id": dashboard.id,
        "title": dashboard.title,
        "description": dashboard.description,
        "element_count": len(elements),
        "elements": elements,
        "filters": filters,
    }


def checked_id(dashboard_id: str) -> str:
    """Return the id if it can name a Looker dashboard, else raise 404."""
    if not DASHBOARD_ID.fullmatch(dashboard_id):
        raise ApiError(404, f"There is no dashboard '{dashboard_id[:100]}'.")
    return dashboard_id


def refuse_unknown_filters(given: Iterable[str], known: Iterable[str], field_prefix: str = "") -> None:
    """Raise a 400 naming every given filter name that is not one of the dashboard's."""
    known = list(known)
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise invalid(
            f"Unknown dashboard filter(s): {', '.join(repr(n) for n in unknown)}. "
            f"This dashboard's filters: {', '.join(known) or 'none'}.",
            [{"field": field_prefix + name, "message": "not a filter of this dashboard"} for name in unknown],
        )
