"""What the cache keeps (an Entry) and what a lookup reports (an Outcome), shared by every store."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

CacheStatus = Literal["HIT", "MISS", "STALE", "COALESCED", "BYPASS"]
STATUSES: tuple[CacheStatus, ...] = ("HIT", "MISS", "STALE", "COALESCED", "BYPASS")


@dataclass(frozen=True)
class Entry:
    """One stored answer: the exact bytes served, their type, when they were stored, its tag and strong ETag."""

    body: bytes
    content_type: str
    stored_at: float
    tag: str
    etag: str = ""

    @classmethod
    def create(cls, body: bytes, content_type: str, stored_at: float, tag: str, key: str = "") -> Entry:
        """Build an entry, hashing its key (which carries its identity) and body once for its strong ETag."""
        digest = hashlib.blake2b(key.encode() + b"\0" + body, digest_size=16).hexdigest()
        return cls(body, content_type, stored_at, tag, f'"{digest}"')


@dataclass(frozen=True)
class Outcome:
    """An entry and how it was obtained; `error_status` is the Looker failure a STALE entry stands in for."""

    entry: Entry
    status: CacheStatus
    error_status: int | None = None
