"""CORS for the configured origins (only them), and the defensive and rate-limit headers of every answer."""

from __future__ import annotations

import re

from flask import Flask, g
from flask_cors import CORS

from app.config import Settings

ALLOW_HEADERS = [
    "Authorization",
    "X-API-Key",
    "Content-Type",
    "If-None-Match",
    "Cache-Control",
    "Prefer",
    "X-Request-ID",
]
EXPOSE_HEADERS = [
    "X-Request-ID",
    "X-Cache",
    "Cache-Status",
    "Age",
    "ETag",
    "Location",
    "Retry-After",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "Preference-Applied",
]
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
)
RATE_NAMES = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def origin_pattern(origin: str):
    """Turn `http://localhost:*` style entries into exact-match patterns; plain origins stay strings."""
    if "*" not in origin:
        return origin
    escaped = re.escape(origin).replace(r":\*", r"(:[0-9]{1,5})?").replace(r"\*", r"[A-Za-z0-9-]+")
    return re.compile(f"^{escaped}$")


def guard_headers(present, rate: tuple) -> list[tuple[str, str]]:
    """Return the defensive headers missing from `present` and the X-RateLimit headers for `rate`."""
    extra = [(name, value) for name, value in SECURITY_HEADERS if name not in present]
    extra += [(name, str(value)) for name, value in zip(RATE_NAMES, rate, strict=False)]
    return extra


def _finish(response):
    response.headers.extend(guard_headers(response.headers, g.get("rate_headers", ())))  # one pass, not one per header
    return response


def _finish(response):
    response.headers.extend(guard_headers(response.headers, g.get("rate_headers", ())))  # one pass, not one per header
    return response


def init_app(app: Flask, settings: Settings) -> None:
    """Bind CORS (only for CORS_ORIGINS) and the headers every answer carries."""
    if settings.cors_origins:
        CORS(
            app,
            origins=[origin_pattern(o) for o in settings.cors_origins],
            supports_credentials=True,
            allow_headers=ALLOW_HEADERS,
            expose_headers=EXPOSE_HEADERS,
            max_age=600,
        )
    app.after_request(_finish)
