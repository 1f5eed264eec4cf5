"""Request ids and one structured log line per request, on stdout, with no secrets in it."""

from __future__ import annotations

import logging
import os
import re
import sys
import time

import orjson

log = logging.getLogger("looker_proxy.access")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None)))


class JsonFormatter(logging.Formatter):
    """Render a record and its `extra` fields as one JSON object."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        fields = getattr(record, "fields", None)
        if fields is not None:  # the access line carries its fields in one attribute: cheaper per request
            line.update(fields)
        else:
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


def request_id(given: str) -> str:
    """Return the caller's X-Request-ID if it is a sane token, else a new random id."""
    return given if given and _REQUEST_ID.fullmatch(given) else os.urandom(16).hex()


def log_request(
    *,
    method: str,
    path: str,
    status: int,
    started: float | None,
    cache: str | None,
    looker_ms: float,
    request_id: str | None,
    caller: str | None,
) -> None:
    """Write a request's one access line; `started` is its time.perf_counter() on arrival."""
    if log.isEnabledFor(logging.INFO):  # makeRecord + handle: the same record, without the caller lookup
        fields = {
            "method": method,
            "path": path,
            "status": status,
            "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
            "cache": cache,
            "looker_ms": round(looker_ms, 1),
            "request_id": request_id,
            "caller": caller,
        }
        log.handle(log.makeRecord(log.name, logging.INFO, __file__, 0, "request", None, None, extra={"fields": fields}))
