"""Cache keys and tags, built in one place, and the memo of request bodies already validated."""

from __future__ import annotations

import hashlib
import threading
from typing import Any

import orjson
from cachetools import LRUCache

LOOKS_TAG = "looks"  # a Look's model is known only to Looker, so Looks are purged with any model
META_TAG = "meta"
RENDERS_TAG = "renders"  # a dashboard's render spans models, so rendered files are purged with any model
MEMO_ENTRIES = 1024
MEMO_MAX_BODY = 4096  # dashboards send small bodies; large ones are validated afresh, so the memo stays small


def cache_key(kind: str, **parts) -> str:
    """Return a canonical key: dict order and JSON spacing never matter, list order does."""
    return hashlib.sha256(kind.encode() + b"\0" + orjson.dumps(parts, option=orjson.OPT_SORT_KEYS)).hexdigest()


def query_key(body: dict, fmt: str, apply_formatting: bool) -> str:
    """Return the result-cache key of a Looker query (shared by queries, dashboard tiles and metrics)."""
    return cache_key("query", body=body, format=fmt, apply_formatting=apply_formatting)


def model_tag(model: str) -> str:
    """Return the tag of results of a model, by which `DELETE /api/cache?model=` finds them."""
    return f"model:{model}"


def purge_tags(model: str | None) -> set[str] | None:
    """Return the tags a purge of one model drops (None: everything)."""
    return None if model is None else {model_tag(model), LOOKS_TAG, RENDERS_TAG}


def memo_key(raw: bytes, fmt: str | None) -> tuple[bytes, str | None] | None:
    """Return the memo key of a query body and its ?format=, or None when the body is too large to remember."""
    return (raw, fmt) if len(raw) <= MEMO_MAX_BODY else None


class ParsedQueries:
    """Raw body and ?format= -> validated query and its cache key, bounded in entries and body size."""

    def __init__(self):
        self.entries: LRUCache = LRUCache(maxsize=MEMO_ENTRIES)
        self.lock = threading.Lock()

    def get(self, key) -> Any:
        with self.lock:
            return self.entries.get(key)

    def put(self, key, value) -> None:
        with self.lock:
            self.entries[key] = value
