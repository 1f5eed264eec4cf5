"""Cookieless embedding as `@looker/embed-sdk` drives it: the three API calls, the login page, the pages.

The host page's server acquires a session and gives the browser its tokens; the SDK then opens an
IFRAME at `/login/embed/<encoded src>?embed_authentication_token=...`, where src is the content's path
with `embed_domain`, `sdk=3` and `embed_navigation_token`. The login spends the authentication token and
redirects to src; the content page checks the navigation token and carries `static/embed_session.js`,
which talks to the SDK over chatty's postMessage protocol (see that file) for fresh tokens before they
expire, and reloads its data through `/api/internal/embed/content` with the API token it was sent, in
the `X-Looker-Embed-Api-Token` header (the emulator's stand-in for Looker's own internal API).
"""

from __future__ import annotations

import html
from pathlib import Path
from urllib.parse import urlsplit

import orjson
from flask import Blueprint, Response, redirect, request

from .. import embed_pages
from ..cookieless import SessionMismatch
from ..wire import body_json, error, json_response, operation, state

bp = Blueprint("cookieless", __name__, url_prefix="/api/4.0")
pages = Blueprint("cookieless_pages", __name__)
SCRIPT = (Path(__file__).parents[1] / "static" / "embed_session.js").read_text()
API_TOKEN_HEADER = "X-Looker-Embed-Api-Token"


@bp.post("/embed/cookieless_session/acquire")
@operation("acquire_embed_cookieless_session")
def acquire_embed_cookieless_session():
    """Start a cookieless embed session, or attach to a live one, and hand out its tokens."""
    params = body_json()
    attaching = state().cookieless.is_live(str(params.get("session_reference_token") or ""))
    try:
        tokens = state().cookieless.acquire(params, request.headers.get("User-Agent", ""))
    except SessionMismatch:
        return error(404, "Not found")
    if not attaching and params.get("external_user_id"):  # a new session makes or updates its embed user
        state().users.sign_in_embed(params)
    return json_response(tokens)


@bp.put("/embed/cookieless_session/generate_tokens")
@operation("generate_tokens_for_cookieless_session")
def generate_tokens_for_cookieless_session():
    """Replace a session's navigation and API tokens; an expired session gets a time to live of 0."""
    reference = str(body_json().get("session_reference_token") or "")
    if not reference:
        return error(
            422,
            "Validation Failed",
            [{"field": "session_reference_token", "code": "missing", "message": "session_reference_token is required"}],
        )
    tokens = state().cookieless.generate(reference)
    return json_response(tokens) if tokens else error(404, "Not found")


@bp.delete("/embed/cookieless_session/<reference>")
@operation("delete_embed_cookieless_session")
def delete_embed_cookieless_session(reference: str):
    """End a cookieless embed session; its tokens stop working."""
    return Response(status=204) if state().cookieless.delete(reference) else error(404, "Not found")


def _refused(message: str) -> Response:
    page = f"<!doctype html><title>Embed refused</title><h1>{html.escape(message)}</h1>"
    return Response(page, 401, content_type="text/html; charset=utf-8")


def login(src: str) -> Response:
    """Spend the authentication token of a cookieless IFRAME URL, then go to the content it names."""
    session = state().cookieless.authenticate(request.args.get("embed_authentication_token", ""))
    if session is None:
        return _refused("The embed authentication token is unknown, used or expired.")
    target = urlsplit(src)
    if not target.path.startswith("/embed/"):
        return _refused("The embed URL names no embeddable content.")
    return redirect(target.path + (f"?{target.query}" if target.query else ""), 302)


@pages.get("/embed/<path:target>")
def embed_content_page(target: str):
    """Show embedded content to the holder of a current navigation token, with the token script."""
    session = state().cookieless.by_navigation(request.args.get("embed_navigation_token", ""))
    if session is None:
        return _refused("The embed navigation token is unknown, replaced or expired.")
    config = {
        "embed_domain": request.args.get("embed_domain") or session.user.get("embed_domain") or "",
        "content_url": "/api/internal/embed/content",
        "token_header": API_TOKEN_HEADER,
        "target": request.full_path.rstrip("?"),
        "looker_version": "25.0.0",
    }
    data = orjson.dumps(config).decode().replace("</", "<\\/")
    script = f"<script type='application/json' id='embed-config'>{data}</script><script>{SCRIPT}</script>"
    status, page = embed_pages.page(request.full_path, session.user, script)
    return Response(page, status, content_type="text/html; charset=utf-8")


@pages.get("/api/internal/embed/content")
def embed_content():
    """Return the content of an embed target as an HTML fragment, for the holder of a current API token."""
    session = state().cookieless.by_api(request.headers.get(API_TOKEN_HEADER, ""))
    if session is None:
        return error(401, "The embed API token is unknown, replaced or expired.")
    found = embed_pages.content(request.args.get("target", ""), session.user)
    if found is None:
        return error(404, "Not found")
    return Response(found[1], content_type="text/html; charset=utf-8")
