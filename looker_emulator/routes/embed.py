"""Embedding: signed SSO URLs and the page a signed URL opens (cookieless embedding is in cookieless.py)."""

from __future__ import annotations

import hmac
import json
import secrets
import time
from urllib.parse import unquote, urlsplit

import orjson
from flask import Blueprint, Response, request

from .. import embed, embed_pages
from ..wire import body_json, error, json_response, operation, state
from . import cookieless

bp = Blueprint("embed", __name__, url_prefix="/api/4.0")
pages = Blueprint("embed_pages", __name__)


@bp.post("/embed/sso_url")
@operation("create_sso_embed_url")
def create_sso_embed_url():
    """Sign an embed URL for an external user, as an admin API user may."""
    params = body_json()
    target = urlsplit(str(params.get("target_url") or ""))
    if not target.scheme or not target.netloc or not target.path:
        return error(
            422,
            "Validation Failed",
            [{"field": "target_url", "code": "invalid", "message": "target_url must be a full URL"}],
        )
    if not params.get("group_ids") and not (params.get("models") and params.get("permissions")):
        return error(
            422,
            "Validation Failed",
            [{"field": "models", "code": "missing", "message": "Give group_ids, or both models and permissions"}],
        )
    path = target.path if target.path.startswith("/embed/") else "/embed" + target.path
    values = {
        "nonce": secrets.token_hex(16),
        "time": int(time.time()),
        "session_length": int(params.get("session_length") or 300),
        "external_user_id": str(params.get("external_user_id") or ""),
        "permissions": list(params.get("permissions") or []),
        "models": list(params.get("models") or []),
        "access_filters": {},
    }
    for optional in ("group_ids", "external_group_id", "user_attributes", "first_name", "last_name"):
        if params.get(optional) is not None:
            values[optional] = params[optional]
    query = f"?{target.query}" if target.query else ""
    url = embed.signed_url(state().config.embed_secret, request.host, path + query, values, scheme=request.scheme)
    return json_response({"url": url})


@pages.get("/login/embed//<path:target>", merge_slashes=False)  # the target is one %2F-encoded segment
def embed_login(target: str):
    """Check a signed embed URL (signature, time, single-use nonce) and show the embedded content."""
    raw_path = request.environ.get("RAW_URI", request.path).split("?")[0]  # what was signed, still encoded
    if "embed_authentication_token" in request.args:
        return cookieless.login(unquote(raw_path.removeprefix("/login/embed/")))
    names = embed.SIGNED
    params = {name: request.args[name] for name in names if name in request.args}
    given = request.args.get("signature", "")
    expected = embed.signature(state().config.embed_secret, request.host, raw_path, params)
    page_error = None
    if not hmac.compare_digest(given, expected):
        page_error = "The embed URL's signature does not match."
    elif abs(time.time() - int(params.get("time", "0"))) > 300:
        page_error = "The embed URL has expired."
    else:
        with state().lock:
            if params.get("nonce") in state().nonces:
                page_error = "The embed URL was already used."
            state().nonces.add(params.get("nonce", ""))
    if page_error:
        return Response(
            f"<!doctype html><title>Embed refused</title><h1>{page_error}</h1>",
            401,
            content_type="text/html; charset=utf-8",
        )
    _signed_in_user(params)  # opening a signed URL makes or updates its embed user, as in Looker
    status, page = embed_pages.page(unquote(raw_path.removeprefix("/login/embed/")), _viewer(params))
    return Response(page, status, content_type="text/html; charset=utf-8")


def _viewer(params: dict[str, str]) -> dict:
    """Return the embed user a signed URL describes, its JSON-encoded values decoded."""
    viewer = {}
    for name in ("external_user_id", "permissions", "models", "group_ids", "external_group_id", "user_attributes"):
        try:
            viewer[name] = orjson.loads(params[name])
        except (KeyError, orjson.JSONDecodeError):
            continue
    return viewer


def _signed_in_user(params: dict[str, str]):
    """Create or update the embed user a verified signed URL describes (its values arrive JSON-encoded)."""
    raw = {**params, **{n: request.args[n] for n in ("first_name", "last_name") if n in request.args}}
    signed = {}
    for name, value in raw.items():
        try:
            signed[name] = json.loads(value)
        except ValueError:
            signed[name] = value
    return state().users.sign_in_embed(signed) if signed.get("external_user_id") else None
