"""Saved Looks and dashboards, with their queries saved as Looker saves them."""

from __future__ import annotations

from flask import Blueprint

from ..content import DASHBOARDS, LOOKS
from ..wire import error, json_response, operation, state
from .queries import query_json, run

bp = Blueprint("content", __name__, url_prefix="/api/4.0")


def _look_json(look_id: str) -> dict:
    look = LOOKS[look_id]
    query_id, saved = state().save_query(look["query"])
    model = look["query"]["model"]
    return {
        "id": look_id,
        "title": look["title"],
        "description": look["description"],
        "query_id": query_id,
        "query": query_json(saved),
        "model": {"id": model, "label": state().compiler.models[model].label},
        "folder": {"id": "1", "name": "Shared"},
        "folder_id": "1",
        "public": False,
        "deleted": False,
        "can": {},
        "short_url": f"/looks/{look_id}",
        "content_metadata_id": look_id,
    }


@bp.get("/looks/<look_id>")
@operation("look")
def look(look_id: str):
    """Return a saved Look with its query."""
    return json_response(_look_json(look_id)) if look_id in LOOKS else error(404, "Not found")


@bp.get("/looks/<look_id>/run/<result_format>")
@operation("run_look")
def run_look(look_id: str, result_format: str):
    """Run a saved Look."""
    return run(LOOKS[look_id]["query"], result_format) if look_id in LOOKS else error(404, "Not found")


def _dashboard_json(dashboard_id: str) -> dict:
    spec = DASHBOARDS[dashboard_id]
    filters = [
        {
            "id": f"{dashboard_id}{i}",
            "dashboard_id": dashboard_id,
            "row": i,
            "required": False,
            "allow_multiple_values": True,
            "listens_to_filters": [],
            "ui_config": None,
            **f,
        }
        for i, f in enumerate(spec["filters"], start=1)
    ]
    elements = []
    for index, tile in enumerate(spec["elements"], start=1):
        element_id = f"{dashboard_id}{index:02d}"
        base = {
            "id": element_id,
            "dashboard_id": dashboard_id,
            "title": tile["title"],
            "type": "text" if "text" in tile else "vis",
            "body_text": tile.get("text"),
            "look_id": None,
            "look": None,
            "query_id": None,
            "query": None,
            "result_maker": None,
        }
        if "text" not in tile:
            look_id = tile.get("look_id")
            query_spec = LOOKS[look_id]["query"] if look_id else tile["query"]
            query_id, saved = state().save_query({**query_spec, "vis_config": {"type": tile["vis"]}})
            tile_query = {**query_json(saved), "vis_config": {"type": tile["vis"]}}
            listen = [{"dashboard_filter_name": name, "field": fld} for name, fld in tile.get("listen", {}).items()]
            base["result_maker"] = {
                "id": element_id,
                "query_id": query_id,
                "query": tile_query,
                "filterables": [
                    {"model": query_spec["model"], "view": query_spec["view"], "name": tile["title"], "listen": listen}
                ],
            }
            if look_id:
                base.update(look_id=look_id, look=_look_json(look_id))
            else:
                base.update(query_id=query_id, query=tile_query)
        elements.append(base)
    return {
        "id": dashboard_id,
        "title": spec["title"],
        "description": spec["description"],
        "dashboard_elements": elements,
        "dashboard_filters": filters,
        "folder": {"id": "1", "name": "Shared"},
        "hidden": False,
        "readonly": False,
        "can": {},
        "preferred_viewer": "dashboards-next",
        "created_at": "2026-01-05T09:00:00.000+00:00",
        "updated_at": "2026-06-01T09:00:00.000+00:00",
    }


@bp.get("/dashboards/<dashboard_id>")
@operation("dashboard")
def dashboard(dashboard_id: str):
    """Return a dashboard with its tiles, their queries and its filters."""
    return json_response(_dashboard_json(dashboard_id)) if dashboard_id in DASHBOARDS else error(404, "Not found")
