"""LookML models and explores, in the shapes the official spec gives them."""

from __future__ import annotations

from flask import Blueprint

from ..compiler import QueryError
from ..lookml import Explore, Field
from ..wire import error, json_response, operation, state

bp = Blueprint("models", __name__, url_prefix="/api/4.0")


def _nav(explore: Explore) -> dict:
    return {
        "name": explore.name,
        "label": explore.label,
        "description": explore.description,
        "hidden": explore.hidden,
        "group_label": state().compiler.models[explore.model].label,
    }


def _model(name: str) -> dict:
    model = state().compiler.models[name]
    return {
        "name": model.name,
        "label": model.label,
        "project_name": "sample_shop",
        "has_content": True,
        "allowed_db_connection_names": [model.connection],
        "unlimited_db_connections": False,
        "explores": [_nav(e) for e in model.explores.values()],
        "can": {},
    }


@bp.get("/lookml_models")
@operation("all_lookml_models")
def all_lookml_models():
    """List the LookML models."""
    return json_response([_model(name) for name in state().compiler.models])


@bp.get("/lookml_models/<name>")
@operation("lookml_model")
def lookml_model(name: str):
    """Return one LookML model with its explores."""
    if name not in state().compiler.models:
        return error(404, "Not found")
    return json_response(_model(name))


def _explore_field(f: Field, explore: Explore) -> dict:
    return {
        "name": f.name,
        "label": f.label,
        "label_short": f.label_short,
        "view": f.view,
        "view_label": f.view_label,
        "category": f.category,
        "type": f.type,
        "description": f.description,
        "hidden": f.hidden,
        "is_numeric": f.is_numeric,
        "is_timeframe": f.is_time,
        "sql": f.sql,
        "dimension_group": f.dimension_group,
        "value_format": f.value_format,
        "value_format_name": f.value_format_name,
        "suggestable": f.category == "dimension",
        "scope": f.view,
        "can_filter": True,
        "sortable": True,
        "measure": f.category == "measure",
        "primary_key": state().compiler.models[explore.model].views[f.view].primary_key == f.short,
    }


@bp.get("/lookml_models/<model>/explores/<name>")
@operation("lookml_model_explore")
def lookml_model_explore(model: str, name: str):
    """Return an explore with its dimensions and measures."""
    compiler = state().compiler
    try:
        explore = compiler.explore(model, name)
    except QueryError:
        return error(404, "Not found")
    fields = [_explore_field(f, explore) for f in compiler.fields_of(explore)]
    return json_response(
        {
            "id": f"{model}::{name}",
            "name": name,
            "label": explore.label,
            "description": explore.description,
            "model_name": model,
            "view_name": explore.view_name,
            "connection_name": compiler.models[model].connection,
            "hidden": explore.hidden,
            "title": explore.label,
            "fields": {
                "dimensions": [f for f in fields if f["category"] == "dimension"],
                "measures": [f for f in fields if f["category"] == "measure"],
                "filters": [],
                "parameters": [],
            },
            "joins": [
                {"name": j.name, "sql_on": j.sql_on, "relationship": j.relationship, "type": "left_outer"}
                for j in explore.joins
            ],
            "access_filters": [{"field": a.field, "user_attribute": a.user_attribute} for a in explore.access_filters],
            "scopes": explore.views(),
            "can_total": True,
            "can_save": True,
            "can_explain": True,
        }
    )
