"""POST /api/query: run a governed Looker query and pass Looker's answer through."""

from __future__ import annotations

import io
from urllib.parse import parse_qs

from flask import Blueprint, request

from ..cache.http import CachedAnswer, fresh_answer, serve_cached
from ..cache.keys import MEMO_MAX_BODY, memo_key, model_tag
from ..looker.results import looker_result
from ..security.governance import model_allowed, require_model
from ..services import Services, services
from .query_input import parse_query
from .task_ids import start_task

bp = Blueprint("query", __name__, url_prefix="/api")


@bp.post("/query")
def run_query():
    """Run an inline Looker query in the requested format."""
    parts = services()
    query, key = parse_query()
    require_model(query.model, parts.settings)
    if "respond-async" in request.headers.get("Prefer", ""):
        response = start_task(query, key)
        response.headers["Preference-Applied"] = "respond-async"
        return response

    def fetch():  # only on a miss: a hit never builds Looker's request
        body = parts.looker.fetch(
            f"the query on {query.model}/{query.view}",
            lambda sdk, options: sdk.run_inline_query(
                query.format,
                query.looker_body(),
                apply_formatting=query.apply_formatting,
                transport_options=options,
            ),
            subject=key,
            fmt=query.format,
        )
        return looker_result(body, query.format)

    return serve_cached(parts.cache, key, model_tag(query.model), fetch, parts.telemetry)


def fresh_query(environ: dict, args: dict, parts: Services) -> CachedAnswer | None:
    """Answer a fresh hit of a body this app already validated, without the route (None: the route answers)."""
    length = environ.get("CONTENT_LENGTH", "")
    mimetype = environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower()
    if environ.get("HTTP_PREFER") or mimetype != "application/json" or not length.isdigit():
        return None
    if int(length) > MEMO_MAX_BODY:
        return None
    raw = environ["wsgi.input"].read(int(length))
    environ["wsgi.input"] = io.BytesIO(raw)  # rewound for the route
    query_string = environ.get("QUERY_STRING", "")
    fmt = parse_qs(query_string, keep_blank_values=True).get("format", [None])[0] if query_string else None
    known = parts.queries.get(memo_key(raw, fmt))
    if known is None or not model_allowed(known[0].model, parts.settings):
        return None
    return fresh_answer(parts.cache, known[1], environ, parts.telemetry)
