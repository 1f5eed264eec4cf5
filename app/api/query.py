"""POST /api/query: run a governed Looker query and pass Looker's answer through."""

from __future__ import annotations

from flask import Blueprint, request

from ..cache.http import serve_cached
from ..cache.keys import model_tag
from ..looker.results import looker_result
from ..security.governance import require_model
from ..services import services
from .query_input import parse_query
from .task_ids import start_task

bp = Blueprint("query", __name__, url_prefix="/api")


@bp.post("/query")
def run_query():
    """Run an inline Looker query in the requested format."""
    parts = services()
    query, key = parse_query()
    require_model(query.model, parts.settings)
    if "respond-async" in request.headers.get("Prefer", ""):
        response = start_task(query, key)
        response.headers["Preference-Applied"] = "respond-async"
        return response

    def fetch():  # only on a miss: a hit never builds Looker's request
        body = parts.looker.fetch(
            f"the query on {query.model}/{query.view}",
            lambda sdk, options: sdk.run_inline_query(
                query.format,
                query.looker_body(),
                apply_formatting=query.apply_formatting,
                transport_options=options,
            ),
            subject=key,
            fmt=query.format,
        )
        return looker_result(body, query.format)

    return serve_cached(parts.cache, key, model_tag(query.model), fetch, parts.telemetry)
