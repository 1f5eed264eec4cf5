"""GET /api/looks/<id>: a saved Look's results in any of Looker's formats."""

from __future__ import annotations

from flask import Blueprint, current_app

from ..cache import cache_key
from ..formats import looker_result
from ..http_cache import serve_cached
from ..looker import looker
from ..schemas import LookParams
from ..validation import query_args
from .ops import LOOKS_TAG

bp = Blueprint("looks", __name__, url_prefix="/api/looks")


@bp.get("/<int:look_id>")
def run_look(look_id: int):
    """Run a saved Look and return its results."""
    params = query_args(LookParams, max_rows=current_app.extensions["settings"].max_rows)

    def fetch():
        return looker_result(looker().fetch(f"Look {look_id}", "run_look", str(look_id), params.format,
                                            limit=params.limit, apply_formatting=params.apply_formatting),
                             params.format)

    key = cache_key("look", look=look_id, **params.model_dump())
    return serve_cached(key, LOOKS_TAG, fetch)
