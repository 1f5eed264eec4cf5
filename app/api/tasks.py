"""Async query tasks: start a slow query, poll it, fetch its result, or kill it, from any worker or instance."""

from __future__ import annotations

from flask import Blueprint, Response

from ..cache.http import serve_cached
from ..cache.keys import model_tag
from ..errors import ApiError
from ..looker.results import looker_result
from ..security.governance import require_model
from ..services import services
from .query_input import parse_query
from .task_ids import accepted, decode, start_task

bp = Blueprint("tasks", __name__, url_prefix="/api/query_tasks")
PENDING = ("added", "running")
GONE = ("killed", "expired")


@bp.post("")
def create_task():
    """Start a query without waiting for its result."""
    query, key = parse_query()
    require_model(query.model, services().settings)
    return start_task(query, key)


def _status(task: dict) -> str:
    parts = services()
    if parts.cache.fresh(task["k"]) is not None:
        return "complete"
    if task["t"] is None:
        return "expired"
    return parts.looker.call("query task", lambda sdk: sdk.query_task(task["t"], fields="id,status")).status or "added"


@bp.get("/<task_id>")
def get_task(task_id: str):
    """Return a task's status."""
    return {"id": task_id, "status": _status(decode(task_id))}


@bp.get("/<task_id>/results")
def get_results(task_id: str):
    """Return the result when complete; 202 while running; 404 when unknown, killed or expired."""
    task = decode(task_id)
    status = _status(task)
    if status in PENDING:
        return accepted(task_id, status)
    if status in GONE:
        raise ApiError(404, f"The query task has {status}; start it again.")

    parts = services()

    def fetch():  # may run in a background refresh, outside this request: it uses only what it captured
        if task["t"] is None:
            raise ApiError(404, "The query task's result has expired; start it again.")
        body = parts.looker.fetch(
            "query task",
            lambda sdk, options: sdk.query_task_results(task["t"], transport_options=options),
            subject=task["k"],
            fmt=task["f"],
        )
        return looker_result(body, task["f"])

    return serve_cached(parts.cache, task["k"], model_tag(task["m"]), fetch, parts.telemetry)


@bp.delete("/<task_id>")
def kill_task(task_id: str):
    """Kill the task's query in Looker."""
    task = decode(task_id)
    if task["t"] is not None:
        services().looker.call("query task", lambda sdk: sdk.kill_query(task["t"]))
    return Response(status=204)
