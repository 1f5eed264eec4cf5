"""Signed embed URLs for the calling user: who they are comes from their credentials, what they may do
from the server's settings; the request body can only add dashboard filters."""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import urlencode

import orjson
from flask import Blueprint, Response, request

from ..errors import ApiError
from ..looker.dashboards import checked_id, filter_names, refuse_unknown_filters
from ..looker.embed import signed_embed_url
from ..names import LOOKML_NAME
from ..schemas import EmbedRequestBody
from ..security.governance import require_model
from ..security.identity import caller
from ..services import services
from ..validation import json_body, parse

bp = Blueprint("embed", __name__, url_prefix="/api/embed")
log = logging.getLogger("looker_proxy.embed")


def _filters() -> dict[str, str]:
    if not request.get_data(cache=True):
        return {}
    return parse(EmbedRequestBody, json_body()).filters


def _issue(target: str, kind: str, ident: str, known_filters: Callable[[], list[str]] | None = None) -> Response:
    settings = services().settings
    models = list(settings.embed_models or settings.allowed_models)
    if not models:
        raise ApiError(403, "Embedding is not enabled here: set EMBED_MODELS (or ALLOWED_MODELS) on the service.")
    filters = _filters()
    if filters and known_filters is not None:  # the same names GET /api/dashboards/<id>/data accepts
        refuse_unknown_filters(filters, known_filters(), "filters.")
    path = target + ("?" + urlencode(filters) if filters else "")
    user = caller()
    if settings.looker_embed_secret:
        url = signed_embed_url(
            settings.looker_embed_secret.reveal(),
            settings.looker_embed_host,
            path,
            external_user_id=user,
            permissions=list(settings.embed_permissions),
            models=models,
            session_length=settings.embed_session_length,
        )
    else:
        request_body = {
            "target_url": settings.looker_base_url + path,
            "external_user_id": user,
            "permissions": list(settings.embed_permissions),
            "models": models,
            "session_length": settings.embed_session_length,
            "force_logout_login": True,
        }
        url = (
            services()
            .looker.call(f"an embed URL for {kind} {ident}", lambda sdk: sdk.create_sso_embed_url(request_body))
            .url
        )
    log.info("embed url issued", extra={"event": "embed_issued", "caller": user, "target": f"{kind} {ident}"})
    return Response(
        orjson.dumps({"url": url, "session_length": settings.embed_session_length}),
        content_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


@bp.post("/dashboards/<dashboard_id>")
def embed_dashboard(dashboard_id: str):
    """Issue a signed URL that opens a dashboard for the caller."""
    dashboard_id = checked_id(dashboard_id)
    return _issue(f"/embed/dashboards/{dashboard_id}", "dashboard", dashboard_id, lambda: filter_names(dashboard_id))


@bp.post("/looks/<int(max=9007199254740991):look_id>")
def embed_look(look_id: int):
    """Issue a signed URL that opens a Look for the caller."""
    return _issue(f"/embed/looks/{look_id}", "Look", str(look_id))


@bp.post("/explores/<model>/<explore>")
def embed_explore(model: str, explore: str):
    """Issue a signed URL that opens an explore for the caller."""
    if not (LOOKML_NAME.fullmatch(model) and LOOKML_NAME.fullmatch(explore)):
        raise ApiError(404, "There is no such explore.")
    require_model(model, services().settings)
    return _issue(f"/embed/explore/{model}/{explore}", "explore", f"{model}/{explore}")
