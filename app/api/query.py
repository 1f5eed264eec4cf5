"""POST /api/query: run a governed Looker query and pass Looker's answer through."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from ..cache import cache_key
from ..formats import looker_result
from ..http_cache import serve_cached
from ..looker import looker
from ..schemas import QueryRequest
from ..validation import json_body, parse

bp = Blueprint("query", __name__, url_prefix="/api")


def parse_query() -> QueryRequest:
    """Validate the body (and a ?format= override) as a query the caller may run."""
    data = json_body()
    if "format" in request.args:
        data["format"] = request.args["format"]
    settings = current_app.extensions["settings"]
    return parse(QueryRequest, data, max_rows=settings.max_rows)


@bp.post("/query")
def run_query():
    """Run an inline Looker query in the requested format."""
    query = parse_query()
    body = query.looker_body()

    def fetch():
        return looker_result(looker().fetch(f"the query on {query.model}/{query.view}", "run_inline_query",
                                            query.format, body, apply_formatting=query.apply_formatting),
                             query.format)

    key = cache_key("query", body=body, format=query.format, apply_formatting=query.apply_formatting)
    return serve_cached(key, f"model:{query.model}", fetch)
