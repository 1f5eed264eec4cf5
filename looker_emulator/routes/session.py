"""Session routes: login, logout, versions and the service account, as the SDK's auth uses them."""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, request

from ..access import current_user
from ..wire import error, json_response, operation, state
from .users import user_json

bp = Blueprint("session", __name__, url_prefix="/api/4.0")
unversioned = Blueprint("session_unversioned", __name__)


@bp.post("/login")
@operation("login", auth=False)
def login():
    """Exchange API3 credentials (form body or query string) for an access token."""
    client_id = request.form.get("client_id") or request.args.get("client_id") or ""
    client_secret = request.form.get("client_secret") or request.args.get("client_secret") or ""
    config = state().config
    if not (
        hmac.compare_digest(client_id, config.client_id) and hmac.compare_digest(client_secret, config.client_secret)
    ):
        return error(404, "Not found")
    return json_response(
        {
            "access_token": state().issue_token(),
            "token_type": "Bearer",
            "expires_in": config.token_ttl,
            "refresh_token": None,
        }
    )


@bp.delete("/logout")
@operation("logout")
def logout():
    """Invalidate the caller's token."""
    state().revoke(request.headers.get("Authorization", "").partition(" ")[2].strip())
    return Response(status=204)


@unversioned.delete("/api/logout")
@operation("logout")
def logout_unversioned():
    """Invalidate the caller's token (the path the SDK's auth.logout uses)."""
    return logout.__wrapped__()


@bp.get("/versions")
@operation("versions", auth=False)
def versions():
    """Describe the API versions this instance serves."""
    base = request.host_url.rstrip("/")
    current = {
        "version": "4.0",
        "full_version": "4.0.26.12",
        "status": "current",
        "swagger_url": f"{base}/api/4.0/swagger.json",
    }
    return json_response(
        {
            "looker_release_version": "26.12.3",
            "current_version": current,
            "supported_versions": [current],
            "api_server_url": base,
            "web_server_url": base,
        }
    )


@bp.get("/user")
@operation("me")
def me():
    """Return the user the token belongs to: the service account, or the user a login_user token runs as."""
    return json_response(user_json(current_user()))
