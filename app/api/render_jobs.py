"""Renders behind POST /api/renders: one Looker render task per distinct render, its status, and its file.

How it works, and why:
- **Input first.** The body is checked (pydantic, then the cross-field rules in `RenderRequest.problems`)
  before anything else: 400 naming each bad field. Then the target is looked up (its plan or metadata,
  cached briefly): an unknown dashboard or Look is Looker's 404, and a dashboard whose tiles use a model
  outside ALLOWED_MODELS, or a Look of such a model, is 403. No render task is created before all of that.
- **Filters** are merged exactly as /data merges them (dashboard_plans.py): every filter of the dashboard
  gets the given value, else its default, and all of them go to Looker in the dashboard's order, so an
  explicit default and an omitted filter are the same render. An empty value means "not applied".
- **Default sizes**: 1280 x 1024 pixels for a dashboard, 800 x 600 for a Look (100 to 4000 allowed).
- **One Looker task per distinct render.** The render's canonical spec (target, format, size, filters, paper,
  orientation) is its key. Which Looker task renders it is a small job record kept in the app's
  `render_jobs` cache, whose single-flight (in-process, and across workers and instances through Redis,
  as for query results) makes exactly one caller create the task while identical requests wait for its
  id. A record lives for RENDER_TIMEOUT. Joining an older record first asks Looker whether that task
  failed; a failed or timed-out task's record is forgotten, so the next identical request starts afresh.
- **Every caller shares the service account**, as query results do, so identical renders are shared
  across callers; the id, though, is sealed to its caller (render_ids.py): anyone else gets 404.
- **Status** comes from the cache (the file is there: success), the clock (past RENDER_TIMEOUT since the
  task started: failure, and Looker is not asked again), or Looker's render task, in our four statuses.
  Polling is driven by clients, so a hung task costs nothing once it has timed out.
- **The file** is downloaded once through the result cache (single-flight, bounded by CACHE_MAX_BYTES,
  fresh for CACHE_TTL, ETag and 304, tagged `renders` so any purge drops it), checked to be the format
  asked for, and served with `Content-Disposition: attachment` named after the title. A Looker failure
  is 502 with Looker's status_detail; a timeout is 504. Once the file and Looker's task are both gone,
  the id answers 404: start the render again.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote, urlencode

import orjson
from flask import Response, url_for

from ..cache.http import serve_cached
from ..cache.keys import META_TAG, RENDERS_TAG, cache_key
from ..errors import ApiError, invalid
from ..looker import renders
from ..looker.dashboards import checked_id
from ..looker.renders import RenderSpec, RenderState
from ..schemas import RenderRequest
from ..security.governance import require_model
from ..services import services
from .dashboard_plans import filter_values, load_plan, tile_models
from .render_ids import seal

UNSAFE_IN_NAMES = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;%]+')
RETRY_AFTER = "2"


def _look(look_id: int) -> dict:
    """Return a Look's title and model (remembered briefly in the metadata cache)."""
    parts = services()

    def fetch():
        look = parts.looker.call(f"Look {look_id}", lambda sdk: sdk.look(str(look_id), fields="title,query(model)"))
        meta = {"title": look.title or "", "model": look.query.model if look.query else ""}
        return orjson.dumps(meta), "application/json"

    return orjson.loads(parts.meta_cache.lookup(cache_key("look-meta", look=look_id), fetch, META_TAG).entry.body)


def resolve(request: RenderRequest) -> tuple[RenderSpec, str]:
    """Check the request against its target and return the render's spec and the target's title."""
    problems = request.problems()
    if problems:
        raise invalid(f"{len(problems)} field(s) are not valid: " + ", ".join(p["field"] for p in problems), problems)
    settings, fmt = services().settings, request.target_format
    kind = "dashboard" if request.dashboard is not None else "look"
    width, height = renders.DEFAULT_SIZE[kind]
    size = {"width": request.width or width, "height": request.height or height}
    if kind == "look":
        meta = _look(request.look)
        require_model(meta["model"], settings)
        return RenderSpec(kind, str(request.look), fmt, **size), meta["title"] or f"Look {request.look}"
    plan = load_plan(checked_id(request.dashboard))
    values = filter_values(plan, request.filters)
    for model in sorted(tile_models(plan)):
        require_model(model, settings)
    spec = RenderSpec(
        kind,
        request.dashboard,
        fmt,
        **size,
        dashboard_filters=urlencode(values),
        pdf_paper_size=request.pdf_paper_size,
        pdf_landscape=request.pdf_landscape,
    )
    return spec, plan["title"] or f"Dashboard {request.dashboard}"


def _job_key(file_key: str) -> str:
    return cache_key("render-job", file=file_key)


def _job_tag(job_key: str) -> str:
    return "render-job:" + job_key[:32]  # one tag per job, so a failed one can be forgotten alone


def _join_or_start(spec: RenderSpec, job_key: str) -> tuple[str, float, str]:
    """Return the Looker task rendering this spec (started now, or already), when it started, and its status."""
    parts, started = services(), {}

    def create():
        task_id, started["status"] = renders.start(parts.looker, spec)
        return orjson.dumps({"t": task_id}), "application/json"

    for _ in range(2):
        outcome = parts.render_jobs.lookup(job_key, create, _job_tag(job_key))
        task_id = orjson.loads(outcome.entry.body)["t"]
        if outcome.status != "HIT":  # created here, or by the identical request this one waited for
            return task_id, outcome.entry.stored_at, started.get("status", "pending")
        found = renders.state(parts.looker, task_id, spec.what)
        if found.status != "failure":
            return task_id, outcome.entry.stored_at, found.status
        parts.render_jobs.purge({_job_tag(job_key)})  # that render failed: start a new one
    return task_id, outcome.entry.stored_at, found.status


def begin(request: RenderRequest) -> tuple[str, str]:
    """Start (or join, or find finished) the render a request asks for; return its sealed id and status."""
    spec, title = resolve(request)
    parts = services()
    file_key = cache_key("render", spec=spec.parts())
    render = {"k": file_key, "f": spec.format, "n": title, "t": None, "s": parts.clock()}
    if parts.cache.fresh(file_key) is not None:
        job = parts.render_jobs.fresh(_job_key(file_key))
        if job is not None:
            render.update(t=orjson.loads(job.body)["t"], s=job.stored_at)
        return seal(render), "success"
    render["t"], render["s"], status = _join_or_start(spec, _job_key(file_key))
    return seal(render), status


def _forget(render: dict) -> None:
    """Drop the job record if it still names this render's task, so the next identical request starts anew."""
    jobs, job_key = services().render_jobs, _job_key(render["k"])
    job = jobs.fresh(job_key)
    if job is not None and orjson.loads(job.body)["t"] == render["t"]:
        jobs.purge({_job_tag(job_key)})


def current(render: dict) -> RenderState:
    """Return how far a render has got, without asking Looker once the file is cached or the render timed out."""
    parts = services()
    if parts.cache.fresh(render["k"]) is not None:
        return RenderState("success")
    if render["t"] is None:
        raise ApiError(404, "The rendered file has expired; start the render again.")
    timeout = parts.settings.render_timeout
    if parts.clock() - render["s"] >= timeout:
        _forget(render)
        return renders.timed_out(timeout)
    try:
        found = renders.state(parts.looker, render["t"])
    except ApiError as exc:
        if exc.status == 404:
            raise ApiError(404, "Looker no longer has this render; start it again.") from None
        raise
    if found.status == "failure":
        _forget(render)
    return found


def accepted(render_id: str, status: str) -> Response:
    """Answer 202 with the render's id and status, where to poll, and when."""
    return Response(
        orjson.dumps({"id": render_id, "status": status}),
        status=202,
        content_type="application/json",
        headers={
            "Location": url_for("renders.get_render", render_id=render_id),
            "Retry-After": "0" if status == "success" else RETRY_AFTER,
            "Cache-Control": "no-store",
        },
    )


def disposition(title: str, fmt: str) -> str:
    """Return `attachment` with a safe file name from the title (ASCII, plus RFC 8187 UTF-8 when it differs)."""
    name = " ".join(UNSAFE_IN_NAMES.sub(" ", title).split()).strip(" .")[:120] or "render"
    plain = " ".join(unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().split()).strip(" .")
    header = f'attachment; filename="{plain or "render"}.{fmt}"'
    if plain != name:
        header += "; filename*=UTF-8''" + quote(f"{name}.{fmt}", safe="")
    return header


def file_response(render_id: str, render: dict) -> Response:
    """Serve the rendered file (200 or 304), 202 while Looker is still at it, or the render's failure."""
    parts = services()
    if parts.cache.fresh(render["k"]) is None:
        found = current(render)
        if found.status in ("pending", "rendering"):
            return accepted(render_id, found.status)
        if found.status == "failure":
            status = 504 if found.timed_out else 502
            raise ApiError(status, f"The render failed: {found.detail}")

    def fetch():
        if render["t"] is None:
            raise ApiError(404, "The rendered file has expired; start the render again.")
        return renders.download(parts.looker, render["t"], render["f"])

    response = serve_cached(parts.cache, render["k"], RENDERS_TAG, fetch, parts.telemetry)
    response.headers["Content-Disposition"] = disposition(render["n"], render["f"])
    return response
