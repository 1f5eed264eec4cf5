"""GET /api/looks/<id>: a saved Look's results in any of Looker's formats."""

from __future__ import annotations

from flask import Blueprint

from ..cache.http import serve_cached
from ..cache.keys import LOOKS_TAG, cache_key
from ..looker.results import looker_result
from ..schemas import LookParams
from ..security.governance import require_model
from ..services import services
from ..validation import query_args
from .content import look_model

bp = Blueprint("looks", __name__, url_prefix="/api/looks")


@bp.get("/<int(max=9007199254740991):look_id>")
def run_look(look_id: int):
    """Run a saved Look and return its results."""
    parts = services()
    params = query_args(LookParams, max_rows=parts.settings.max_rows)
    if parts.settings.allowed_models:  # a Look may use any model; find out which before running it
        require_model(look_model(look_id), parts.settings)
    key = cache_key("look", look=look_id, **params.model_dump())

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
