"""Who is calling: API keys from `Authorization: Bearer` or `X-API-Key`, compared in constant time."""

from __future__ import annotations

import hmac

from flask import Flask, current_app, g, request

from .errors import ApiError

PUBLIC_ENDPOINTS = {"health.healthz", "health.readyz", "static", "openapi.openapi_json", "openapi.docs"}


def _presented() -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.headers.get("X-API-Key", "").strip() or None


def identify(keys, allow_anonymous: bool) -> str:
    """Return the caller's label, or raise 401 when no configured credential matches."""
    presented = _presented()
    if presented is not None:
        match = None
        for label, key in keys:  # look at every key so timing does not reveal which one nearly matched
            if hmac.compare_digest(presented.encode(), key.reveal().encode()):
                match = label
        if match:
            return match
        raise ApiError(401, "The API key is not valid.")
    if allow_anonymous:
        return "anonymous"
    raise ApiError(401, "Send an API key as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'.")


def _authenticate() -> None:
    if request.method == "OPTIONS" or request.url_rule is None or request.endpoint in PUBLIC_ENDPOINTS:
        g.caller = "anonymous"
        return  # unknown routes and wrong methods fall through to their 404/405
    settings = current_app.extensions["settings"]
    g.caller = identify(settings.api_keys, settings.allow_anonymous)


def caller() -> str:
    """Return the authenticated caller's label."""
    return g.get("caller", "anonymous")


def init_app(app: Flask) -> None:
    """Check credentials before every request that needs them."""
    app.before_request(_authenticate)
