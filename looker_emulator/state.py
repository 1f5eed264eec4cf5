"""The emulator's mutable state: tokens, saved queries, tasks, call counts and injected faults."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson

from .compiler import Compiler
from .cookieless import CookielessSessions
from .data import build_database
from .datagroups import Datagroups
from .lookml import load_models
from .users import SERVICE_ACCOUNT_ID, Directory

DEFAULT_CLIENT_ID = "emulator-client-id"
DEFAULT_CLIENT_SECRET = "emulator-client-secret"
DEFAULT_EMBED_SECRET = "emulator-embed-secret"
QUERY_OPS = ("run_inline_query", "run_query", "run_look", "query_task_execution")


@dataclass
class Config:
    """How an emulator instance behaves; every field has a documented default."""

    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    embed_secret: str = DEFAULT_EMBED_SECRET
    seed: int = 7
    latency_ms: int = 0
    token_ttl: int = 3600
    user_token_ttl: int = 3600  # seconds a login_user (sudo) token lives
    today: dt.date | None = None
    clock: Callable[[], float] = time.time  # what token expiry is measured against
    embed_authentication_token_ttl: int = 30  # cookieless embed: seconds to spend the one-time login token
    embed_token_ttl: int = 600  # cookieless embed: seconds a navigation or API token works
    embed_session_length: int = 300  # cookieless embed: a session's seconds when acquire names none


@dataclass
class Fault:
    """One injected misbehaviour, for one operation (or all) and a number of calls (or forever)."""

    operation: str | None = None
    times: int | None = None
    latency_ms: int = 0
    status: int | None = None
    body: str = "json"  # json | html | garbage | looker_error (see wire.fault_response)
    drop: bool = False
    retry_after: int | None = None
    hang: bool = False  # for background work (render_task_execution): start, then never finish
    content_type: str | None = None  # served instead of the body's own type
    message: str | None = None  # the looker_error text

    def matches(self, operation: str) -> bool:
        if self.operation is None:
            return True
        if self.operation == "queries":
            return operation in QUERY_OPS
        return self.operation == operation


@dataclass
class Task:
    id: str
    query_id: str
    result_format: str
    status: str = "added"
    body: bytes | None = None
    content_type: str | None = None
    error: str | None = None
    sql: str = ""
    created: float = field(default_factory=time.monotonic)
    user_id: str = SERVICE_ACCOUNT_ID  # the task runs as the user who created it


class State:
    """Everything an emulator instance remembers, guarded by one lock."""

    def __init__(self, config: Config):
        self.config = config
        self.today = config.today or dt.date.today()
        self.compiler = Compiler(load_models(), build_database(config.seed, self.today), self.today)
        self.datagroups = Datagroups(self.compiler)
        self.lock = threading.Lock()
        self.tokens: dict[str, tuple[float, str]] = {}  # token -> (expiry, user id)
        self.users = Directory()
        self.queries: dict[str, dict] = {}
        self.query_ids: dict[bytes, str] = {}
        self.tasks: dict[str, Task] = {}
        self.renders: dict[str, object] = {}  # render task id -> routes.renders.RenderTask
        self.nonces: set[str] = set()
        self.cookieless = CookielessSessions(
            config.embed_authentication_token_ttl, config.embed_token_ttl, config.embed_session_length
        )
        self.calls: Counter[str] = Counter()
        self.faults: list[Fault] = []
        if config.latency_ms:
            self.faults.append(Fault(operation="queries", latency_ms=config.latency_ms))

    # ---- tokens -----------------------------------------------------------------------------------------
    def token_ttl(self, user_id: str = SERVICE_ACCOUNT_ID) -> int:
        """Return how many seconds a new token of this user lives."""
        return self.config.token_ttl if user_id == SERVICE_ACCOUNT_ID else self.config.user_token_ttl

    def issue_token(self, user_id: str = SERVICE_ACCOUNT_ID) -> str:
        """Issue a token for a user, the service account by default."""
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = (self.config.clock() + self.token_ttl(user_id), user_id)
        return token

    def token_user(self, token: str) -> str | None:
        """Return the id of the user a live token belongs to, or None."""
        with self.lock:
            expiry, user_id = self.tokens.get(token, (0.0, None))
        return user_id if expiry > self.config.clock() else None

    def token_valid(self, token: str) -> bool:
        return self.token_user(token) is not None

    def revoke(self, token: str | None = None, user_id: str | None = None) -> None:
        """Forget one token, every token of one user, or (with neither) every token."""
        with self.lock:
            if token is not None:
                self.tokens.pop(token, None)
            elif user_id is not None:
                self.tokens = {t: entry for t, entry in self.tokens.items() if entry[1] != user_id}
            else:
                self.tokens.clear()

    # ---- saved queries ----------------------------------------------------------------------------------
    def save_query(self, query: dict) -> tuple[str, dict]:
        """Store a query; an identical query gets the id it already has."""
        canonical = {
            k: query.get(k)
            for k in (
                "model",
                "view",
                "fields",
                "pivots",
                "filters",
                "sorts",
                "limit",
                "query_timezone",
                "filter_expression",
                "total",
                "row_total",
            )
        }
        if canonical.get("limit") is not None:
            canonical["limit"] = str(canonical["limit"])
        key = orjson.dumps(canonical, option=orjson.OPT_SORT_KEYS)
        with self.lock:
            query_id = self.query_ids.get(key)
            if query_id is None:
                query_id = str(len(self.queries) + 1)
                slug = hashlib.sha1(key).hexdigest()[:10]  # noqa: S324 - an identifier, not security
                self.queries[query_id] = {**canonical, "id": query_id, "slug": slug}
                self.query_ids[key] = query_id
            return query_id, self.queries[query_id]

    def query_by_slug(self, slug: str) -> dict | None:
        with self.lock:
            return next((q for q in self.queries.values() if q["slug"] == slug), None)

    # ---- calls and faults -------------------------------------------------------------------------------
    def record_call(self, operation: str) -> list[Fault]:
        """Count a call and return the faults that apply to it, using up counted ones."""
        applied = []
        with self.lock:
            self.calls[operation] += 1
            for fault in list(self.faults):
                if fault.matches(operation):
                    applied.append(fault)
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self.faults.remove(fault)
        return applied

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()
            self.faults.clear()
            if self.config.latency_ms:
                self.faults.append(Fault(operation="queries", latency_ms=self.config.latency_ms))
