"""Looker sessions of per-user identities: an embed user per identity, and its `login_user` token, made once.

A caller under USER_ATTRIBUTES acts in Looker as an embed user carrying its attribute values, so Looker's
`access_filter`s decide its rows. Making one costs three service-account calls (the README lists them):
`acquire_embed_cookieless_session` creates the embed user, or updates its attributes, permissions and
models; `user_for_credential("embed", external_user_id)` finds its id; `login_user(id)` gives a token that
runs calls as that user. The token is kept, in this process and in Redis when REDIS_URL is set (so every
worker and instance shares it), until shortly before it expires; a burst of one new identity's requests
makes one, behind a lock. The token is kept per Looker user (its external id) together with the attribute
values that user was last given: all of a user's `login_user` tokens run with whatever values Looker holds
now, so a token is only reused by a caller with those same values, and a changed claim value (also back to an
earlier one) first updates the attributes. The token is passed on each call (transport.py), never swapped
into the shared SDK's own auth, which other threads use at the same moment.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING

import orjson
from looker_sdk.sdk.api40 import models as looker

from app.config import Settings
from app.errors import ApiError

if TYPE_CHECKING:
    from app.security.people import LookerUser

    from .client import LookerClient

log = logging.getLogger("looker_proxy.users")
MARGIN_SECONDS = 60  # a token this close to its end is replaced before use
LOCK_SECONDS = 15
WAIT_SECONDS = 15


class UserSessions:
    """login_user tokens of per-user identities, made once per identity and token lifetime."""

    def __init__(self, settings: Settings, client: LookerClient, clock: Callable[[], float] = time.time):
        self.settings, self.client, self.clock = settings, client, clock
        self._local: dict[str, tuple[str, float, str]] = {}  # Looker user -> (token, expires, fingerprint)
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._redis = None
        self.prefix = "lp:" + hashlib.sha256(settings.looker_base_url.encode()).hexdigest()[:10] + ":user:"

    @property
    def redis(self):
        """Return the shared Redis client (None without REDIS_URL), built lazily in the worker."""
        if self._redis is None and self.settings.redis_url:
            import redis

            self._redis = redis.Redis.from_url(self.settings.redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
        return self._redis

    def token(self, user: LookerUser) -> str:
        """Return a live login_user token for the user, making the embed user and token when needed."""
        known = self._usable(self._local.get(self._key(user)), user)
        if known:
            return known
        with self._lock_for(self._key(user)):  # one per Looker user in this process
            known = self._usable(self._local.get(self._key(user)), user) or self._usable(self._shared_get(user), user)
            if not known:
                known = self._shared_make(user)
            return known

    def forget(self, user: LookerUser) -> None:
        """Drop a token Looker refused (revoked or expired early), here and for every instance."""
        self._local.pop(self._key(user), None)
        try:
            if self.redis is not None:
                self.redis.delete(self.prefix + self._key(user))
        except Exception as exc:  # noqa: BLE001 - Redis down: this process forgot it, which is what matters
            log.warning("could not drop a shared user token", extra={"error": type(exc).__name__})

    # ---- where tokens are kept -----------------------------------------------------------------------
    @staticmethod
    def _key(user: LookerUser) -> str:
        """Return the Looker user a token belongs to: one per external id, whatever its attribute values."""
        return hashlib.sha256(user.external_user_id.encode()).hexdigest()[:24]

    def _usable(self, found: tuple[str, float, str] | None, user: LookerUser) -> str | None:
        """Return the token if it is live and its Looker user carries this caller's attribute values."""
        if found is None or found[1] - MARGIN_SECONDS <= self.clock() or found[2] != user.fingerprint:
            return None
        return found[0]

    def _lock_for(self, fingerprint: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(fingerprint, threading.Lock())

    def _shared_get(self, user: LookerUser) -> tuple[str, float, str] | None:
        try:
            raw = self.redis.get(self.prefix + self._key(user)) if self.redis is not None else None
        except Exception:  # noqa: BLE001 - Redis down: make one for this process
            return None
        if raw is None:
            return None
        found = orjson.loads(raw)
        kept = (found["token"], found["expires"], found.get("fingerprint", ""))
        self._local[self._key(user)] = kept
        return kept

    def _shared_make(self, user: LookerUser) -> str:
        """Make the token under a Redis lock (when Redis is there), so a burst across instances makes one."""
        redis = self.redis
        lock_key = self.prefix + "lock:" + self._key(user)
        holder = False
        try:
            if redis is not None:
                deadline = time.monotonic() + WAIT_SECONDS
                while not (holder := bool(redis.set(lock_key, "1", nx=True, ex=LOCK_SECONDS))):
                    found = self._usable(self._shared_get(user), user)
                    if found:
                        return found
                    if time.monotonic() > deadline:
                        break  # the holder vanished: make our own
                    time.sleep(0.02)
        except Exception:  # noqa: BLE001 - Redis down: make one for this process
            redis = None
        try:
            token, expires = self._make(user)
            self._local[self._key(user)] = (token, expires, user.fingerprint)
            if redis is not None:
                ttl = max(1, int(expires - self.clock() - MARGIN_SECONDS))
                kept = {"token": token, "expires": expires, "fingerprint": user.fingerprint}
                redis.set(self.prefix + self._key(user), orjson.dumps(kept), ex=ttl)
            return token
        finally:
            if redis is not None and holder:
                try:
                    redis.delete(lock_key)
                except Exception:  # noqa: BLE001 - the lock expires by itself
                    pass

    # ---- the three Looker calls ----------------------------------------------------------------------
    def _make(self, user: LookerUser) -> tuple[str, float]:
        client, settings = self.client, self.settings
        models = list(settings.embed_models or settings.allowed_models) or self._all_models()
        session = looker.EmbedCookielessSessionAcquire(
            external_user_id=user.external_user_id,
            user_attributes=user.attribute_map,
            permissions=list(settings.embed_permissions),
            models=models,
            session_length=settings.embed_session_length,
        )
        what = f"the Looker user of {user.external_user_id}"
        client.call(what, lambda sdk: sdk.acquire_embed_cookieless_session(session), subject="users", service=True)
        found = client.call(
            what,
            lambda sdk: sdk.user_for_credential("embed", user.external_user_id, fields="id"),
            subject="users",
            service=True,
        )
        if not found or not found.id:
            raise ApiError(502, "Looker did not make the embed user for this caller.")

        def login(sdk):
            with warnings.catch_warnings():  # the SDK warns on every call about a change made in Looker 21.4
                warnings.simplefilter("ignore", UserWarning)
                return sdk.login_user(str(found.id))

        token = client.call(what, login, subject="users", service=True, op="login_user")
        if not token or not token.access_token:
            raise ApiError(502, "Looker did not give a session for this caller's Looker user.")
        log.info("looker user session made", extra={"event": "user_session_made", "user": user.external_user_id})
        return token.access_token, self.clock() + float(token.expires_in or 3600)

    def _all_models(self) -> list[str]:
        found = self.client.call(
            "the LookML models", lambda sdk: sdk.all_lookml_models(fields="name"), subject="users", service=True
        )
        return sorted(m.name for m in found or [] if m.name)
