"""Reading a query from a request: validation, the ?format= override, and its canonical cache key."""

from __future__ import annotations

from flask import request

from ..cache.keys import memo_key, query_key
from ..schemas import QueryRequest
from ..services import services
from ..validation import json_body, parse


def parse_query() -> tuple[QueryRequest, str]:
    """Validate the body (and a ?format= override) as a query; return it with its cache key.

    Dashboards send the same bodies over and over, so a body already validated (by this app, under its
    MAX_ROWS) skips JSON parsing, validation and key hashing. Only small, valid bodies are remembered.
    """
    parts = services()
    raw = request.get_data(cache=True) if request.is_json else None
    memo = memo_key(raw, request.args.get("format")) if raw is not None else None
    if memo is not None:
        known = parts.queries.get(memo)
        if known is not None:
            return known
    data = json_body()
    if "format" in request.args:
        data["format"] = request.args["format"]
    query = parse(QueryRequest, data, max_rows=parts.settings.max_rows)
    key = query_key(query.looker_body(), query.format, query.apply_formatting)
    if memo is not None:
        parts.queries.put(memo, (query, key))
    return query, key
