"""URL rules that answer like the rest of the API: ids in ASCII digits only, and no HTML redirects.

Werkzeug's `int` converter matches any Unicode digit (`/api/looks/%EF%BC%91`, a fullwidth 1, served Look 1)
and its slash merging answered `//` with a 308 whose body is HTML; here such paths are plain 404s.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter


class AsciiIntegerConverter(IntegerConverter):
    """Werkzeug's int converter, limited to the ASCII digits 0-9."""

    regex = r"[0-9]+"


def init_app(app: Flask) -> None:
    """Configure the URL map; call before any blueprint adds its rules."""
    app.url_map.converters["int"] = AsciiIntegerConverter
    app.url_map.merge_slashes = False
