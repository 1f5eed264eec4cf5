"""Cookieless embed sessions in Looker for the service's callers, with the reference token kept server-side.

`@looker/embed-sdk`'s `initCookieless` asks the host page's server to acquire a session and later to
generate fresh tokens. Looker identifies the session by its reference token, which is as good as the
session itself, so it stays here (cookieless_store.py) under a key of (caller, User-Agent): a second tab
of the same browser joins the session, another browser or another caller gets its own. Acquires of one
key are serialised, so parallel IFRAMEs make one Looker session. A reference Looker no longer knows (404:
deleted, replaced, or another embed user's) is forgotten and the call made once more with a new session.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from looker_sdk.sdk.api40 import models as m

from app.config import Settings
from app.errors import ApiError

from .client import LookerClient
from .cookieless_store import MemorySessions, RedisSessions

TOKENS = ("navigation_token", "navigation_token_ttl", "api_token", "api_token_ttl", "session_reference_token_ttl")
ACQUIRED = ("authentication_token", "authentication_token_ttl", *TOKENS)
# An ended session stays known this long, so the browser is told it expired instead of silently getting a new one.
ENDED_GRACE_SECONDS = 600


@dataclass(frozen=True)
class EmbedUser:
    """Who a cookieless session is for; everything else comes from the settings."""

    external_user_id: str
    first_name: str
    user_attributes: dict[str, Any] = field(default_factory=dict)


def session_key(external_user_id: str, user_agent: str) -> str:
    """Return the store key of a caller's session in one browser."""
    return hashlib.sha256(f"{external_user_id}\n{user_agent}".encode()).hexdigest()[:40]


def _pick(answer: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(answer, name, None) for name in names}


class CookielessSessions:
    """Acquire, refresh and end callers' cookieless embed sessions in Looker."""

    def __init__(self, settings: Settings, looker: LookerClient, store: MemorySessions | RedisSessions):
        self.settings, self.looker, self.store = settings, looker, store
        self.wait_seconds = settings.looker_timeout + 1

    def acquire(self, key: str, user: EmbedUser) -> dict[str, Any]:
        """Return the tokens initCookieless wants from its acquire call, joining the caller's live session."""
        with self.store.lock(key, self.wait_seconds):
            reference = self.store.get(key)
            try:
                answer = self._acquire(user, reference)
            except ApiError as exc:
                if exc.status != 404 or reference is None:
                    raise
                self.store.drop(key)
                answer = self._acquire(user, None)
            self._keep(key, answer)
        return _pick(answer, ACQUIRED)

    def tokens(self, key: str, user: EmbedUser, api_token: str, navigation_token: str) -> dict[str, Any]:
        """Return fresh navigation and API tokens; a session Looker has forgotten is replaced by a new one."""
        reference = self.store.get(key)
        if reference is not None:
            try:
                answer = self.looker.call(
                    "cookieless embed session",
                    lambda sdk: sdk.generate_tokens_for_cookieless_session(
                        m.EmbedCookielessSessionGenerateTokens(
                            session_reference_token=reference, api_token=api_token, navigation_token=navigation_token
                        )
                    ),
                )
            except ApiError as exc:
                if exc.status != 404:
                    raise
                self.store.drop(key)
            else:
                self._keep(key, answer)
                return _pick(answer, TOKENS)
        return {name: value for name, value in self.acquire(key, user).items() if name in TOKENS}

    def end(self, key: str) -> bool:
        """End the caller's session in Looker and forget it; False when there was none to end."""
        with self.store.lock(key, self.wait_seconds):
            reference = self.store.get(key)
            if reference is None:
                return False
            self.store.drop(key)
            try:
                self.looker.call("cookieless embed session", lambda sdk: sdk.delete_embed_cookieless_session(reference))
            except ApiError as exc:
                if exc.status != 404:  # already gone in Looker is what was asked for
                    raise
        return True

    def _acquire(self, user: EmbedUser, reference: str | None) -> Any:
        settings = self.settings
        body = m.EmbedCookielessSessionAcquire(
            session_reference_token=reference,
            external_user_id=user.external_user_id,
            first_name=user.first_name,
            permissions=list(settings.embed_permissions),
            models=list(settings.embed_models or settings.allowed_models),
            session_length=settings.embed_session_length,
            user_attributes=user.user_attributes,
        )
        return self.looker.call(
            "cookieless embed session", lambda sdk: sdk.acquire_embed_cookieless_session(body), subject="cookieless"
        )

    def _keep(self, key: str, answer: Any) -> None:
        left = int(getattr(answer, "session_reference_token_ttl", 0) or 0)
        reference = getattr(answer, "session_reference_token", None)
        if reference and left > 0:  # an ended session keeps the grace it was given when it was live
            self.store.put(key, reference, left + ENDED_GRACE_SECONDS)
