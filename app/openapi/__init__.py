"""The OpenAPI 3.1 document, built from the same pydantic models that validate requests (one source of truth)."""

from __future__ import annotations

from pydantic.json_schema import models_json_schema

from app import schemas as s
from app.config import Settings
from app.openapi import shapes

from . import renders
from .cookieless import MODELS as COOKIELESS_MODELS
from .cookieless import cookieless_paths
from .parts import (
    CACHE_HEADERS,
    EVERY_CODE,
    HEADER,
    LOOK_RESULT,
    LOOKER_ERRORS,
    NAME,
    RESULT,
    _json,
    _operation,
    _path_param,
    _query_params,
    _ref,
    demo_paths,
    embed_paths,
    operations_paths,
)


def build(settings: Settings) -> dict:
    """Return the OpenAPI document for this service as configured (MAX_ROWS shows as limit's maximum)."""
    models = [
        (m, "validation") for m in (s.QueryRequest, s.LookParams, s.MetricParams, s.EmbedRequestBody, s.RenderRequest)
    ] + [
        (m, "serialization")
        for m in (
            shapes.Problem,
            shapes.Health,
            shapes.Readiness,
            shapes.Dashboard,
            shapes.DashboardData,
            shapes.LookmlModel,
            shapes.Explore,
            shapes.Task,
            shapes.EmbedUrl,
            shapes.MetricSummary,
            shapes.MetricSeries,
            shapes.Render,
            *COOKIELESS_MODELS[1:],
        )
    ]
    models.append((COOKIELESS_MODELS[0], "validation"))
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
    task_ok = _json(_ref(shapes.Task), "Accepted", {"Location": HEADER, "Retry-After": HEADER})
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
                {"200": _json(_ref(shapes.Health))},
                public=True,
            )
        },
        "/readyz": {
            "get": _operation(
                "readyz",
                "Say whether Looker accepts the service account.",
                "health",
                {"200": _json(_ref(shapes.Readiness))},
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
                {"200": _json(_ref(shapes.Task))},
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
                {"200": _json(_ref(shapes.Dashboard))},
                params=[dashboard_id],
                errors=LOOKER_ERRORS,
            )
        },
        "/api/dashboards/{dashboard_id}/data": {
            "get": _operation(
                "get_dashboard_data",
                "Run every tile of a dashboard, with dashboard filter values by name.",
                "dashboards",
                {"200": _json(_ref(shapes.DashboardData))},
                params=[
                    dashboard_id,
                    {
                        "name": "filters",
                        "in": "query",
                        "required": False,
                        "style": "form",
                        "explode": True,
                        "description": "Values by filter name; the names are this dashboard's (`filters[].name` of "
                        "GET /api/dashboards/{dashboard_id}), each given once. Any other name, the empty one "
                        "included, is 400.",
                        "schema": {
                            "type": "object",
                            "propertyNames": {"minLength": 1},
                            "additionalProperties": {"type": "string"},
                        },
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
                {"200": _json({"type": "array", "items": _ref(shapes.LookmlModel)})},
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
                {"200": _json(_ref(shapes.Explore))},
                params=explore_path,
                errors=LOOKER_ERRORS,
            )
        },
        "/api/metrics": {
            "get": _operation(
                "list_metrics",
                "List the named metrics.",
                "metrics",
                {"200": _json({"type": "array", "items": _ref(shapes.MetricSummary)})},
            )
        },
        "/api/metrics/{name}": {
            "get": _operation(
                "get_metric",
                "Return a metric for every period between from and to.",
                "metrics",
                {"200": _json(_ref(shapes.MetricSeries))},
                params=[_path_param("name", {"type": "string"}), *metric_params],
                errors=(400, *LOOKER_ERRORS),
            )
        },
    }
    paths.update(embed_paths(dashboard_id, look_id, explore_path))
    paths.update(cookieless_paths(_operation, _json))
    paths.update(operations_paths())
    renders.state_rules(components["RenderRequest"])
    paths.update(renders.paths(_operation, _ref, _json, CACHE_HEADERS))
    if settings.demo_page:
        paths.update(demo_paths())
    del keyed
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Looker Proxy",
            "version": "1.0.0",
            "description": "A JSON API in front of Looker: governed queries, Looks, dashboards, query tasks, "
            "dashboard and Look renders, signed embeds and named metrics, cached. Errors are "
            f"application/problem+json (RFC 9457) with a `code`: {', '.join(EVERY_CODE)}.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"apiKey": []}],
        "tags": [
            {"name": t}
            for t in ("health", "query", "tasks", "looks", "dashboards", "models", "embed", "metrics", "operations")
        ]
        + [{"name": "renders"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "An API key, or a JWT when configured"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            },
        },
    }
