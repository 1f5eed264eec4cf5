"""Reading a query from a request: validation, the ?format= override, and its canonical cache key."""

from __future__ import annotations

import threading

from cachetools import LRUCache
from flask import current_app, request

from ..cache import cache_key
from ..schemas import QueryRequest
from ..validation import json_body, parse

MEMO_ENTRIES = 1024
MEMO_MAX_BODY = 4096  # dashboards send small bodies; large ones are validated afresh, so the memo stays small


class ParsedQueries:
    """Raw body and ?format= -> validated query and its cache key, per app, bounded in entries and body size."""

    def __init__(self):
        self.entries: LRUCache = LRUCache(maxsize=MEMO_ENTRIES)
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            return self.entries.get(key)

    def put(self, key, value) -> None:
        with self.lock:
            self.entries[key] = value


def parsed_queries(app=None) -> ParsedQueries:
    """Return the app's memo of validated query bodies (the current app's by default)."""
    extensions = (app or current_app).extensions
    memo = extensions.get("parsed_queries")
    if memo is None:
        memo = extensions.setdefault("parsed_queries", ParsedQueries())
    return memo


def query_key(body: dict, fmt: str, apply_formatting: bool) -> str:
    """Return the result-cache key of a Looker query (shared by queries, dashboard tiles and metrics)."""
    return cache_key("query", body=body, format=fmt, apply_formatting=apply_formatting)


def parse_query() -> tuple[QueryRequest, str]:
    """Validate the body (and a ?format= override) as a query; return it with its cache key.

    Dashboards send the same bodies over and over, so a body already validated (by this app, under its
    MAX_ROWS) skips JSON parsing, validation and key hashing. Only small, valid bodies are remembered.
    """
    settings = current_app.extensions["settings"]
    raw = request.get_data(cache=True) if request.is_json else None
    memo_key = (raw, request.args.get("format")) if raw is not None and len(raw) <= MEMO_MAX_BODY else None
    if memo_key is not None:
        known = parsed_queries().get(memo_key)
        if known is not None:
            return known
    data = json_body()
    if "format" in request.args:
        data["format"] = request.args["format"]
    query = parse(QueryRequest, data, max_rows=settings.max_rows)
    key = query_key(query.looker_body(), query.format, query.apply_formatting)
    if memo_key is not None:
        parsed_queries().put(memo_key, (query, key))
    return query, key
