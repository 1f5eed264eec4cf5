"""What an embed URL shows: a dashboard, a Look or an explore as tables of real data, filtered as the URL says.

Looker's embed URLs carry their filters in the query string, and so do these:

- `/embed/dashboards/<id>?Date=7+days&Status=complete`: each parameter named like a dashboard filter
  sets it; a filter the URL leaves out keeps its default. A filter's value is merged into each tile that
  listens to it (on the field it listens with), and an empty value leaves the tile's own filter alone.
- `/embed/looks/<id>?f[orders.status]=complete`: `f[<field>]` adds to or replaces the Look's filters.
- `/embed/explore/<model>/<explore>?fields=a,b&f[a]=x&sorts=b+desc&limit=10&pivots=a`, or `qid=<slug>`
  to start from a saved query (the explore URLs Looker shares); without fields it shows the field list.

Other parameters (`embed_domain`, `sdk`, `embed_navigation_token`, `theme`...) are not filters.
Every query a page runs goes through `run_embed_query`, the one place a per-viewer rule belongs.
"""

from __future__ import annotations

import html
from urllib.parse import parse_qsl, urlsplit

from . import formats, sql_errors
from .access import run_as
from .compiler import QueryError, Result
from .content import DASHBOARDS, LOOKS
from .wire import state


def run_embed_query(query: dict, viewer: dict) -> Result:
    """Run one query an embed page shows, as the embed user `viewer` names, with its access filters."""
    external_id = viewer.get("external_user_id")
    return run_as(state().users.embed_user(str(external_id)) if external_id else None, query)


def _table(query: dict, viewer: dict) -> str:
    try:
        result = run_embed_query(query, viewer)
    except (QueryError, sql_errors.DatabaseError) as exc:
        return f"<p class='looker-error'>{html.escape(exc.message)}</p>"
    return formats.render(result, "html", query).decode()


def _section(title: str, inner: str) -> str:
    return f"<section class='tile'><h2>{html.escape(title)}</h2>{inner}</section>"


def _dashboard(dashboard_id: str, params: dict[str, str], viewer: dict) -> tuple[str, str]:
    spec = DASHBOARDS[dashboard_id]
    values = {f["name"]: params.get(f["name"], f.get("default_value") or "") for f in spec["filters"]}
    shown = "".join(
        f"<li data-filter='{html.escape(name)}'>{html.escape(name)}: {html.escape(value or 'any value')}</li>"
        for name, value in values.items()
    )
    parts = [f"<ul class='filters'>{shown}</ul>"] if values else []
    for tile in spec["elements"]:
        if "text" in tile:
            parts.append(_section(tile["title"], f"<p>{html.escape(tile['text'])}</p>"))
            continue
        base = LOOKS[tile["look_id"]]["query"] if tile.get("look_id") else tile["query"]
        query = {**base, "filters": dict(base.get("filters") or {})}
        for name, field in tile.get("listen", {}).items():
            if values.get(name):
                query["filters"][field] = values[name]
        parts.append(_section(tile["title"], _table(query, viewer)))
    return spec["title"], "".join(parts)


def _field_filters(pairs: list[tuple[str, str]]) -> dict[str, str]:
    return {key[2:-1]: value for key, value in pairs if key.startswith("f[") and key.endswith("]")}


def _look(look_id: str, pairs: list[tuple[str, str]], viewer: dict) -> tuple[str, str]:
    look = LOOKS[look_id]
    query = {**look["query"], "filters": {**(look["query"].get("filters") or {}), **_field_filters(pairs)}}
    return look["title"], _section(look["title"], _table(query, viewer))


def _explore(model: str, name: str, pairs: list[tuple[str, str]], viewer: dict) -> tuple[str, str]:
    params = dict(pairs)
    saved = state().query_by_slug(params["qid"]) if params.get("qid") else None
    query = {k: v for k, v in (saved or {}).items() if k not in ("id", "slug")} or {"model": model, "view": name}
    for key in ("fields", "sorts", "pivots"):
        if params.get(key):
            query[key] = [item.strip() for item in params[key].split(",") if item.strip()]
    if params.get("limit"):
        query["limit"] = params["limit"]
    query["filters"] = {**(query.get("filters") or {}), **_field_filters(pairs)}
    title = f"Explore {model}/{name}"
    if not query.get("fields"):
        try:
            explore = state().compiler.explore(model, name)
        except QueryError as exc:
            return title, f"<p class='looker-error'>{html.escape(exc.message)}</p>"
        names = "".join(f"<li>{html.escape(f.name)}</li>" for f in state().compiler.fields_of(explore))
        return title, f"<p>Choose fields to explore:</p><ul class='fields'>{names}</ul>"
    return title, _section(title, _table(query, viewer))


def content(target: str, viewer: dict) -> tuple[str, str] | None:
    """Return the title and the HTML body of what an embed target shows, or None when there is no such thing."""
    parts = urlsplit(target)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    segments = parts.path.strip("/").split("/")
    if segments[:2] == ["embed", "dashboards"] and len(segments) == 3 and segments[2] in DASHBOARDS:
        return _dashboard(segments[2], dict(pairs), viewer)
    if segments[:2] == ["embed", "looks"] and len(segments) == 3 and segments[2] in LOOKS:
        return _look(segments[2], pairs, viewer)
    if segments[:2] == ["embed", "explore"] and len(segments) == 4:
        return _explore(segments[2], segments[3], pairs, viewer)
    return None


def page(target: str, viewer: dict, script: str = "") -> tuple[int, str]:
    """Return the status and the whole HTML page for an embed target, with an optional page script."""
    found = content(target, viewer)
    if found is None:
        title, body, status = "Not found", "<p>There is no such content to embed.</p>", 404
    else:
        (title, body), status = found, 200
    head = f"<meta charset='utf-8'><title>{html.escape(title)}</title>"
    return status, (
        f"<!doctype html><html><head>{head}</head><body><h1 id='dashboard-title'>{html.escape(title)}</h1>"
        f"<main id='embed-content'>{body}</main>{script}</body></html>"
    )
