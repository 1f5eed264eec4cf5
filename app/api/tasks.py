"""Async query tasks: start a slow query, poll it, fetch its result, or kill it, from any worker or instance.

A task id is Looker's own task id and the result's cache key, signed (itsdangerous) with a key derived
from the Looker client secret, so every instance can read it and nobody can forge or alter one.
"""

from __future__ import annotations

import hashlib
import hmac

import orjson
from flask import Blueprint, Response, current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer

from ..errors import ApiError
from ..formats import looker_result
from ..governance import require_model
from ..http_cache import serve_cached
from ..looker import looker
from ..schemas import QueryRequest
from .query_input import parse_query

bp = Blueprint("tasks", __name__, url_prefix="/api/query_tasks")
PENDING = ("added", "running")
GONE = ("killed", "expired")


def _signer() -> URLSafeSerializer:
    secret = current_app.extensions["settings"].looker_client_secret.reveal().encode()
    key = hmac.new(secret, b"looker-proxy query task ids", hashlib.sha256).hexdigest()
    return URLSafeSerializer(key, salt="query-task")


def _decode(task_id: str) -> dict:
    try:
        task = _signer().loads(task_id)
    except BadSignature:
        raise ApiError(404, "There is no such query task.") from None
    return task


def _accepted(task_id: str, status: str) -> Response:
    location = url_for("tasks.get_task", task_id=task_id)
    return Response(
        orjson.dumps({"id": task_id, "status": status}),
        status=202,
        content_type="application/json",
        headers={"Location": location, "Retry-After": "1", "Cache-Control": "no-store"},
    )


def start_task(query: QueryRequest, key: str) -> Response:
    """Start the query in Looker (or find it cached) and answer 202 with the task's id."""
    cache = current_app.extensions["cache"]
    task = {"k": key, "f": query.format, "m": query.model, "t": None}
    if cache.fresh(key) is not None:
        return _accepted(_signer().dumps(task), "complete")
    client = looker()
    what = f"the query on {query.model}/{query.view}"
    saved = client.call(what, "create_query", query.looker_body(), fields="id")
    started = client.call(
        what,
        "create_query_task",
        {"query_id": saved.id, "result_format": query.format},
        apply_formatting=query.apply_formatting,
        fields="id,status",
    )
    task["t"] = started.id
    return _accepted(_signer().dumps(task), started.status or "added")


@bp.post("")
def create_task():
    """Start a query without waiting for its result."""
    query, key = parse_query()
    require_model(query.model)
    return start_task(query, key)


def _status(task: dict) -> str:
    cache = current_app.extensions["cache"]
    if cache.fresh(task["k"]) is not None:
        return "complete"
    if task["t"] is None:
        return "expired"
    return looker().call("query task", "query_task", task["t"], fields="id,status").status or "added"


@bp.get("/<task_id>")
def get_task(task_id: str):
    """Return a task's status."""
    return {"id": task_id, "status": _status(_decode(task_id))}


@bp.get("/<task_id>/results")
def get_results(task_id: str):
    """Return the result when complete; 202 while running; 404 when unknown, killed or expired."""
    task = _decode(task_id)
    status = _status(task)
    if status in PENDING:
        return _accepted(task_id, status)
    if status in GONE:
        raise ApiError(404, f"The query task has {status}; start it again.")

    def fetch():
        if task["t"] is None:
            raise ApiError(404, "The query task's result has expired; start it again.")
        return looker_result(looker().fetch("query task", "query_task_results", task["t"]), task["f"])

    return serve_cached(task["k"], f"model:{task['m']}", fetch)


@bp.delete("/<task_id>")
def kill_task(task_id: str):
    """Kill the task's query in Looker."""
    task = _decode(task_id)
    if task["t"] is not None:
        looker().call("query task", "kill_query", task["t"])
    return Response(status=204)
