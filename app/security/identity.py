"""Who is calling: an API key (constant-time compare) or a signed JWT from the front end (PyJWT)."""

from __future__ import annotations

import hmac
import logging

import jwt
from flask import Flask, g, request

from app.config import Settings
from app.errors import ApiError
from app.handover import handover

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

    @property
    def enabled(self) -> bool:
        return bool(self.settings.jwt_secret or self.jwks)

    def subject(self, token: str) -> str:
        """Return the token's `sub`, or raise 401 with a reason that tells an attacker nothing useful."""
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
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise ApiError(401, "The token is not valid.")
        return subject


def _presented(authorization: str, api_key: str) -> str | None:
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return api_key.strip() or None


def _looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2 and token.startswith("eyJ")


def identify(settings: Settings, verifier: TokenVerifier, authorization: str, api_key: str) -> tuple[str, str]:
    """Return how the caller proved who they are ("key", "jwt" or "anonymous") and their name, or raise 401.

    Takes the Authorization and X-API-Key header values (empty when absent). The kind keeps the two
    namespaces apart: a token whose `sub` is "admin" is not the `admin` API key.
    """
    presented = _presented(authorization, api_key)
    if presented is None:
        if settings.allow_anonymous:
            return "anonymous", "anonymous"
        raise ApiError(
            401,
            "Send an API key as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'"
            + (", or a signed token as 'Authorization: Bearer <jwt>'." if verifier.enabled else "."),
        )
    if verifier.enabled and _looks_like_jwt(presented):
        return "jwt", verifier.subject(presented)
    match = None
    for label, key in settings.api_keys:  # look at every key so timing does not reveal which one nearly matched
        if hmac.compare_digest(presented.encode(), key.reveal().encode()):
            match = label
    if match:
        return "key", match
    raise ApiError(401, "The credentials are not valid.")


def caller() -> str:
    """Return the authenticated caller's name: the API key label or the JWT subject."""
    return g.get("caller", "anonymous")


def identity_key(kind: str, name: str) -> str:
    """Return a caller's name qualified by how they authenticated, for limits and anything shared."""
    return f"{kind}:{name}"


def external_user_id(kind: str, name: str, issuer: str | None) -> str:
    """Return the Looker embed user id of a caller, kept apart by kind: `key:<label>`, `jwt:<iss>|<sub>`.

    A JWT without an issuer is `jwt:<sub>`; an anonymous caller (ALLOW_ANONYMOUS) is `anonymous`.
    """
    if kind == "jwt":
        return f"jwt:{issuer}|{name}" if issuer else f"jwt:{name}"
    if kind == "key":
        return f"key:{name}"
    return name


def caller_key() -> str:
    """Return the current caller's identity_key."""
    return identity_key(g.get("caller_kind", "anonymous"), caller())


def is_admin() -> bool:
    """Say whether the caller is the API key labelled `admin` (never a token that merely claims the name)."""
    return g.get("caller_kind") == "key" and caller() == "admin"


def init_app(app: Flask, settings: Settings, verifier: TokenVerifier) -> None:
    """Check credentials before every request that needs them."""

    def authenticate() -> None:
        if request.method == "OPTIONS" or request.url_rule is None or request.endpoint in PUBLIC_ENDPOINTS:
            g.caller_kind, g.caller = "anonymous", "anonymous"
            return  # preflights, unknown routes and wrong methods fall through to CORS, 404 and 405
        given = handover(request.environ)  # the fast path may have identified the caller already
        known = given.identity if given is not None else None
        if isinstance(known, ApiError):
            raise known
        g.caller_kind, g.caller = known or identify(
            settings, verifier, request.headers.get("Authorization", ""), request.headers.get("X-API-Key", "")
        )

    app.before_request(authenticate)
