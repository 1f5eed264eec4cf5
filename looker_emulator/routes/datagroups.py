"""Datagroup routes: what the trigger checks found for each model's caching policies, and an admin's resets."""

from __future__ import annotations

from flask import Blueprint

from ..datagroups import InvalidUpdate
from ..wire import body_json, error, json_response, operation, state

bp = Blueprint("datagroups", __name__, url_prefix="/api/4.0")


@bp.get("/datagroups")
@operation("all_datagroups")
def all_datagroups():
    """List every datagroup of every model."""
    return json_response(state().datagroups.describe_all())


@bp.get("/datagroups/<datagroup_id>")
@operation("datagroup")
def datagroup(datagroup_id: str):
    """Return one datagroup."""
    found = state().datagroups.describe(datagroup_id)
    return error(404, "Not found") if found is None else json_response(found)


@bp.patch("/datagroups/<datagroup_id>")
@operation("update_datagroup")
def update_datagroup(datagroup_id: str):
    """Move a datagroup's `stale_before` or `triggered_at`, as an admin resetting its cache would."""
    try:
        updated = state().datagroups.update(datagroup_id, body_json())
    except InvalidUpdate as exc:
        return error(422, "Validation Failed", exc.errors)
    return error(404, "Not found") if updated is None else json_response(updated)
