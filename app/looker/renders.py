"""Looker's render tasks in our terms: start one, read its status, download and check its file, or wait for it.

Looker walks enqueued_for_query, querying, enqueued_for_render, rendering, then success or failure. Clients
of the service see four statuses: the three waits before drawing are `pending`, drawing is `rendering`.
A failed task's `status_detail` is Looker's own words, passed on. The downloaded bytes must start as their
format does (%PDF, the PNG or JPEG signature): Looker answering 200 with HTML or an empty body is a 502,
never a file. The API polls through client requests (app/api/render_jobs.py); the report worker, which has
no client to poll for it, waits here with `wait_for_file`, bounded by RENDER_TIMEOUT.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from looker_sdk import models40

from app.errors import ApiError

from .client import LookerClient

CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"}
SIGNATURES = {"pdf": (b"%PDF-",), "png": (b"\x89PNG\r\n\x1a\n",), "jpg": (b"\xff\xd8\xff",)}
STATUSES = {
    "enqueued_for_query": "pending",
    "querying": "pending",
    "enqueued_for_render": "pending",
    "rendering": "rendering",
    "success": "success",
    "failure": "failure",
}
DEFAULT_SIZE = {"dashboard": (1280, 1024), "look": (800, 600)}
POLL_SECONDS = 0.25


@dataclass(frozen=True)
class RenderSpec:
    """Everything Looker's render call takes; equal specs render equal files, so a spec is a cache key."""

    kind: str  # dashboard | look
    target: str
    format: str
    width: int
    height: int
    dashboard_filters: str = ""  # url-encoded name=value pairs, Looker's dashboard_filters
    pdf_paper_size: str | None = None
    pdf_landscape: bool = False

    def parts(self) -> dict:
        """Return the spec as a plain mapping (for cache keys)."""
        return asdict(self)

    @property
    def what(self) -> str:
        return f"the render of {self.kind} {self.target}"


@dataclass(frozen=True)
class RenderState:
    """A render task's status in our terms, with Looker's detail when it failed."""

    status: str
    detail: str | None = None
    timed_out: bool = False


def start(client: LookerClient, spec: RenderSpec) -> tuple[str, str]:
    """Create the Looker render task; return its id and our status for it."""
    if spec.kind == "look":
        task = client.call(
            spec.what,
            lambda sdk: sdk.create_look_render_task(
                spec.target, spec.format, spec.width, spec.height, fields="id,status"
            ),
        )
    else:
        body = models40.CreateDashboardRenderTask(dashboard_style="tiled", dashboard_filters=spec.dashboard_filters)
        task = client.call(
            spec.what,
            lambda sdk: sdk.create_dashboard_render_task(
                spec.target,
                spec.format,
                body,
                spec.width,
                spec.height,
                fields="id,status",
                pdf_paper_size=spec.pdf_paper_size,
                pdf_landscape=spec.pdf_landscape if spec.format == "pdf" else None,
            ),
        )
    if not task.id:
        raise ApiError(502, "Looker started the render without giving its task id.")
    return str(task.id), STATUSES.get(task.status or "", "pending")


def state(client: LookerClient, task_id: str, what: str = "the render task") -> RenderState:
    """Ask Looker how far a render task has got."""
    task = client.call(what, lambda sdk: sdk.render_task(task_id, fields="status,status_detail"))
    status = STATUSES.get(task.status or "", "pending")
    if status == "failure":
        return RenderState(status, task.status_detail or "Looker did not say why the render failed.")
    return RenderState(status)


def download(client: LookerClient, task_id: str, fmt: str, what: str = "the render task") -> tuple[bytes, str]:
    """Return a finished task's file and its Content-Type, refusing anything that is not that format."""
    body = client.fetch(what, lambda sdk, options: sdk.render_task_results(task_id, transport_options=options))
    if not body.content.startswith(SIGNATURES[fmt]):
        raise ApiError(502, f"Looker sent something that is not a {fmt.upper()} as the rendered file.")
    return body.content, CONTENT_TYPES[fmt]


def timed_out(timeout: float) -> RenderState:
    """Return the failure of a render that ran past RENDER_TIMEOUT."""
    return RenderState(
        "failure", f"Looker did not finish the render within RENDER_TIMEOUT ({int(timeout)} s).", timed_out=True
    )


def wait_for_file(
    client: LookerClient,
    spec: RenderSpec,
    timeout: float,
    pause: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> tuple[bytes, str]:
    """Render and return the file, polling until it is done; raise 502 on failure, 504 past `timeout`."""
    deadline = monotonic() + timeout
    task_id, status = start(client, spec)
    found = RenderState(status)
    while found.status != "success":
        if found.status == "failure":
            reason = found.detail or "no reason given"
            raise ApiError(502, f"Looker could not render {spec.kind} {spec.target}: {reason}")
        remaining = deadline - monotonic()
        if remaining <= 0:
            raise ApiError(504, timed_out(timeout).detail)
        pause(min(POLL_SECONDS, remaining))
        found = state(client, task_id, spec.what)
    return download(client, task_id, spec.format, spec.what)
