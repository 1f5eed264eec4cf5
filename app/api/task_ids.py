"""Query task ids and starting a task: shared by POST /api/query_tasks and POST /api/query with respond-async.

A task id holds Looker's own task id and the result's cache key, sealed to the caller who started it
(security/sealed.py): opaque, unforgeable, readable by every instance, and a 404 for anyone else.
"""

from __future__ import annotations

import orjson
from flask import Response, url_for

from ..schemas import QueryRequest
from ..security.sealed import seal, unseal
from ..services import services

PURPOSE = "query task"


def _encode(task: dict) -> str:
    return seal(PURPOSE, task)


def decode(task_id: str) -> dict:
    """Return the task an id names, if the current caller started it; else 404."""
    return unseal(PURPOSE, task_id, "There is no such query task.")


def accepted(task_id: str, status: str) -> Response:
    location = url_for("tasks.get_task", task_id=task_id)
    return Response(
        orjson.dumps({"id": task_id, "status": status}),
        status=202,
        content_type="application/json",
        headers={"Location": location, "Retry-After": "1", "Cache-Control": "no-store"},
    )


def start_task(query: QueryRequest, key: str) -> Response:
    """Start the query in Looker (or find it cached) and answer 202 with the task's id."""
    parts = services()
    cache = parts.cache
    task = {"k": key, "f": query.format, "m": query.model, "t": None}
    if cache.fresh(key) is not None:
        return accepted(_encode(task), "complete")
    client = parts.looker
    what = f"the query on {query.model}/{query.view}"
    saved = client.call(what, lambda sdk: sdk.create_query(query.looker_body(), fields="id"), subject=key)
    started = client.call(
        what,
        lambda sdk: sdk.create_query_task(
            {"query_id": saved.id, "result_format": query.format},
            apply_formatting=query.apply_formatting,
            fields="id,status",
        ),
        subject=key,
    )
    task["t"] = started.id
    return accepted(_encode(task), started.status or "added")
