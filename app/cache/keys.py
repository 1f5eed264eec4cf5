"""Cache keys and tags, built in one place, and the memo of request bodies already validated.

Every key and every memo entry carries the identity of the request it was made for (`scope()`: empty for
the service account, whose answers all API-key callers share; a fingerprint of the Looker user and its
attribute values under USER_ATTRIBUTES). It is added here, in the one function every key goes through,
so no cache layer can forget it: an answer made for one identity is never found by another.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

import orjson
from cachetools import LRUCache

from app.frontdoor.state import scope

LOOKS_TAG = "looks"  # a Look's model is known only to Looker, so Looks are purged with any model
META_TAG = "meta"
RENDERS_TAG = "renders"  # a dashboard's render spans models, so rendered files are purged with any model
MEMO_ENTRIES = 1024
MEMO_MAX_BODY = 4096  # dashboards send small bodies; large ones are validated afresh, so the memo stays small


def cache_key(kind: str, **parts) -> str:
    """Return a canonical key of the current identity: dict order and JSON spacing never matter, list order does."""
    raw = kind.encode() + b"\0" + scope().encode() + b"\0" + orjson.dumps(parts, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(raw).hexdigest()


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


class Memo:
    """What a route already worked out for a request (a validated body and its key, an assembled answer).

    Keyed by the request's raw parts, so a repeat skips parsing and validation; bounded in entries.
    """

    def __init__(self, entries: int = MEMO_ENTRIES):
        self.entries: LRUCache = LRUCache(maxsize=entries)
        self.lock = threading.Lock()

    def get(self, key) -> Any:
        """Return what was kept for this request key by the current identity."""
        scoped = (scope(), key)
        with self.lock:
            return self.entries.get(scoped)

    def put(self, key, value) -> None:
        """Keep a value for this request key, for the current identity only."""
        scoped = (scope(), key)
        with self.lock:
            self.entries[scoped] = value


ParsedQueries = Memo  # raw body and ?format= -> (validated query, cache key)
