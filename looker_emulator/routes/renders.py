"""Render tasks: dashboards to PDF, PNG or JPG and Looks to PNG or JPG, drawn from the data in Looker's steps.

A task walks enqueued_for_query, querying, enqueued_for_render, rendering, then success or failure, each
step lasting the emulator's latency setting (or a short default) so clients really have to poll. The
background work is the pseudo-operation `render_task_execution`: a fault on it with `status` fails the
task with a status_detail, with `hang` leaves it rendering forever, with `latency_ms` slows its queries.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import time
from dataclasses import dataclass, field

from flask import Blueprint, Response, current_app, request

from ..compiler import QueryError
from ..content import DASHBOARDS, LOOKS
from ..render import image, layout, model, pdf
from ..wire import body_json, error, json_response, operation, state

bp = Blueprint("renders", __name__, url_prefix="/api/4.0")
CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"}
DASHBOARD_FORMATS, LOOK_FORMATS = ("pdf", "png", "jpg"), ("png", "jpg")
DEFAULT_STEP_MS = 40
MAX_PIXELS = 8000


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+00:00"


@dataclass
class RenderTask:
    """One render request and how far it has got."""

    id: str
    result_format: str
    width: int
    height: int
    dashboard_id: str | None = None
    look_id: str | None = None
    dashboard_style: str | None = None
    dashboard_filters: str | None = None
    paper: str | None = None
    landscape: bool = False
    long_tables: bool = False
    status: str = "enqueued_for_query"
    status_detail: str | None = None
    body: bytes | None = None
    created_at: str = field(default_factory=_now)
    finalized_at: str | None = None
    started: float = field(default_factory=time.monotonic)
    query_runtime: float | None = None
    render_runtime: float | None = None

    def as_json(self) -> dict:
        """Return the task in the RenderTask shape."""
        done = self.finalized_at is not None
        return {
            "id": self.id,
            "status": self.status,
            "status_detail": self.status_detail,
            "result_format": self.result_format,
            "width": self.width,
            "height": self.height,
            "dashboard_id": self.dashboard_id,
            "dashboard_style": self.dashboard_style,
            "dashboard_filters": self.dashboard_filters,
            "look_id": self.look_id,
            "lookml_dashboard_id": None,
            "query_id": None,
            "dashboard_element_id": None,
            "created_at": self.created_at,
            "finalized_at": self.finalized_at,
            "query_runtime": self.query_runtime,
            "render_runtime": self.render_runtime,
            "runtime": round(time.monotonic() - self.started, 3) if done else None,
            "user_id": "1",
            "can": {},
        }

    def finish(self, status: str, detail: str | None = None, body: bytes | None = None) -> None:
        """End the task: success with its bytes, or failure with what went wrong."""
        self.body, self.status_detail, self.finalized_at = body, detail, _now()
        self.status = status


def _draw(task: RenderTask, subject) -> bytes:
    """Turn the gathered board or tile into the requested file."""
    if task.look_id is not None:
        return image.look_image(subject, task.width, task.height, task.result_format)
    if task.result_format == "pdf":
        page_w, page_h = layout.page_size(task.paper, task.landscape, task.width, task.height)
        return pdf.dashboard_pdf(subject, page_w, page_h, task.dashboard_style or "tiled", task.long_tables)
    return image.dashboard_image(subject, task.width, task.height, task.result_format)


def _execute(app, task: RenderTask) -> None:
    with app.app_context():
        st = state()
        faults = st.record_call("render_task_execution")
        step = (st.config.latency_ms or DEFAULT_STEP_MS) / 1000
        time.sleep(step)
        task.status = "querying"
        began = time.monotonic()
        time.sleep(step + sum(f.latency_ms for f in faults) / 1000)
        try:
            if task.look_id is not None:
                subject = model.look_tile(st.compiler, task.look_id)
            else:
                subject = model.dashboard_board(st.compiler, task.dashboard_id, task.dashboard_filters)
        except QueryError as exc:
            return task.finish("failure", f"Query failed: {exc.message}")
        task.query_runtime = round(time.monotonic() - began, 3)
        task.status = "enqueued_for_render"
        time.sleep(step)
        task.status = "rendering"
        if any(f.hang for f in faults):
            return None  # the renderer never reports back: the task stays "rendering" for good
        began = time.monotonic()
        time.sleep(step)
        failing = next((f for f in faults if f.status), None)
        if failing is not None:
            return task.finish("failure", f"Rendering failed: the renderer answered {failing.status} (injected)")
        try:
            body = _draw(task, subject)
        except Exception as exc:  # noqa: BLE001 - any drawing failure is the task's failure, as in Looker
            return task.finish("failure", f"Rendering failed: {exc}")
        task.render_runtime = round(time.monotonic() - began, 3)
        return task.finish("success", body=body)


def _flag(name: str) -> bool | None:
    value = request.args.get(name)
    return None if value is None else value.lower() == "true"


def _size_errors() -> tuple[list[dict], int, int]:
    errors, sizes = [], []
    for name in ("width", "height"):
        raw = request.args.get(name, "")
        number = int(raw) if raw.isdigit() else 0
        if not 0 < number <= MAX_PIXELS:
            message = f"{name} is required: a whole number of pixels from 1 to {MAX_PIXELS}"
            errors.append({"field": name, "code": "missing" if not raw else "invalid", "message": message})
        sizes.append(number)
    return errors, sizes[0], sizes[1]


def _format_error(fmt: str, allowed: tuple[str, ...]) -> list[dict]:
    if fmt in allowed:
        return []
    return [{"field": "result_format", "code": "invalid", "message": f"'{fmt}' is not one of {', '.join(allowed)}"}]


def _start(task: RenderTask) -> Response:
    with state().lock:
        state().renders[task.id] = task
    threading.Thread(
        target=_execute, args=(current_app._get_current_object(), task), name="render-task", daemon=True
    ).start()
    return json_response(task.as_json())


@bp.post("/render_tasks/dashboards/<dashboard_id>/<result_format>")
@operation("create_dashboard_render_task")
def create_dashboard_render_task(dashboard_id: str, result_format: str):
    """Start rendering a dashboard, with its filters, to a PDF or an image."""
    if dashboard_id not in DASHBOARDS:
        return error(404, "Not found")
    errors, width, height = _size_errors()
    errors += _format_error(result_format, DASHBOARD_FORMATS)
    spec = body_json()
    paper, style = request.args.get("pdf_paper_size") or None, spec.get("dashboard_style") or "tiled"
    if paper is not None and paper not in layout.PAPER:
        errors.append({"field": "pdf_paper_size", "code": "invalid", "message": f"one of {', '.join(layout.PAPER)}"})
    if style not in layout.STYLES:
        errors.append({"field": "dashboard_style", "code": "invalid", "message": "single_column or tiled"})
    filters = spec.get("dashboard_filters")
    if filters is not None and not isinstance(filters, str):
        errors.append({"field": "dashboard_filters", "code": "invalid", "message": "a url-encoded string"})
    if errors:
        return error(422, "Validation Failed", errors)
    task = RenderTask(
        id=secrets.token_hex(16),
        result_format=result_format,
        width=width,
        height=height,
        dashboard_id=dashboard_id,
        dashboard_style=style,
        dashboard_filters=filters,
        paper=paper,
        landscape=bool(_flag("pdf_landscape")),
        long_tables=bool(_flag("long_tables")),
    )
    return _start(task)


@bp.post("/render_tasks/looks/<look_id>/<result_format>")
@operation("create_look_render_task")
def create_look_render_task(look_id: str, result_format: str):
    """Start rendering a Look's chart to an image."""
    if look_id not in LOOKS:
        return error(404, "Not found")
    errors, width, height = _size_errors()
    errors += _format_error(result_format, LOOK_FORMATS)
    if errors:
        return error(422, "Validation Failed", errors)
    return _start(
        RenderTask(id=secrets.token_hex(16), result_format=result_format, width=width, height=height, look_id=look_id)
    )


@bp.get("/render_tasks/<render_task_id>")
@operation("render_task")
def render_task(render_task_id: str):
    """Return a render task's status, with only the requested fields when `fields` is given."""
    task = state().renders.get(render_task_id)
    if task is None:
        return error(404, "Not found")
    body = task.as_json()
    wanted = [name.strip() for name in request.args.get("fields", "").split(",") if name.strip()]
    return json_response({k: v for k, v in body.items() if k in wanted} if wanted else body)


@bp.get("/render_tasks/<render_task_id>/results")
@operation("render_task_results")
def render_task_results(render_task_id: str):
    """Return the rendered file: 200 on success, 202 with Retry-After while rendering, 404 when unknown."""
    task = state().renders.get(render_task_id)
    if task is None:
        return error(404, "Not found")
    if task.status == "failure":
        return error(400, f"Render task failed: {task.status_detail}")
    if task.status != "success":
        accepted = Response(b"", 202, headers={"Retry-After": "1"})
        del accepted.headers["Content-Type"]  # Looker's 202 has an empty body and says nothing about it
        return accepted
    return Response(task.body, content_type=CONTENT_TYPES[task.result_format])
