"""Async query tasks: run in a background thread, polled, killed, as Looker runs them.

A query that fails in the database ends its task with status `error` (as spectacles reads Looker's task
states). Its results then answer 200 with the `looker_error` body of the task's format, exactly what a
synchronous run of the query answers, and multi_results gives `{"status": "error", "data": ...}`: the
json_bi error body for json_bi tasks, else `{"id", "error", "runtime", "sql", "errors"}`. An injected
fault with a status on `query_task_execution` keeps its older meaning: the task errs with no body, and
its results answer 400, as spectacles-ci/spectacles#65 saw Looker do.
"""

from __future__ import annotations

import secrets
import threading
import time

import orjson
from flask import Blueprint, Response, current_app, g, request

from .. import formats, sql_errors
from ..access import run_as
from ..state import Task
from ..wire import body_json, error, json_response, operation, state

bp = Blueprint("tasks", __name__, url_prefix="/api/4.0")
TERMINAL = ("complete", "error", "killed", "expired")


def _task_json(task: Task) -> dict:
    return {
        "id": task.id,
        "query_id": task.query_id,
        "status": task.status,
        "result_format": task.result_format,
        "source": "api",
        "runtime": None,
        "cache": True,
        "result_source": None,
        "look_id": None,
        "dashboard_id": None,
        "can": {},
    }


def _execute(app, task: Task) -> None:
    with app.app_context():
        st = state()
        for fault in st.record_call("query_task_execution"):
            if fault.latency_ms:
                task.status = "running"
                time.sleep(fault.latency_ms / 1000)
            if fault.body == "looker_error":
                _fail(task, fault.message or sql_errors.INJECTED)
                return
            if fault.status:  # the query itself failed in the database
                task.error, task.status = f"The query failed in the database (injected {fault.status})", "error"
                return
        if task.status == "killed":
            return
        task.status = "running"
        try:
            result = run_as(st.users.user(task.user_id), st.queries[task.query_id])
            body = formats.render(result, task.result_format, st.queries[task.query_id])
        except sql_errors.DatabaseError as exc:
            _fail(task, exc.message, exc.sql)
            return
        except Exception as exc:  # noqa: BLE001 - any failure becomes the task's error, as in Looker
            task.error, task.status = str(exc), "error"
            return
        if task.status != "killed":
            task.body, task.content_type, task.status = body, formats.content_type(task.result_format), "complete"


def _fail(task: Task, message: str, sql: str = "") -> None:
    query = state().queries.get(task.query_id)
    task.body = sql_errors.body(message, task.result_format, query, sql)
    task.content_type, task.error, task.sql = formats.content_type(task.result_format), message, sql
    task.status = "error"


def _error_data(task: Task) -> dict:
    if task.result_format == "json_bi" and task.body is not None:
        return orjson.loads(task.body)
    errors = [{"message": task.error, "message_details": None, "sql_error_loc": None}]
    return {"id": task.id, "error": task.error, "runtime": 0.0, "sql": task.sql, "errors": errors}


@bp.post("/query_tasks")
@operation("create_query_task")
def create_query_task():
    """Start running a saved query in the background."""
    spec = body_json()
    query_id, fmt = str(spec.get("query_id") or ""), spec.get("result_format") or ""
    errors = []
    if query_id not in state().queries:
        errors.append({"field": "query_id", "code": "missing", "message": "query_id is not a saved query"})
    if fmt not in formats.FORMATS or fmt in ("png", "jpg"):
        errors.append({"field": "result_format", "code": "invalid", "message": f"'{fmt}' is not a result format"})
    if errors:
        return error(422, "Validation Failed", errors)
    task = Task(id=secrets.token_hex(16), query_id=query_id, result_format=fmt, user_id=g.looker_user_id)
    with state().lock:
        state().tasks[task.id] = task
    threading.Thread(target=_execute, args=(current_app._get_current_object(), task), daemon=True).start()
    return json_response(_task_json(task))


@bp.get("/query_tasks/<task_id>")
@operation("query_task")
def query_task(task_id: str):
    """Return a task's status."""
    task = state().tasks.get(task_id)
    return json_response(_task_json(task)) if task else error(404, "Not found")


@bp.get("/query_tasks/<task_id>/results")
@operation("query_task_results")
def query_task_results(task_id: str):
    """Return a task's results: 200 when complete, 202 while running, 404 when unknown."""
    task = state().tasks.get(task_id)
    if task is None or task.status in ("killed", "expired"):
        return error(404, "The Query Task Id was not found or the results have expired.")
    if task.status == "error" and task.body is not None:
        return Response(task.body, content_type=task.content_type)
    if task.status == "error":
        return error(400, task.error or "Query failed")
    if task.status != "complete":
        return json_response({"status": task.status}, 202)
    return Response(task.body, content_type=task.content_type)


@bp.get("/query_tasks/multi_results")
@operation("query_task_multi_results")
def query_task_multi_results():
    """Return the status (and data when complete) of several tasks."""
    out = {}
    for task_id in filter(None, request.args.get("query_task_ids", "").split(",")):
        task = state().tasks.get(task_id)
        if task is None:
            out[task_id] = {"status": "missing"}
        else:
            entry = {"status": task.status}
            if task.status == "error":
                entry["data"] = _error_data(task)
            if task.status == "complete":
                entry["data"] = (
                    task.body.decode() if task.content_type.startswith(("text", "application/json")) else None
                )
            out[task_id] = entry
    return json_response(out)


@bp.delete("/running_queries/<task_id>")
@operation("kill_query")
def kill_query(task_id: str):
    """Kill a running query task."""
    task = state().tasks.get(task_id)
    if task is None:
        return error(404, "Not found")
    if task.status not in TERMINAL:
        task.status = "killed"
    return Response(status=204)
