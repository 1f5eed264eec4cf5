"""Helpers every emulator route shares: Looker's JSON and error bodies, and the per-operation hook."""

from __future__ import annotations

import socket
import time
from functools import wraps

import orjson
from flask import Response, current_app, g, make_response, request

from . import formats, sql_errors
from .state import Fault, State

DOCS = "http://localhost/looker-emulator/docs"  # deliberately not Looker's /r/err/ pattern (no SDK doc lookups)


def state() -> State:
    """Return the emulator state of the current app."""
    return current_app.extensions["looker_emulator"]


def json_response(payload, status: int = 200, headers: dict | None = None) -> Response:
    """Return a JSON response the way Looker sends one."""
    return Response(
        orjson.dumps(payload), status=status, headers=headers, content_type="application/json; charset=utf-8"
    )


def error(status: int, message: str, errors: list[dict] | None = None, headers: dict | None = None) -> Response:
    """Return Looker's error body: `Error`, or `ValidationError` when there are field errors."""
    body = {"message": message, "documentation_url": f"{DOCS}/{status}"}
    if errors is not None:
        body["errors"] = [{**e, "documentation_url": f"{DOCS}/{status}"} for e in errors]
    return json_response(body, status, headers)


def operation(name: str, auth: bool = True):
    """Name a route by its Looker operationId, count it, apply faults, and require a token."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            g.operation = name
            relabel = None
            for fault in state().record_call(name):
                if fault.latency_ms:
                    time.sleep(fault.latency_ms / 1000)
                if fault.drop:
                    sock = request.environ.get("werkzeug.socket")
                    if sock is not None:
                        sock.shutdown(socket.SHUT_RDWR)
                    return Response(b"", 200)
                if fault.status or fault.body == "looker_error":
                    return fault_response(fault)
                relabel = fault.content_type or relabel
            if auth and not _authorised():
                return error(401, "Requires authentication.")
            response = make_response(view(*args, **kwargs))
            if relabel:
                response.headers["Content-Type"] = relabel
            return response

        return wrapper

    return decorate


def fault_response(fault: Fault) -> Response:
    """Answer as the fault says: `body` is json (Looker's error), html, garbage or looker_error.

    `looker_error` is a database failure in the shape of the requested result format (the route's
    `result_format`, a task's own format for its results, else json), with status 200 unless another
    is given. `content_type`, when set, replaces the body's own type, whatever the body.
    """
    status = fault.status or 200
    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else None
    if fault.body == "looker_error":
        fmt = _requested_format()
        body = sql_errors.body(fault.message or sql_errors.INJECTED, fmt)
        return Response(body, status, headers=headers, content_type=fault.content_type or formats.content_type(fmt))
    if fault.body == "html":
        page = f"<html><body><h1>{status} Server Error</h1></body></html>"
        return Response(page, status, headers=headers, content_type=fault.content_type or "text/html")
    if fault.body == "garbage":
        content_type = fault.content_type or "application/json"
        return Response(b"\x00{not json", status, headers=headers, content_type=content_type)
    messages = {401: "Requires authentication.", 403: "Forbidden", 404: "Not found", 429: "Too Many Requests"}
    response = error(status, messages.get(status, "Internal server error"), headers=headers)
    if fault.content_type:
        response.headers["Content-Type"] = fault.content_type
    return response


def _requested_format() -> str:
    args = request.view_args or {}
    fmt = args.get("result_format")
    if fmt is None:
        task = state().tasks.get(str(args.get("task_id", "")))
        fmt = task.result_format if task else "json"
    return fmt if fmt in formats.FORMATS else "json"


def _authorised() -> bool:
    """Check the request's token and remember whose it is, since the request then runs as that user."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    g.looker_user_id = state().token_user(token.strip()) if scheme.lower() in ("bearer", "token") else None
    return g.looker_user_id is not None


def body_json() -> dict:
    """Parse the request body as JSON whatever its Content-Type (the SDK sometimes mislabels it)."""
    raw = request.get_data()
    if not raw:
        return {}
    try:
        parsed = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
