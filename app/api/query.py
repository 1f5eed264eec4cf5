"""POST /api/query: run a governed Looker query and pass Looker's answer through."""

from __future__ import annotations

import threading

from cachetools import LRUCache
from flask import Blueprint, current_app, request

from ..cache import cache_key
from ..formats import looker_result
from ..http_cache import serve_cached
from ..looker import looker
from ..schemas import QueryRequest
from ..validation import json_body, parse

bp = Blueprint("query", __name__, url_prefix="/api")
_parsed: LRUCache = LRUCache(maxsize=2048)  # raw body and ?format= -> validated query and its cache key
_parsed_lock = threading.Lock()


def parse_query() -> tuple[QueryRequest, str]:
    """Validate the body (and a ?format= override) as a query; return it with its cache key.

    Dashboards send the same bodies over and over, so a body already validated (by this app, under its
    MAX_ROWS) skips JSON parsing, validation and key hashing. Only valid bodies are remembered.
    """
    settings = current_app.extensions["settings"]
    raw = request.get_data(cache=True) if request.is_json else None
    memo_key = (raw, request.args.get("format"), settings.max_rows) if raw is not None else None
    if memo_key is not None:
        with _parsed_lock:
            known = _parsed.get(memo_key)
        if known is not None:
            return known
    data = json_body()
    if "format" in request.args:
        data["format"] = request.args["format"]
    query = parse(QueryRequest, data, max_rows=settings.max_rows)
    key = cache_key("query", body=query.looker_body(), format=query.format, apply_formatting=query.apply_formatting)
    if memo_key is not None:
        with _parsed_lock:
            _parsed[memo_key] = (query, key)
    return query, key


@bp.post("/query")
def run_query():
    """Run an inline Looker query in the requested format."""
    query, key = parse_query()
    body = query.looker_body()

    def fetch():
        return looker_result(looker().fetch(f"the query on {query.model}/{query.view}", "run_inline_query",
                                            query.format, body, apply_formatting=query.apply_formatting),
                             query.format)

    return serve_cached(key, f"model:{query.model}", fetch)
