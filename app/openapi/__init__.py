"""The OpenAPI 3.1 document, built from the same pydantic models that validate requests (one source of truth)."""

from __future__ import annotations

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from app import schemas as s
from app.config import Settings
from app.errors import CODES, TITLES

from .cookieless import MODELS as COOKIELESS_MODELS
from .cookieless import cookieless_paths

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
        answer = {"description": TITLES[status], "content": {"application/problem+json": {"schema": _ref(s.Problem)}}}
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


def build(settings: Settings) -> dict:
    """Return the OpenAPI document for this service as configured (MAX_ROWS shows as limit's maximum)."""
    models = (
        [(m, "validation") for m in (s.QueryRequest, s.LookParams, s.MetricParams, s.EmbedRequestBody)]
        + [
            (m, "serialization")
            for m in (
                s.Problem,
                s.Health,
                s.Readiness,
                s.Dashboard,
                s.DashboardData,
                s.LookmlModel,
                s.Explore,
                s.Task,
                s.EmbedUrl,
                s.MetricSummary,
                s.MetricSeries,
                *COOKIELESS_MODELS[1:],
            )
        ]
        + [(COOKIELESS_MODELS[0], "validation")]
    )
    keyed, defs = models_json_schema(models, ref_template="#/components/schemas/{model}")
    components = defs["$defs"]
    components["QueryRequest"]["properties"]["limit"]["maximum"] = settings.max_rows
    look_params = _query_params(s.LookParams, components["LookParams"])
    for param in look_params:
        if param["name"] == "limit":
            param["schema"] = {
                "anyOf": [{"type": "integer", "minimum": 1, "maximum": settings.max_rows}, {"type": "null"}]
            }
    metric_params = _query_params(s.MetricParams, components["MetricParams"])
    query_body = _ref(s.QueryRequest)
    format_param = {
        "name": "format",
        "in": "query",
        "required": False,
        "schema": components["QueryRequest"]["properties"]["format"],
    }
    cached = {
        "200": {"description": "Looker's result, byte for byte", "content": RESULT, "headers": CACHE_HEADERS},
        "304": {"description": "Not modified (If-None-Match matched the ETag)", "headers": CACHE_HEADERS},
    }
    task_ok = _json(_ref(s.Task), "Accepted", {"Location": HEADER, "Retry-After": HEADER})
    dashboard_id = _path_param(
        "dashboard_id",
        {
            "type": "string",
            "pattern": r"^([0-9]{1,20}|[A-Za-z0-9_]{1,100}"
            r"::[A-Za-z0-9_]{1,100})$",
        },
    )
    look_id = _path_param("look_id", {"type": "integer", "minimum": 0, "maximum": s.MAX_ID})
    task_id = _path_param("task_id", {"type": "string"})
    explore_path = [_path_param("model", NAME), _path_param("explore", NAME)]
    paths = {
        "/healthz": {
            "get": _operation(
                "healthz",
                "Say the process is alive (no Looker call).",
                "health",
                {"200": _json(_ref(s.Health))},
                public=True,
            )
        },
        "/readyz": {
            "get": _operation(
                "readyz",
                "Say whether Looker accepts the service account.",
                "health",
                {"200": _json(_ref(s.Readiness))},
                errors=(503,),
                public=True,
            )
        },
        "/api/query": {
            "post": _operation(
                "run_query",
                "Run a Looker query; with Prefer: respond-async, start a query task instead.",
                "query",
                {**cached, "202": task_ok},
                params=[format_param],
                body=query_body,
                errors=LOOKER_ERRORS,
            )
        },
        "/api/query_tasks": {
            "post": _operation(
                "create_query_task",
                "Start a query without waiting for it.",
                "tasks",
                {"202": task_ok},
                params=[format_param],
                body=query_body,
                errors=LOOKER_ERRORS,
            )
        },
        "/api/query_tasks/{task_id}": {
            "get": _operation(
                "get_query_task",
                "Return a query task's status.",
                "tasks",
                {"200": _json(_ref(s.Task))},
                params=[task_id],
                errors=LOOKER_ERRORS,
            ),
            "delete": _operation(
                "kill_query_task",
                "Kill the task's query in Looker.",
                "tasks",
                {"204": {"description": "Killed"}},
                params=[task_id],
                errors=LOOKER_ERRORS,
            ),
        },
        "/api/query_tasks/{task_id}/results": {
            "get": _operation(
                "get_query_task_results",
                "Return a task's result (202 while it runs).",
                "tasks",
                {**cached, "202": task_ok},
                params=[task_id],
                errors=LOOKER_ERRORS,
            )
        },
        "/api/looks/{look_id}": {
            "get": _operation(
                "run_look",
                "Run a saved Look in any format.",
                "looks",
                {
                    "200": {
                        "description": "Looker's result, byte for byte",
                        "content": LOOK_RESULT,
                        "headers": CACHE_HEADERS,
                    },
                    "304": cached["304"],
                },
                params=[look_id, *look_params],
                errors=(400, *LOOKER_ERRORS),
            )
        },
        "/api/dashboards/{dashboard_id}": {
            "get": _operation(
                "get_dashboard",
                "Describe a dashboard's tiles, their queries and its filters.",
                "dashboards",
                {"200": _json(_ref(s.Dashboard))},
                params=[dashboard_id],
                errors=LOOKER_ERRORS,
            )
        },
        "/api/dashboards/{dashboard_id}/data": {
            "get": _operation(
                "get_dashboard_data",
                "Run every tile of a dashboard, with dashboard filter values by name.",
                "dashboards",
                {"200": _json(_ref(s.DashboardData))},
                params=[
                    dashboard_id,
                    {
                        "name": "filters",
                        "in": "query",
                        "required": False,
                        "style": "form",
                        "explode": True,
                        "schema": {"type": "object", "additionalProperties": {"type": "string"}},
                    },
                ],
                errors=(400, *LOOKER_ERRORS),
            )
        },
        "/api/models": {
            "get": _operation(
                "list_models",
                "List the models clients may use, with explores.",
                "models",
                {"200": _json({"type": "array", "items": _ref(s.LookmlModel)})},
                errors=LOOKER_ERRORS,
            )
        },
        "/api/models/{model}/explores": {
            "get": _operation(
                "list_explores",
                "List a model's explores.",
                "models",
                {
                    "200": _json(
                        {"type": "array", "items": components["LookmlModel"]["properties"]["explores"]["items"]}
                    )
                },
                params=[_path_param("model", NAME)],
                errors=LOOKER_ERRORS,
            )
        },
        "/api/models/{model}/explores/{explore}": {
            "get": _operation(
                "describe_explore",
                "Describe an explore's dimensions and measures.",
                "models",
                {"200": _json(_ref(s.Explore))},
                params=explore_path,
                errors=LOOKER_ERRORS,
            )
        },
        "/api/embed/dashboards/{dashboard_id}": {
            "post": _operation(
                "embed_dashboard",
                "Issue a one-time signed embed URL for a dashboard.",
                "embed",
                {"200": _json(_ref(s.EmbedUrl))},
                params=[dashboard_id],
                errors=(400, 413, 415, *LOOKER_ERRORS),
            )
        },
        "/api/embed/looks/{look_id}": {
            "post": _operation(
                "embed_look",
                "Issue a one-time signed embed URL for a Look.",
                "embed",
                {"200": _json(_ref(s.EmbedUrl))},
                params=[look_id],
                errors=(400, 413, 415, *LOOKER_ERRORS),
            )
        },
        "/api/embed/explores/{model}/{explore}": {
            "post": _operation(
                "embed_explore",
                "Issue a one-time signed embed URL for an explore.",
                "embed",
                {"200": _json(_ref(s.EmbedUrl))},
                params=explore_path,
                errors=(400, 413, 415, *LOOKER_ERRORS),
            )
        },
        "/api/metrics": {
            "get": _operation(
                "list_metrics",
                "List the named metrics.",
                "metrics",
                {"200": _json({"type": "array", "items": _ref(s.MetricSummary)})},
            )
        },
        "/api/metrics/{name}": {
            "get": _operation(
                "get_metric",
                "Return a metric for every period between from and to.",
                "metrics",
                {"200": _json(_ref(s.MetricSeries))},
                params=[_path_param("name", {"type": "string"}), *metric_params],
                errors=(400, *LOOKER_ERRORS),
            )
        },
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
    paths.update(cookieless_paths(_operation, _json))
    if settings.demo_page:
        paths.update(_demo_paths())
    del keyed
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Looker Proxy",
            "version": "1.0.0",
            "description": "A JSON API in front of Looker: governed queries, Looks, dashboards, query tasks, "
            "signed embeds and named metrics, cached. Errors are application/problem+json "
            f"(RFC 9457) with a `code`: {', '.join(sorted(set(CODES.values())))}.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"apiKey": []}],
        "tags": [
            {"name": t}
            for t in ("health", "query", "tasks", "looks", "dashboards", "models", "embed", "metrics", "operations")
        ],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "An API key, or a JWT when configured"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            },
        },
    }


def _demo_paths() -> dict:
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
