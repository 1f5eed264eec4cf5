"""POST /api/query: run a governed Looker query and pass Looker's answer through."""

from __future__ import annotations

from flask import Blueprint, request

from ..formats import looker_result
from ..governance import require_model
from ..http_cache import serve_cached
from ..looker import looker
from .query_input import parse_query
from .tasks import start_task

bp = Blueprint("query", __name__, url_prefix="/api")


@bp.post("/query")
def run_query():
    """Run an inline Looker query in the requested format."""
    query, key = parse_query()
    require_model(query.model)
    if "respond-async" in request.headers.get("Prefer", ""):
        response = start_task(query, key)
        response.headers["Preference-Applied"] = "respond-async"
        return response

    def fetch():  # only on a miss: a hit never builds Looker's request
        return looker_result(
            looker().fetch(
                f"the query on {query.model}/{query.view}",
                "run_inline_query",
                query.format,
                query.looker_body(),
                apply_formatting=query.apply_formatting,
            ),
            query.format,
        )

    return serve_cached(key, f"model:{query.model}", fetch)
