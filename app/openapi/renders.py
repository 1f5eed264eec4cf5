"""The OpenAPI paths of POST /api/renders, its status and its file, kept apart so the main builder stays readable."""

from __future__ import annotations

from collections.abc import Callable

from app import schemas as s
from app.openapi import shapes

FILE_TYPES = ("application/pdf", "image/png", "image/jpeg")
HEADER = {"schema": {"type": "string"}}
LOOKER_ERRORS = (403, 404, 422, 502, 503, 504)


def state_rules(schema: dict) -> None:
    """State `RenderRequest.problems()` in its schema: exactly one target, and no options that do not fit it."""
    props, not_pdf = schema["properties"], {"pdf_paper_size": {"type": "null"}, "pdf_landscape": {"const": False}}
    props["dashboard"], props["look"] = props["dashboard"]["anyOf"][0], props["look"]["anyOf"][0]
    look = {"format": {"enum": ["png", "jpg", None]}, "filters": {"maxProperties": 0}, **not_pdf}
    image = {"properties": {"format": {"enum": ["png", "jpg"]}, **not_pdf}, "required": ["format"]}
    schema["oneOf"] = [
        {
            "required": ["dashboard"],
            "not": {"required": ["look"]},
            "anyOf": [{"properties": {"format": {"enum": ["pdf", None]}}}, image],
        },
        {"required": ["look"], "not": {"required": ["dashboard"]}, "properties": look},
    ]


def paths(operation: Callable[..., dict], ref: Callable, json: Callable, cache_headers: dict) -> dict:
    """Return the render paths, built with the main document's helpers."""
    render_id = {"name": "render_id", "in": "path", "required": True, "schema": {"type": "string"}}
    accepted = json(ref(shapes.Render), "Accepted", {"Location": HEADER, "Retry-After": HEADER})
    file_headers = {**cache_headers, "Content-Disposition": HEADER}
    binary = {"type": "string", "contentMediaType": "application/octet-stream"}
    return {
        "/api/renders": {
            "post": operation(
                "create_render",
                "Start rendering a dashboard (pdf, png, jpg) or a Look (png, jpg).",
                "renders",
                {"202": accepted},
                body=ref(s.RenderRequest),
                errors=LOOKER_ERRORS,
            )
        },
        "/api/renders/{render_id}": {
            "get": operation(
                "get_render",
                "Return a render's status (failure carries Looker's status_detail).",
                "renders",
                {"200": json(ref(shapes.Render))},
                params=[render_id],
                errors=LOOKER_ERRORS,
            )
        },
        "/api/renders/{render_id}/file": {
            "get": operation(
                "get_render_file",
                "Download the rendered file (202 while it is being rendered).",
                "renders",
                {
                    "200": {
                        "description": "The file, as an attachment named after the title",
                        "content": {kind: {"schema": binary} for kind in FILE_TYPES},
                        "headers": file_headers,
                    },
                    "202": accepted,
                    "304": {"description": "Not modified (If-None-Match matched the ETag)", "headers": cache_headers},
                },
                params=[render_id],
                errors=LOOKER_ERRORS,
            )
        },
    }
