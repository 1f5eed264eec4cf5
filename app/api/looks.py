"""GET /api/looks/<id>: a saved Look's results in any of Looker's formats."""

from __future__ import annotations

from flask import Blueprint, current_app

from ..cache import cache_key
from ..formats import looker_result
from ..governance import require_model
from ..http_cache import serve_cached
from ..looker import looker
from ..schemas import LookParams
from ..validation import query_args
from .ops import LOOKS_TAG

bp = Blueprint("looks", __name__, url_prefix="/api/looks")


def look_model(look_id: int) -> str:
    """Return the model a Look's query uses (remembered briefly in the metadata cache)."""
    meta = current_app.extensions["meta_cache"]

    def fetch():
        look = looker().call(f"Look {look_id}", "look", str(look_id), fields="query(model)")
        return (look.query.model if look.query else "").encode(), "text/plain"

    return meta.lookup(cache_key("look-model", look=look_id), fetch, "meta").entry.body.decode()


@bp.get("/<int(max=9007199254740991):look_id>")
def run_look(look_id: int):
    """Run a saved Look and return its results."""
    settings = current_app.extensions["settings"]
    params = query_args(LookParams, max_rows=settings.max_rows)
    if settings.allowed_models:  # a Look may use any model; find out which before running it
        require_model(look_model(look_id))

    def fetch():
        return looker_result(
            looker().fetch(
                f"Look {look_id}",
                "run_look",
                str(look_id),
                params.format,
                limit=params.limit,
                apply_formatting=params.apply_formatting,
            ),
            params.format,
        )

    key = cache_key("look", look=look_id, **params.model_dump())
    return serve_cached(key, LOOKS_TAG, fetch)
