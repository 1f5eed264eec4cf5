"""Saved and inline queries: compile, run, and answer in the requested result format."""

from __future__ import annotations

from flask import Blueprint, Response, request

from .. import formats, sql_errors
from ..access import current_user, run_as
from ..compiler import QueryError
from ..wire import body_json, error, json_response, operation, state

bp = Blueprint("queries", __name__, url_prefix="/api/4.0")
FORMATTERS = {"usd": "${:,.2f}", "decimal_1": "{:,.1f}"}


def query_json(query: dict) -> dict:
    base = request.host_url.rstrip("/")
    limit = query.get("limit")
    return {
        **query,
        "limit": None if limit is None else str(limit),
        "can": {},
        "share_url": f"{base}/x/{query['slug']}",
        "url": f"/explore/{query['model']}/{query['view']}",
        "has_table_calculations": False,
    }


def _formatted(result, query: dict) -> None:
    for f in result.fields:
        pattern = FORMATTERS.get(f.value_format_name or "")
        if pattern:
            for row in result.rows:
                value = row[f.name]
                if isinstance(value, dict):
                    row[f.name] = {k: v if v is None else pattern.format(v) for k, v in value.items()}
                elif value is not None:
                    row[f.name] = pattern.format(value)


def run(query: dict, fmt: str) -> Response:
    """Run a query as the caller, in the requested format; a database failure is a 200 with `looker_error`."""
    try:
        content_type = formats.content_type(fmt)
    except formats.UnknownFormat:
        return error(400, f"Unknown result format '{fmt}'")
    query = dict(query)
    if request.args.get("limit"):
        query["limit"] = request.args["limit"]
    try:
        result = run_as(current_user(), query)
    except QueryError as exc:
        if exc.status == 404:
            return error(404, exc.message)
        return error(exc.status, exc.message, exc.errors)
    except sql_errors.DatabaseError as exc:
        return Response(sql_errors.body(exc.message, fmt, query, exc.sql), content_type=content_type)
    if request.args.get("apply_formatting") == "true":
        _formatted(result, query)
    return Response(formats.render(result, fmt, query), content_type=content_type)


@bp.post("/queries/run/<result_format>")
@operation("run_inline_query")
def run_inline_query(result_format: str):
    """Run a query given in the body."""
    return run(body_json(), result_format)


@bp.post("/queries")
@operation("create_query")
def create_query():
    """Save a query; an identical one returns the existing id."""
    query = body_json()
    try:
        state().compiler.compile(query)
    except QueryError as exc:
        return error(404 if exc.status == 404 else 422, exc.message, None if exc.status == 404 else exc.errors)
    except Exception:  # noqa: BLE001, S110 - valid fields whose values break the SQL fail only when run
        pass
    _, saved = state().save_query(query)
    return json_response(query_json(saved))


@bp.get("/queries/<query_id>")
@operation("query")
def get_query(query_id: str):
    """Return a saved query by id."""
    saved = state().queries.get(query_id)
    return json_response(query_json(saved)) if saved else error(404, "Not found")


@bp.get("/queries/slug/<slug>")
@operation("query_for_slug")
def query_for_slug(slug: str):
    """Return a saved query by slug."""
    saved = state().query_by_slug(slug)
    return json_response(query_json(saved)) if saved else error(404, "Not found")


@bp.get("/queries/<query_id>/run/<result_format>")
@operation("run_query")
def run_query(query_id: str, result_format: str):
    """Run a saved query."""
    saved = state().queries.get(query_id)
    return run(saved, result_format) if saved else error(404, "Not found")
