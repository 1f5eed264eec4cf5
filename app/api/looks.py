"""GET /api/looks/<id>: a saved Look's results in any of Looker's formats."""

from __future__ import annotations

from flask import Blueprint, request

from ..cache.http import CachedAnswer, fresh_answer, serve_cached
from ..cache.keys import LOOKS_TAG, cache_key
from ..looker.results import looker_result
from ..schemas import LookParams
from ..security.governance import model_allowed, require_model
from ..services import Services, services
from ..validation import query_args
from .content import look_model, look_model_key

bp = Blueprint("looks", __name__, url_prefix="/api/looks")


@bp.get("/<int(max=9007199254740991):look_id>")
def run_look(look_id: int):
    """Run a saved Look and return its results."""
    parts = services()
    params = query_args(LookParams, max_rows=parts.settings.max_rows)
    if parts.settings.allowed_models:  # a Look may use any model; find out which before running it
        require_model(look_model(look_id), parts.settings)
    key = cache_key("look", look=look_id, **params.model_dump())
    parts.queries.put(("look", look_id, request.query_string), key)  # what fresh_look looks up next time

    def fetch():
        body = parts.looker.fetch(
            f"Look {look_id}",
            lambda sdk, options: sdk.run_look(
                str(look_id),
                params.format,
                limit=params.limit,
                apply_formatting=params.apply_formatting,
                transport_options=options,
            ),
            subject=key,
            fmt=params.format,
        )
        return looker_result(body, params.format)

    return serve_cached(parts.cache, key, LOOKS_TAG, fetch, parts.telemetry)


def fresh_look(environ: dict, args: dict, parts: Services) -> CachedAnswer | None:
    """Answer a fresh hit of a Look asked for with parameters the route already validated (None: the route)."""
    look_id = args["look_id"]
    key = parts.queries.get(("look", look_id, environ.get("QUERY_STRING", "").encode("latin-1")))
    if key is None:
        return None
    if parts.settings.allowed_models:
        model = parts.meta_cache.fresh(look_model_key(look_id))
        if model is None or not model_allowed(model.body.decode(), parts.settings):
            return None
    return fresh_answer(parts.cache, key, environ, parts.telemetry)
