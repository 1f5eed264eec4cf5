"""Request ids and one structured log line per request, on stdout, with no secrets in it."""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid

import orjson
from flask import Flask, g, request

log = logging.getLogger("looker_proxy.access")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None)))


class JsonFormatter(logging.Formatter):
    """Render a record and its `extra` fields as one JSON object."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


def configure_logging(level: str = "info") -> None:
    """Send the service's logs to stdout as JSON lines; call once, before the app is created."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("looker_proxy")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False


def _start() -> None:
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    g.started = time.perf_counter()


def _finish(response):
    response.headers["X-Request-ID"] = g.get("request_id", "")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    log.info("request", extra={
        "method": request.method, "path": request.path, "status": response.status_code,
        "ms": round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1),
        "cache": response.headers.get("X-Cache"), "looker_ms": round(g.get("looker_ms", 0.0), 1),
        "request_id": g.get("request_id"), "caller": g.get("caller")})
    return response


def init_app(app: Flask) -> None:
    """Give every request an id and log it once when it ends."""
    app.before_request(_start)
    app.after_request(_finish)
