"""Embedding: signed SSO URLs, cookieless sessions, and the pages a signed URL opens."""

from __future__ import annotations

import hmac
import json
import secrets
import time
from urllib.parse import unquote, urlsplit

from flask import Blueprint, Response, request

from .. import embed, formats
from ..access import run_as
from ..content import DASHBOARDS, LOOKS
from ..wire import body_json, error, json_response, operation, state

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


@bp.post("/embed/cookieless_session/acquire")
@operation("acquire_embed_cookieless_session")
def acquire_embed_cookieless_session():
    """Start a cookieless embed session and hand out its tokens."""
    params = body_json()
    reference = params.get("session_reference_token") or secrets.token_urlsafe(24)
    live = state().cookieless.get(reference)
    if live is not None and live["expires"] > time.time():
        user_id = live.get("user_id")  # a live session keeps its embed user as it was, as Looker does
    else:
        user_id = state().users.sign_in_embed(params).id if params.get("external_user_id") else None
    with state().lock:
        state().cookieless[reference] = {
            "user": params.get("external_user_id"),
            "user_id": user_id,
            "expires": time.time() + int(params.get("session_length") or 3600),
        }
    return json_response(_cookieless_tokens(reference, authentication=True))


def _cookieless_tokens(reference: str, authentication: bool = False) -> dict:
    session = state().cookieless.get(reference)
    remaining = max(0, int(session["expires"] - time.time())) if session else 0
    tokens = {
        "session_reference_token": reference,
        "session_reference_token_ttl": remaining,
        "navigation_token": secrets.token_urlsafe(16),
        "navigation_token_ttl": 600,
        "api_token": secrets.token_urlsafe(16),
        "api_token_ttl": 600,
    }
    if authentication:
        tokens.update(authentication_token=secrets.token_urlsafe(16), authentication_token_ttl=30)
    return tokens


@bp.put("/embed/cookieless_session/generate_tokens")
@operation("generate_tokens_for_cookieless_session")
def generate_tokens_for_cookieless_session():
    """Refresh a cookieless session's navigation and API tokens."""
    reference = str(body_json().get("session_reference_token") or "")
    if reference not in state().cookieless:
        return error(400, "session_reference_token is not a live session")
    return json_response(_cookieless_tokens(reference))


@bp.delete("/embed/cookieless_session/<reference>")
@operation("delete_embed_cookieless_session")
def delete_embed_cookieless_session(reference: str):
    """End a cookieless embed session."""
    with state().lock:
        found = state().cookieless.pop(reference, None)
    return Response(status=204) if found else error(404, "Not found")


@pages.get("/login/embed//<path:target>", merge_slashes=False)  # the target is one %2F-encoded segment
def embed_login(target: str):
    """Check a signed embed URL (signature, time, single-use nonce) and show the embedded content."""
    raw_path = request.environ.get("RAW_URI", request.path).split("?")[0]  # what was signed, still encoded
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
    return _embed_page(unquote(raw_path.removeprefix("/login/embed/")), _signed_in_user(params))


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


def _embed_page(target: str, user=None) -> Response:
    path = urlsplit(target).path
    parts = path.strip("/").split("/")
    if len(parts) == 3 and parts[:2] == ["embed", "dashboards"] and parts[2] in DASHBOARDS:
        spec = DASHBOARDS[parts[2]]
        tiles = []
        for tile in spec["elements"]:
            query = LOOKS[tile["look_id"]]["query"] if tile.get("look_id") else tile.get("query")
            table = (
                formats.render(run_as(user, query), "html", query).decode()
                if query
                else f"<p>{tile.get('text', '')}</p>"
            )
            tiles.append(f"<section class='tile'><h2>{tile['title']}</h2>{table}</section>")
        html = (
            f"<!doctype html><html><head><meta charset='utf-8'><title>{spec['title']}</title></head>"
            f"<body><h1 id='dashboard-title'>{spec['title']}</h1>{''.join(tiles)}</body></html>"
        )
        return Response(html, content_type="text/html; charset=utf-8")
    html = f"<!doctype html><title>Embedded</title><h1 id='dashboard-title'>Embedded {path}</h1>"
    return Response(html, content_type="text/html; charset=utf-8")
