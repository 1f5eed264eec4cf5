"""The service describes itself: /openapi.json, and /docs rendered from it with no CDN."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response

from ..services import services

bp = Blueprint("docs", __name__)
STATIC = Path(__file__).resolve().parent.parent / "static"
PAGE_POLICY = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src 'self'"


@bp.get("/openapi.json")
def openapi_json():
    """Return the OpenAPI 3.1 document."""
    return Response(services().openapi, content_type="application/json")


@bp.get("/docs")
def docs_page():
    """Return the readable API page."""
    return Response(
        (STATIC / "docs.html").read_bytes(),
        content_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": PAGE_POLICY},
    )


@bp.get("/docs/docs.js")
def docs_asset():
    """Return the page's renderer."""
    return Response((STATIC / "docs.js").read_bytes(), content_type="text/javascript; charset=utf-8")
