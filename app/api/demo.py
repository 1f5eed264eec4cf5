"""The React demo page at /demo (DEMO_PAGE): the committed build in app/static/demo, served with no credentials."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, send_from_directory

from ..services import services

bp = Blueprint("demo", __name__)
BUILD = Path(__file__).resolve().parent.parent / "static" / "demo"
# The page calls this origin's API and may frame Looker (cookieless embed); nothing else loads.
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-src https:{looker}; base-uri 'none'; form-action 'self'"
)


@bp.get("/demo")
def redirect_to_page():
    """Send /demo to /demo/, where the page's relative asset paths resolve."""
    return Response(status=308, headers={"Location": "/demo/"})


@bp.get("/demo/")
def demo_page():
    """Return the demo page; revalidated each time so a new build shows at once."""
    response = Response((BUILD / "index.html").read_bytes(), content_type="text/html; charset=utf-8")
    web_url = services().settings.web_url  # a plain-http Looker (the emulator) is framed only by its address
    response.headers["Content-Security-Policy"] = PAGE_POLICY.format(
        looker=" " + web_url if web_url.startswith("http://") else ""
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/demo/assets/<path:name>")
def demo_asset(name: str):
    """Return a built asset; its name carries its content hash, so it may be cached for a year."""
    response = send_from_directory(BUILD / "assets", name, max_age=31536000)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
