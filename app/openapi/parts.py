"""The pieces every operation of the OpenAPI document is built from, and its operational and demo paths."""

from __future__ import annotations

from pydantic import BaseModel

from app.errors import CODES, MORE_CODES, TITLES

from . import shapes

NAME = {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_]{0,127}$"}
TEXT = {"type": "string"}
BINARY = {"type": "string", "contentMediaType": "application/octet-stream"}
RESULT = {
    "application/json": {"schema": {}},
    "text/csv": {"schema": TEXT},
    "text/plain": {"schema": TEXT},
    "text/html": {"schema": TEXT},
    "text/markdown": {"schema": TEXT},
}
LOOK_RESULT = {
    **RESULT,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": BINARY},
    "image/png": {"schema": BINARY},
    "image/jpeg": {"schema": BINARY},
}
ERRORS_EVERYWHERE = (401, 405, 429, 500)
EVERY_CODE = sorted({*CODES.values(), *(code for more in MORE_CODES.values() for code in more)})
LOOKER_ERRORS = (403, 404, 422, 502, 503, 504)
BODY_ERRORS = (400, 413, 415)
HEADER = {"schema": {"type": "string"}}
CACHE_HEADERS = {name: HEADER for name in ("X-Cache", "Cache-Status", "Age", "ETag", "Cache-Control")}


def _ref(model: type[BaseModel]) -> dict:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _json(schema: dict, description: str = "OK", headers: dict | None = None) -> dict:
    answer = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        answer["headers"] = headers
    return answer


def _path_param(name: str, schema: dict) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _query_params(model: type[BaseModel], schema: dict) -> list[dict]:
    return [
        {"name": name, "in": "query", "required": False, "schema": prop} for name, prop in schema["properties"].items()
    ]


def _operation(
    op_id: str,
    summary: str,
    tag: str,
    ok: dict,
    *,
    params: list | None = None,
    body: dict | None = None,
    errors: tuple = (),
    public: bool = False,
) -> dict:
    statuses = sorted(set(errors) | set(ERRORS_EVERYWHERE) | ({400, 413, 415} if body else set()))
    if public:
        statuses = [code for code in statuses if code not in (401, 429)]
    responses = dict(ok)
    for status in statuses:
        title = "; ".join([TITLES[status], *(f"`{c}`: {when}" for c, when in MORE_CODES.get(status, {}).items())])
        answer = {"description": title, "content": {"application/problem+json": {"schema": _ref(shapes.Problem)}}}
        extra = {
            401: {"WWW-Authenticate": HEADER},
            405: {"Allow": HEADER},
            429: {"Retry-After": HEADER},
            503: {"Retry-After": HEADER},
        }.get(status)
        if extra:
            answer["headers"] = extra
        responses[str(status)] = answer
    operation = {
        "operationId": op_id,
        "summary": summary,
        "tags": [tag],
        "parameters": params or [],
        "responses": responses,
    }
    if body:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if public:
        operation["security"] = []
    return operation


def embed_paths(dashboard_id: dict, look_id: dict, explore_path: list[dict]) -> dict:
    """Describe the signed embed URL endpoints."""
    return {
        "/api/embed/dashboards/{dashboard_id}": {
            "post": _operation(
                "embed_dashboard",
                "Issue a one-time signed embed URL for a dashboard.",
                "embed",
                {"200": _json(_ref(shapes.EmbedUrl))},
                params=[dashboard_id],
                errors=(400, 413, 415, *LOOKER_ERRORS),
            )
        },
        "/api/embed/looks/{look_id}": {
            "post": _operation(
                "embed_look",
                "Issue a one-time signed embed URL for a Look.",
                "embed",
                {"200": _json(_ref(shapes.EmbedUrl))},
                params=[look_id],
                errors=(400, 413, 415, *LOOKER_ERRORS),
            )
        },
        "/api/embed/explores/{model}/{explore}": {
            "post": _operation(
                "embed_explore",
                "Issue a one-time signed embed URL for an explore.",
                "embed",
                {"200": _json(_ref(shapes.EmbedUrl))},
                params=explore_path,
                errors=(400, 413, 415, *LOOKER_ERRORS),
            )
        },
    }


def operations_paths() -> dict:
    """Describe the operational endpoints: purge, Prometheus, this document and its page."""
    return {
        "/api/cache": {
            "delete": _operation(
                "purge_cache",
                "Purge cached results (the admin caller only).",
                "operations",
                {"204": {"description": "Purged"}},
                params=[{"name": "model", "in": "query", "required": False, "schema": NAME}],
                errors=(400, 403),
            )
        },
        "/metrics": {
            "get": _operation(
                "prometheus_metrics",
                "Prometheus counters of this worker.",
                "operations",
                {"200": {"description": "Prometheus text", "content": {"text/plain": {"schema": TEXT}}}},
            )
        },
        "/openapi.json": {
            "get": _operation(
                "openapi", "This document.", "operations", {"200": _json({"type": "object"})}, public=True
            )
        },
        "/docs": {
            "get": _operation(
                "docs",
                "A readable page of this document (works offline).",
                "operations",
                {"200": {"description": "HTML", "content": {"text/html": {"schema": TEXT}}}},
                public=True,
            )
        },
    }


def demo_paths() -> dict:
    """Describe the demo page (DEMO_PAGE): static files that need no credentials."""
    page = {"200": {"description": "HTML", "content": {"text/html": {"schema": TEXT}}}}
    asset = {"200": {"description": "A built script or style sheet, cached for a year"}}
    moved = {"308": {"description": "Redirect to /demo/"}}
    name = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "/demo": {"get": _operation("demo_redirect", "Send /demo to /demo/.", "operations", moved, public=True)},
        "/demo/": {"get": _operation("demo_page", "The React demo dashboard.", "operations", page, public=True)},
        "/demo/assets/{name}": {
            "get": _operation("demo_asset", "A file of the demo page.", "operations", asset, params=[name], public=True)
        },
    }
