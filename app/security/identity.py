"""Who is calling: an API key (constant-time compare) or a signed JWT from the front end (PyJWT)."""

from __future__ import annotations

import hmac
import logging
import threading
import time
from typing import NamedTuple

import jwt
from cachetools import LRUCache

from app.config import Settings
from app.errors import ApiError
from app.frontdoor.state import ANONYMOUS, current

log = logging.getLogger("looker_proxy.auth")
PUBLIC_ENDPOINTS = {
    "health.healthz",
    "health.readyz",
    "static",
    "docs.openapi_json",
    "docs.docs_page",
    "docs.docs_asset",
    "demo.redirect_to_page",  # the demo page needs no credentials (contract section 3); its API calls do
    "demo.demo_page",
    "demo.demo_asset",
}
LEEWAY_SECONDS = 30
VERIFIED_TOKENS = 4096
ASYMMETRIC = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]


class TokenVerifier:
    """Verify JWTs: HS256 with JWT_SECRET, or asymmetric keys from JWT_JWKS_URL (cached, refreshed on a new kid)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.jwks = (
            jwt.PyJWKClient(
                settings.jwt_jwks_url,
                cache_keys=True,
                lifespan=3600,
                timeout=5,
                cooldown_duration=settings.jwt_jwks_cooldown,
            )
            if settings.jwt_jwks_url
            else None
        )
        # A dashboard sends the same token with every request; a verified one is remembered (by its exact bytes,
        # which the signature covers) until its `exp`, so a hit does not pay for the signature check again.
        self._verified: LRUCache = LRUCache(maxsize=VERIFIED_TOKENS)
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return bool(self.settings.jwt_secret or self.jwks)

    def claims(self, token: str) -> dict:
        """Return the verified claims (with a `sub`), or raise 401 with a reason that tells an attacker nothing."""
        with self._lock:
            known = self._verified.get(token)
        if known is not None and time.time() < known["exp"] + LEEWAY_SECONDS:
            return known
        claims = self._verify(token)
        if isinstance(claims.get("exp"), int | float):
            with self._lock:
                self._verified[token] = claims
        return claims

    def _verify(self, token: str) -> dict:
        options = {
            "require": ["exp", "sub"]
            + (["aud"] if self.settings.jwt_audience else [])
            + (["iss"] if self.settings.jwt_issuer else [])
        }
        try:
            if self.jwks is not None:
                key, algorithms = self.jwks.get_signing_key_from_jwt(token).key, ASYMMETRIC
            else:
                key, algorithms = self.settings.jwt_secret.reveal(), ["HS256"]
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                leeway=LEEWAY_SECONDS,
                options=options,
                audience=self.settings.jwt_audience or None,
                issuer=self.settings.jwt_issuer or None,
            )
        except jwt.ExpiredSignatureError:
            raise ApiError(401, "The token has expired.") from None
        except (jwt.PyJWTError, ValueError) as exc:
            log.info("token refused", extra={"event": "jwt_refused", "reason": type(exc).__name__})
            raise ApiError(401, "The token is not valid.") from None
        subject, issuer = claims.get("sub"), claims.get("iss")
        if not isinstance(subject, str) or not subject or not isinstance(issuer, str | None):
            raise ApiError(401, "The token is not valid.")
        return claims


def _presented(authorization: str, api_key: str) -> str | None:
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return api_key.strip() or None


def _looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2 and token.startswith("eyJ")


class Caller(NamedTuple):
    """Who is calling: how they proved it (key, jwt or anonymous), their name, and a token's claims."""

    kind: str
    name: str  # the API key's label; for a JWT `<iss>|<sub>`, or `<sub>` when it has no issuer
    claims: dict

    @property
    def identity(self) -> tuple[str, str]:
        return self.kind, self.name


def identify(settings: Settings, verifier: TokenVerifier, authorization: str, api_key: str) -> Caller:
    """Return who the caller is, or raise 401.

    Takes the Authorization and X-API-Key header values (empty when absent). The kind keeps the two
    namespaces apart: a token whose `sub` is "admin" is not the `admin` API key, and a JWT's name carries
    its issuer, so two issuers' subjects never meet.
    """
    presented = _presented(authorization, api_key)
    if presented is None:
        if settings.allow_anonymous:
            return Caller("anonymous", "anonymous", {})
        raise ApiError(
            401,
            "Send an API key as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'"
            + (", or a signed token as 'Authorization: Bearer <jwt>'." if verifier.enabled else "."),
        )
    if verifier.enabled and _looks_like_jwt(presented):
        claims = verifier.claims(presented)
        issuer = claims.get("iss")
        name = f"{issuer}|{claims['sub']}" if isinstance(issuer, str) and issuer else claims["sub"]
        return Caller("jwt", name, claims)
    match = None
    for label, key in settings.api_keys:  # look at every key so timing does not reveal which one nearly matched
        if hmac.compare_digest(presented.encode(), key.reveal().encode()):
            match = label
    if match:
        return Caller("key", match, {})
    raise ApiError(401, "The credentials are not valid.")


def caller() -> str:
    """Return the authenticated caller's name: the API key label or the JWT subject."""
    state = current()
    return state.identity[1] if state is not None else "anonymous"


def identity_key(kind: str, name: str) -> str:
    """Return a caller's name qualified by how they authenticated: `key:<label>`, `jwt:<iss>|<sub>`.

    It keys limits and everything kept per caller, and it is the caller's Looker `external_user_id`.
    """
    return f"{kind}:{name}"


def caller_key() -> str:
    """Return what the current caller's task and render ids are bound to: its identity_key, and under
    USER_ATTRIBUTES the fingerprint of its Looker user's attribute values (another value set is another identity).
    """
    state = current()
    key = identity_key(*(state.identity if state is not None else ANONYMOUS))
    return f"{key}#{state.user.fingerprint}" if state is not None and state.user is not None else key


def external_user_id(kind: str, name: str) -> str:
    """Return the Looker embed user id of an identity: `key:<label>`, `jwt:<iss>|<sub>` or `jwt:<sub>`.

    The kind comes first so a token whose `sub` is `web` never becomes the embed user of the API key `web`.
    """
    return identity_key(kind, name)


def caller_external_user_id() -> str:
    """Return the current caller's Looker embed user id (see external_user_id)."""
    state = current()
    return external_user_id(*(state.identity if state is not None else ANONYMOUS))


def is_admin() -> bool:
    """Say whether the caller is the API key labelled `admin` (never a token that merely claims the name)."""
    state = current()
    return state is not None and state.identity == ("key", "admin")
