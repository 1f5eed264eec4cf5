"""Content types of Looker's result formats, and Looker's bytes turned into our response."""

from __future__ import annotations

from .transport import LookerBody

TYPES = {
    "json": "application/json",
    "json_bi": "application/json",
    "json_detail": "application/json",
    "csv": "text/csv; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "sql": "text/plain; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
    "jpg": "image/jpeg",
}


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset":
            return value.strip().strip('"').lower()
    return None


def as_utf8(body: LookerBody, fmt: str) -> bytes:
    """Return Looker's bytes unchanged, unless Looker declared a text charset other than UTF-8."""
    charset = _charset(body.content_type)
    if TYPES[fmt].startswith(("text/", "application/json")) and charset and charset not in ("utf-8", "utf8"):
        return body.content.decode(charset, errors="replace").encode()
    return body.content


def looker_result(body: LookerBody, fmt: str) -> tuple[bytes, str]:
    """Return Looker's result bytes with the Content-Type of its format, ready to store and serve."""
    return as_utf8(body, fmt), TYPES[fmt]
