"""Query task ids and starting a task: shared by POST /api/query_tasks and POST /api/query with respond-async.

A task id is Looker's own task id and the result's cache key, signed (itsdangerous) with a key derived
from the Looker client secret, so every instance can read it and nobody can forge or alter one.
"""

from __future__ import annotations

import hashlib
import hmac

import orjson
from flask import Response, url_for
from itsdangerous import BadSignature, URLSafeSerializer

from ..errors import ApiError
from ..schemas import QueryRequest
from ..services import services


def _signer() -> URLSafeSerializer:
    secret = services().settings.looker_client_secret.reveal().encode()
    key = hmac.new(secret, b"looker-proxy query task ids", hashlib.sha256).hexdigest()
    return URLSafeSerializer(key, salt="query-task")


def decode(task_id: str) -> dict:
    try:
        task = _signer().loads(task_id)
    except BadSignature:
        raise ApiError(404, "There is no such query task.") from None
    return task


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
        return accepted(_signer().dumps(task), "complete")
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
    return accepted(_signer().dumps(task), started.status or "added")
