"""POST /api/renders and its status and file: dashboards as PDF, PNG or JPG and Looks as PNG or JPG.

The views only parse and answer; what a render is, how identical ones share one Looker task, and every
choice behind the answers are in render_jobs.py.
"""

from __future__ import annotations

from flask import Blueprint

from ..schemas import RenderRequest
from ..validation import json_body, parse
from . import render_jobs
from .render_ids import unseal

bp = Blueprint("renders", __name__, url_prefix="/api/renders")


@bp.post("")
def create_render():
    """Start rendering a dashboard or a Look; answer 202 with the render's id."""
    render_id, status = render_jobs.begin(parse(RenderRequest, json_body()))
    return render_jobs.accepted(render_id, status)


@bp.get("/<render_id>")
def get_render(render_id: str):
    """Return a render's status, with Looker's detail when it failed."""
    found = render_jobs.current(unseal(render_id))
    body = {"id": render_id, "status": found.status}
    if found.detail:
        body["status_detail"] = found.detail
    return body, 200, {"Cache-Control": "no-store"}


@bp.get("/<render_id>/file")
def get_render_file(render_id: str):
    """Return the rendered file; 202 while it is being rendered."""
    return render_jobs.file_response(render_id, unseal(render_id))
