"""Signed embed URLs for the calling user: who they are comes from their credentials, what they may do
from the server's settings; the request body can only add dashboard filters."""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import urlencode

import orjson
from flask import Blueprint, Response, request

from ..errors import ApiError
from ..frontdoor.state import acting_user
from ..looker.dashboards import checked_id, refuse_unknown_filters
from ..looker.embed import signed_embed_url
from ..names import LOOKML_NAME
from ..schemas import EmbedRequestBody
from ..security.governance import require_model
from ..security.identity import caller_external_user_id
from ..services import services
from ..validation import json_body, parse
from .content import dashboard_models, look_model, require_explore
from .dashboard_plans import filter_names

bp = Blueprint("embed", __name__, url_prefix="/api/embed")
log = logging.getLogger("looker_proxy.embed")


def _filters() -> dict[str, str]:
    if not request.get_data(cache=True):
        return {}
    return parse(EmbedRequestBody, json_body()).filters


def _embeddable(target_models: Callable[[], list[str]], models: list[str]) -> None:
    """Raise 404 for a target Looker does not have, 403 when it uses a model embed users may not see."""
    settings = services().settings
    for model in target_models():
        require_model(model, settings)
        if model not in models:
            raise ApiError(403, f"Model '{model}' is not among the models embed users may see (EMBED_MODELS).")


def _issue(
    target: str,
    kind: str,
    ident: str,
    target_models: Callable[[], list[str]],
    known_filters: Callable[[], list[str]] | None = None,
) -> Response:
    settings = services().settings
    models = list(settings.embed_models or settings.allowed_models)
    if not models:
        raise ApiError(403, "Embedding is not enabled here: set EMBED_MODELS (or ALLOWED_MODELS) on the service.")
    filters = _filters()
    _embeddable(target_models, models)  # before signing: a URL for nothing, or for a forbidden model, is never made
    if filters and known_filters is not None:  # the same names GET /api/dashboards/<id>/data accepts
        refuse_unknown_filters(filters, known_filters(), "filters.")
    path = target + ("?" + urlencode(filters) if filters else "")
    user = caller_external_user_id()
    acting = acting_user()  # per-user data: the embed shows the rows the API shows this caller
    attributes = acting.attribute_map if acting is not None else None
    if settings.looker_embed_secret:
        url = signed_embed_url(
            settings.looker_embed_secret.reveal(),
            settings.looker_embed_host,
            path,
            external_user_id=user,
            permissions=list(settings.embed_permissions),
            models=models,
            session_length=settings.embed_session_length,
            user_attributes=attributes,
        )
    else:
        request_body = {
            "target_url": settings.looker_base_url + path,
            "external_user_id": user,
            "permissions": list(settings.embed_permissions),
            "models": models,
            "session_length": settings.embed_session_length,
            **({"user_attributes": attributes} if attributes else {}),
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
    return _issue(
        f"/embed/dashboards/{dashboard_id}",
        "dashboard",
        dashboard_id,
        lambda: dashboard_models(dashboard_id),
        lambda: filter_names(dashboard_id),
    )


@bp.post("/looks/<int(max=9007199254740991):look_id>")
def embed_look(look_id: int):
    """Issue a signed URL that opens a Look for the caller."""
    return _issue(f"/embed/looks/{look_id}", "Look", str(look_id), lambda: [look_model(look_id)])


@bp.post("/explores/<model>/<explore>")
def embed_explore(model: str, explore: str):
    """Issue a signed URL that opens an explore for the caller."""
    if not (LOOKML_NAME.fullmatch(model) and LOOKML_NAME.fullmatch(explore)):
        raise ApiError(404, "There is no such explore.")
    require_model(model, services().settings)

    def target_models() -> list[str]:
        require_explore(model, explore)
        return [model]

    return _issue(f"/embed/explore/{model}/{explore}", "explore", f"{model}/{explore}", target_models)
