"""Reading a query from a request: validation, the ?format= override, and its canonical cache key."""

from __future__ import annotations

import threading

from cachetools import LRUCache
from flask import current_app, request

from ..cache import cache_key
from ..schemas import QueryRequest
from ..validation import json_body, parse

_parsed: LRUCache = LRUCache(maxsize=2048)  # raw body and ?format= -> validated query and its cache key
_parsed_lock = threading.Lock()


def query_key(body: dict, fmt: str, apply_formatting: bool) -> str:
    """Return the result-cache key of a Looker query (shared by queries, dashboard tiles and metrics)."""
    return cache_key("query", body=body, format=fmt, apply_formatting=apply_formatting)


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
    key = query_key(query.looker_body(), query.format, query.apply_formatting)
    if memo_key is not None:
        with _parsed_lock:
            _parsed[memo_key] = (query, key)
    return query, key
