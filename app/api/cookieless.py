"""Cookieless embed for the calling user: the acquire and generate calls `@looker/embed-sdk` makes to the host
page's server, and the end of the session. The session's reference token never leaves the service."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import orjson
from flask import Blueprint, Response, request

from ..errors import ApiError
from ..frontdoor.state import acting_user, current
from ..looker.cookieless import EmbedUser, session_key
from ..schemas_cookieless import CookielessTokensRequest
from ..security.identity import caller, caller_external_user_id
from ..services import services
from ..validation import json_body, parse

bp = Blueprint("cookieless", __name__, url_prefix="/api/embed/cookieless")
log = logging.getLogger("looker_proxy.embed")
NO_STORE = {"Cache-Control": "no-store"}


def _user() -> EmbedUser:
    settings = services().settings
    if not (settings.embed_models or settings.allowed_models):
        raise ApiError(403, "Embedding is not enabled here: set EMBED_MODELS (or ALLOWED_MODELS) on the service.")
    acting = acting_user()  # per-user data: the embedded rows are the ones the API shows this caller
    attributes = acting.attribute_map if acting is not None else {}
    return EmbedUser(caller_external_user_id(), first_name=caller(), user_attributes=attributes)


def _key(user: EmbedUser) -> str:
    state = current()  # per identity: the same subject with other attribute values is another session
    fingerprint = state.user.fingerprint if state is not None and state.user is not None else ""
    return session_key(user.external_user_id + fingerprint, request.headers.get("User-Agent", ""))


def _json(body: dict) -> Response:
    return Response(orjson.dumps(body), content_type="application/json", headers=NO_STORE)


@bp.get("/config")
def get_cookieless_config():
    """Say which Looker host the browser embeds from, for initCookieless."""
    settings = services().settings
    _user()
    host = urlsplit(settings.web_url).netloc
    return _json({"looker_host": host, "looker_url": settings.web_url, "session_length": settings.embed_session_length})


@bp.get("/acquire")
def acquire_cookieless_session():
    """Start or join the caller's cookieless embed session and return its tokens."""
    user = _user()
    tokens = services().cookieless.acquire(_key(user), user)
    log.info("cookieless session acquired", extra={"event": "embed_cookieless_acquired", "caller": caller()})
    return _json(tokens)


@bp.put("/tokens")
def generate_cookieless_tokens():
    """Return fresh navigation and API tokens for the caller's session."""
    body = parse(CookielessTokensRequest, json_body())
    user = _user()
    return _json(services().cookieless.tokens(_key(user), user, body.api_token, body.navigation_token))


@bp.delete("/session")
def end_cookieless_session():
    """End the caller's cookieless embed session in Looker."""
    user = _user()
    if services().cookieless.end(_key(user)):
        log.info("cookieless session ended", extra={"event": "embed_cookieless_ended", "caller": caller()})
    response = Response(status=204, headers=NO_STORE)
    del response.headers["Content-Type"]  # a bodiless answer names no type
    return response
