"""Models and explores, so a front end can find Looker's (case-sensitive) field names."""

from __future__ import annotations

import orjson
from flask import Blueprint

from ..cache.http import CachedAnswer, fresh_answer, serve_cached
from ..cache.keys import META_TAG, cache_key
from ..errors import ApiError
from ..looker.errors import sent
from ..names import LOOKML_NAME
from ..security.governance import model_allowed, require_model
from ..services import Services, services

bp = Blueprint("models", __name__, url_prefix="/api/models")
MODELS_KEY = cache_key("models")


def _explores_key(model: str) -> str:
    return cache_key("explores", model=model)


def _explore_key(model: str, explore: str) -> str:
    return cache_key("explore", model=model, explore=explore)


def _explores(model) -> list[dict]:
    return [
        {"name": e.name, "label": e.label, "description": e.description} for e in model.explores or [] if not e.hidden
    ]


def _models() -> list:
    return [
        m
        for m in services().looker.call(
            "the LookML models", lambda sdk: sdk.all_lookml_models(fields="name,label,explores")
        )
        if model_allowed(m.name, services().settings)
    ]


def _json(value) -> tuple[bytes, str]:
    return orjson.dumps(value), "application/json"


def _check_name(kind: str, name: str) -> None:
    if not LOOKML_NAME.fullmatch(name):
        raise ApiError(404, f"There is no {kind} '{name[:100]}'.")


def _model(name: str):
    _check_name("model", name)
    require_model(name, services().settings)
    try:
        return services().looker.call(
            f"model '{name}'", lambda sdk: sdk.lookml_model(name, fields="name,label,explores")
        )
    except ApiError as exc:
        if exc.status == 404:
            names = ", ".join(m.name for m in _models()) or "none"
            raise ApiError(404, f"There is no model '{name}'. Models you can use: {names}.") from None
        raise


@bp.get("")
def list_models():
    """List the models clients may query, with their explores."""
    return serve_cached(
        services().meta_cache,
        MODELS_KEY,
        META_TAG,
        lambda: _json([{"name": m.name, "label": m.label, "explores": _explores(m)} for m in _models()]),
    )


@bp.get("/<model>/explores")
def list_explores(model: str):
    """List a model's explores."""
    return serve_cached(services().meta_cache, _explores_key(model), META_TAG, lambda: _json(_explores(_model(model))))


def _field(f) -> dict:
    return {"name": f.name, "label": f.label, "type": f.type, "description": f.description}


def _describe(model: str, explore: str) -> tuple[bytes, str]:
    _check_name("explore", explore)
    require_model(model, services().settings)
    try:
        found = services().looker.call(
            f"explore '{model}/{explore}'",
            lambda sdk: sdk.lookml_model_explore(model, explore, fields="name,label,description,fields"),
        )
    except ApiError as exc:
        if exc.status == 404:
            names = ", ".join(e["name"] for e in _explores(_model(model))) or "none"
            raise ApiError(404, f"Model '{model}' has no explore '{explore}'. Its explores: {names}.") from None
        raise
    fields = sent(found, "name", "fields").fields
    return _json(
        {
            "name": found.name,
            "label": found.label,
            "description": found.description,
            "dimensions": [_field(f) for f in fields.dimensions or [] if not f.hidden],
            "measures": [_field(f) for f in fields.measures or [] if not f.hidden],
        }
    )


@bp.get("/<model>/explores/<explore>")
def describe_explore(model: str, explore: str):
    """Describe an explore's dimensions and measures."""
    _check_name("model", model)
    return serve_cached(
        services().meta_cache,
        _explore_key(model, explore),
        META_TAG,
        lambda: _describe(model, explore),
    )


def fresh_models(environ: dict, args: dict, parts: Services) -> CachedAnswer | None:
    """Answer the model list from the metadata cache while fresh (None: the route answers)."""
    return fresh_answer(parts.meta_cache, MODELS_KEY, environ, None)


def fresh_explores(environ: dict, args: dict, parts: Services) -> CachedAnswer | None:
    """Answer a model's explores from the metadata cache while fresh (entries exist only for allowed models)."""
    return fresh_answer(parts.meta_cache, _explores_key(args["model"]), environ, None)


def fresh_explore(environ: dict, args: dict, parts: Services) -> CachedAnswer | None:
    """Answer an explore's fields from the metadata cache while fresh (entries exist only for allowed models)."""
    return fresh_answer(parts.meta_cache, _explore_key(args["model"], args["explore"]), environ, None)
