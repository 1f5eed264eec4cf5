"""Cookieless embed sessions and their rotating tokens, kept apart from the routes that hand them out.

A session starts with acquire (or a new IFRAME attaches to a live one by its reference token) and lives
`session_length` seconds. Each acquire hands out an authentication token: single use, good for
`Config.embed_authentication_token_ttl` seconds, spent by the embed login page. A session has one
navigation token and one API token at a time, good for `Config.embed_token_ttl` seconds (never past the
session's end); generate_tokens replaces both, and the old ones stop working at once. A deleted
session, or one an acquire replaced after it expired, is forgotten: its reference token is then a 404.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_SESSION_LENGTH = 30 * 24 * 3600  # the spec's maximum session length
USER_FIELDS = (
    "external_user_id",
    "first_name",
    "last_name",
    "user_timezone",
    "permissions",
    "models",
    "group_ids",
    "external_group_id",
    "user_attributes",
    "embed_domain",
)


class SessionMismatch(LookupError):
    """The reference token names a live session of another embed user (Looker answers 404)."""


@dataclass
class Session:
    reference: str
    user: dict
    expires: float
    navigation: str = ""
    api: str = ""
    tokens_expire: float = 0.0
    user_agent: str = ""
    authentications: dict[str, float] = field(default_factory=dict)


class CookielessSessions:
    """Every cookieless session of one emulator, guarded by one lock."""

    def __init__(self, auth_ttl: int, token_ttl: int, default_length: int, clock: Callable[[], float] = time.time):
        self.auth_ttl, self.token_ttl, self.default_length, self.clock = auth_ttl, token_ttl, default_length, clock
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}

    def acquire(self, params: dict, user_agent: str = "") -> dict:
        """Start a session, or attach to the live one named; return every token with its time to live."""
        now = self.clock()
        user = {name: params[name] for name in USER_FIELDS if params.get(name) is not None}
        with self._lock:
            session = self._sessions.get(str(params.get("session_reference_token") or ""))
            if session is not None and session.expires > now:
                if session.user.get("external_user_id") != user.get("external_user_id"):
                    raise SessionMismatch(session.reference)
            else:
                if session is not None:
                    del self._sessions[session.reference]
                length = min(int(params.get("session_length") or self.default_length), MAX_SESSION_LENGTH)
                session = Session(secrets.token_urlsafe(24), user, now + length, user_agent=user_agent)
                self._rotate(session, now)
                self._sessions[session.reference] = session
            token = secrets.token_urlsafe(24)
            session.authentications[token] = now + self.auth_ttl
            return {
                **self._tokens(session, now),
                "authentication_token": token,
                "authentication_token_ttl": self.auth_ttl,
            }

    def is_live(self, reference: str) -> bool:
        """Say whether a reference token names a session that has not expired."""
        with self._lock:
            session = self._sessions.get(reference)
            return session is not None and session.expires > self.clock()

    def generate(self, reference: str) -> dict | None:
        """Replace a session's navigation and API tokens; None when the session is unknown or deleted."""
        now = self.clock()
        with self._lock:
            session = self._sessions.get(reference)
            if session is None:
                return None
            if session.expires <= now:  # the spec: no error for an expired session, a zero time to live
                session.navigation = session.api = ""
                keys = ("session_reference_token_ttl", "navigation_token_ttl", "api_token_ttl")
                return {"session_reference_token": reference, **dict.fromkeys(keys, 0)}
            self._rotate(session, now)
            return self._tokens(session, now)

    def delete(self, reference: str) -> bool:
        """End a session; False when there was none."""
        with self._lock:
            return self._sessions.pop(reference, None) is not None

    def authenticate(self, token: str) -> Session | None:
        """Spend an authentication token; return its live session, or None if unknown, used or expired."""
        now = self.clock()
        with self._lock:
            for session in self._sessions.values():
                expiry = session.authentications.pop(token, None)
                if expiry is not None:
                    return session if expiry > now and session.expires > now else None
        return None

    def by_navigation(self, token: str) -> Session | None:
        """Return the live session whose current navigation token this is."""
        return self._holder(token, "navigation")

    def by_api(self, token: str) -> Session | None:
        """Return the live session whose current API token this is."""
        return self._holder(token, "api")

    def _holder(self, token: str, kind: str) -> Session | None:
        now = self.clock()
        with self._lock:
            for session in self._sessions.values():
                if token and getattr(session, kind) == token:
                    return session if session.tokens_expire > now and session.expires > now else None
        return None

    def _rotate(self, session: Session, now: float) -> None:
        session.navigation, session.api = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        session.tokens_expire = min(now + self.token_ttl, session.expires)

    @staticmethod
    def _tokens(session: Session, now: float) -> dict:
        token_ttl = max(0, int(session.tokens_expire - now))
        return {
            "session_reference_token": session.reference,
            "session_reference_token_ttl": max(0, int(session.expires - now)),
            "navigation_token": session.navigation,
            "navigation_token_ttl": token_ttl,
            "api_token": session.api,
            "api_token_ttl": token_ttl,
        }
