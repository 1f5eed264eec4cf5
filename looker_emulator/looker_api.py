"""Looker API 4.0 routes the SDK calls, answering in the official spec's shapes."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from urllib.parse import unquote, urlsplit

from flask import Blueprint, Response, current_app, request

from . import embed, formats
from .compiler import QueryError
from .content import DASHBOARDS, LOOKS
from .lookml import Explore, Field
from .state import Task
from .wire import body_json, error, json_response, operation, state

api = Blueprint("looker_api", __name__, url_prefix="/api/4.0")
embed_pages = Blueprint("embed_pages", __name__)
TERMINAL = ("complete", "error", "killed", "expired")
FORMATTERS = {"usd": "${:,.2f}", "decimal_1": "{:,.1f}"}


# ---- session ---------------------------------------------------------------------------------------------
@api.post("/login")
@operation("login", auth=False)
def login():
    """Exchange API3 credentials (form body or query string) for an access token."""
    client_id = request.form.get("client_id") or request.args.get("client_id") or ""
    client_secret = request.form.get("client_secret") or request.args.get("client_secret") or ""
    config = state().config
    if not (hmac.compare_digest(client_id, config.client_id)
            and hmac.compare_digest(client_secret, config.client_secret)):
        return error(404, "Not found")
    return json_response({"access_token": state().issue_token(), "token_type": "Bearer",
                          "expires_in": config.token_ttl, "refresh_token": None})


@api.delete("/logout")
@operation("logout")
def logout():
    """Invalidate the caller's token."""
    state().revoke(request.headers.get("Authorization", "").partition(" ")[2].strip())
    return Response(status=204)


@embed_pages.delete("/api/logout")
@operation("logout")
def logout_unversioned():
    """Invalidate the caller's token (the path the SDK's auth.logout uses)."""
    return logout.__wrapped__()


@api.get("/versions")
@operation("versions", auth=False)
def versions():
    """Describe the API versions this instance serves."""
    base = request.host_url.rstrip("/")
    current = {"version": "4.0", "full_version": "4.0.26.12", "status": "current",
               "swagger_url": f"{base}/api/4.0/swagger.json"}
    return json_response({"looker_release_version": "26.12.3", "current_version": current,
                          "supported_versions": [current], "api_server_url": base, "web_server_url": base})


@api.get("/user")
@operation("me")
def me():
    """Return the service account."""
    return json_response({"id": "1", "first_name": "Emulator", "last_name": "Service", "display_name":
                          "Emulator Service", "email": "service@looker-emulator.local", "is_disabled": False,
                          "locale": "en", "verified_looker_employee": False, "role_ids": ["2"]})


# ---- models and explores ---------------------------------------------------------------------------------
def _nav(explore: Explore) -> dict:
    return {"name": explore.name, "label": explore.label, "description": explore.description,
            "hidden": explore.hidden, "group_label": state().compiler.models[explore.model].label}


def _model(name: str) -> dict:
    model = state().compiler.models[name]
    return {"name": model.name, "label": model.label, "project_name": "sample_shop", "has_content": True,
            "allowed_db_connection_names": [model.connection], "unlimited_db_connections": False,
            "explores": [_nav(e) for e in model.explores.values()], "can": {}}


@api.get("/lookml_models")
@operation("all_lookml_models")
def all_lookml_models():
    """List the LookML models."""
    return json_response([_model(name) for name in state().compiler.models])


@api.get("/lookml_models/<name>")
@operation("lookml_model")
def lookml_model(name: str):
    """Return one LookML model with its explores."""
    if name not in state().compiler.models:
        return error(404, "Not found")
    return json_response(_model(name))


def _explore_field(f: Field, explore: Explore) -> dict:
    return {"name": f.name, "label": f.label, "label_short": f.label_short, "view": f.view,
            "view_label": f.view_label, "category": f.category, "type": f.type, "description": f.description,
            "hidden": f.hidden, "is_numeric": f.is_numeric, "is_timeframe": f.is_time, "sql": f.sql,
            "dimension_group": f.dimension_group, "value_format": None, "suggestable": f.category == "dimension",
            "scope": f.view, "can_filter": True, "sortable": True, "measure": f.category == "measure",
            "primary_key": state().compiler.models[explore.model].views[f.view].primary_key == f.short}


@api.get("/lookml_models/<model>/explores/<name>")
@operation("lookml_model_explore")
def lookml_model_explore(model: str, name: str):
    """Return an explore with its dimensions and measures."""
    compiler = state().compiler
    try:
        explore = compiler.explore(model, name)
    except QueryError:
        return error(404, "Not found")
    fields = [_explore_field(f, explore) for f in compiler.fields_of(explore)]
    return json_response({
        "id": f"{model}::{name}", "name": name, "label": explore.label, "description": explore.description,
        "model_name": model, "view_name": explore.view_name, "connection_name": compiler.models[model].connection,
        "hidden": explore.hidden, "title": explore.label,
        "fields": {"dimensions": [f for f in fields if f["category"] == "dimension"],
                   "measures": [f for f in fields if f["category"] == "measure"],
                   "filters": [], "parameters": []},
        "joins": [{"name": j.name, "sql_on": j.sql_on, "relationship": j.relationship, "type": "left_outer"}
                  for j in explore.joins],
        "scopes": explore.views(), "can_total": True, "can_save": True, "can_explain": True})


# ---- queries ---------------------------------------------------------------------------------------------
def _query_json(query: dict) -> dict:
    base = request.host_url.rstrip("/")
    limit = query.get("limit")
    return {**query, "limit": None if limit is None else str(limit), "can": {},
            "share_url": f"{base}/x/{query['slug']}", "url": f"/explore/{query['model']}/{query['view']}",
            "has_table_calculations": False}


def _formatted(result, query: dict) -> None:
    for f in result.fields:
        pattern = FORMATTERS.get(f.value_format_name or "")
        if pattern:
            for row in result.rows:
                value = row[f.name]
                if isinstance(value, dict):
                    row[f.name] = {k: v if v is None else pattern.format(v) for k, v in value.items()}
                elif value is not None:
                    row[f.name] = pattern.format(value)


def run(query: dict, fmt: str) -> Response:
    """Execute a query and answer in the requested format, or with Looker's error."""
    try:
        content_type = formats.content_type(fmt)
    except formats.UnknownFormat:
        return error(400, f"Unknown result format '{fmt}'")
    query = dict(query)
    if request.args.get("limit"):
        query["limit"] = request.args["limit"]
    try:
        result = state().compiler.run(query)
    except QueryError as exc:
        if exc.status == 404:
            return error(404, exc.message)
        return error(exc.status, exc.message, exc.errors)
    if request.args.get("apply_formatting") == "true":
        _formatted(result, query)
    return Response(formats.render(result, fmt, query), content_type=content_type)


@api.post("/queries/run/<result_format>")
@operation("run_inline_query")
def run_inline_query(result_format: str):
    """Run a query given in the body."""
    return run(body_json(), result_format)


@api.post("/queries")
@operation("create_query")
def create_query():
    """Save a query; an identical one returns the existing id."""
    query = body_json()
    try:
        state().compiler.compile(query)
    except QueryError as exc:
        return error(404 if exc.status == 404 else 422, exc.message, None if exc.status == 404 else exc.errors)
    _, saved = state().save_query(query)
    return json_response(_query_json(saved))


@api.get("/queries/<query_id>")
@operation("query")
def get_query(query_id: str):
    """Return a saved query by id."""
    saved = state().queries.get(query_id)
    return json_response(_query_json(saved)) if saved else error(404, "Not found")


@api.get("/queries/slug/<slug>")
@operation("query_for_slug")
def query_for_slug(slug: str):
    """Return a saved query by slug."""
    saved = state().query_by_slug(slug)
    return json_response(_query_json(saved)) if saved else error(404, "Not found")


@api.get("/queries/<query_id>/run/<result_format>")
@operation("run_query")
def run_query(query_id: str, result_format: str):
    """Run a saved query."""
    saved = state().queries.get(query_id)
    return run(saved, result_format) if saved else error(404, "Not found")


# ---- looks and dashboards --------------------------------------------------------------------------------
def _look_json(look_id: str) -> dict:
    look = LOOKS[look_id]
    query_id, saved = state().save_query(look["query"])
    model = look["query"]["model"]
    return {"id": look_id, "title": look["title"], "description": look["description"], "query_id": query_id,
            "query": _query_json(saved), "model": {"id": model, "label": state().compiler.models[model].label},
            "folder": {"id": "1", "name": "Shared"}, "folder_id": "1", "public": False, "deleted": False,
            "can": {}, "short_url": f"/looks/{look_id}", "content_metadata_id": look_id}


@api.get("/looks/<look_id>")
@operation("look")
def look(look_id: str):
    """Return a saved Look with its query."""
    return json_response(_look_json(look_id)) if look_id in LOOKS else error(404, "Not found")


@api.get("/looks/<look_id>/run/<result_format>")
@operation("run_look")
def run_look(look_id: str, result_format: str):
    """Run a saved Look."""
    return run(LOOKS[look_id]["query"], result_format) if look_id in LOOKS else error(404, "Not found")


def _dashboard_json(dashboard_id: str) -> dict:
    spec = DASHBOARDS[dashboard_id]
    filters = [{"id": f"{dashboard_id}{i}", "dashboard_id": dashboard_id, "row": i, "required": False,
                "allow_multiple_values": True, "listens_to_filters": [], "ui_config": None, **f}
               for i, f in enumerate(spec["filters"], start=1)]
    elements = []
    for index, tile in enumerate(spec["elements"], start=1):
        element_id = f"{dashboard_id}{index:02d}"
        base = {"id": element_id, "dashboard_id": dashboard_id, "title": tile["title"],
                "type": "text" if "text" in tile else "vis", "body_text": tile.get("text"),
                "look_id": None, "look": None, "query_id": None, "query": None, "result_maker": None}
        if "text" not in tile:
            look_id = tile.get("look_id")
            query_spec = LOOKS[look_id]["query"] if look_id else tile["query"]
            query_id, saved = state().save_query({**query_spec, "vis_config": {"type": tile["vis"]}})
            query_json = {**_query_json(saved), "vis_config": {"type": tile["vis"]}}
            listen = [{"dashboard_filter_name": name, "field": fld} for name, fld in tile.get("listen", {}).items()]
            base["result_maker"] = {"id": element_id, "query_id": query_id, "query": query_json,
                                    "filterables": [{"model": query_spec["model"], "view": query_spec["view"],
                                                     "name": tile["title"], "listen": listen}]}
            if look_id:
                base.update(look_id=look_id, look=_look_json(look_id))
            else:
                base.update(query_id=query_id, query=query_json)
        elements.append(base)
    return {"id": dashboard_id, "title": spec["title"], "description": spec["description"],
            "dashboard_elements": elements, "dashboard_filters": filters, "folder": {"id": "1", "name": "Shared"},
            "hidden": False, "readonly": False, "can": {}, "preferred_viewer": "dashboards-next",
            "created_at": "2026-01-05T09:00:00.000+00:00", "updated_at": "2026-06-01T09:00:00.000+00:00"}


@api.get("/dashboards/<dashboard_id>")
@operation("dashboard")
def dashboard(dashboard_id: str):
    """Return a dashboard with its tiles, their queries and its filters."""
    return json_response(_dashboard_json(dashboard_id)) if dashboard_id in DASHBOARDS else error(404, "Not found")


# ---- query tasks -----------------------------------------------------------------------------------------
def _task_json(task: Task) -> dict:
    return {"id": task.id, "query_id": task.query_id, "status": task.status, "result_format": task.result_format,
            "source": "api", "runtime": None, "cache": True, "result_source": None, "look_id": None,
            "dashboard_id": None, "can": {}}


def _execute(app, task: Task) -> None:
    with app.app_context():
        st = state()
        for fault in st.record_call("query_task_execution"):
            if fault.latency_ms:
                task.status = "running"
                time.sleep(fault.latency_ms / 1000)
            if fault.status:  # the query itself failed in the database
                task.error, task.status = f"The query failed in the database (injected {fault.status})", "error"
                return
        if task.status == "killed":
            return
        task.status = "running"
        try:
            result = st.compiler.run(st.queries[task.query_id])
            body = formats.render(result, task.result_format, st.queries[task.query_id])
        except Exception as exc:  # noqa: BLE001 - any failure becomes the task's error, as in Looker
            task.error, task.status = str(exc), "error"
            return
        if task.status != "killed":
            task.body, task.content_type, task.status = body, formats.content_type(task.result_format), "complete"


@api.post("/query_tasks")
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
    task = Task(id=secrets.token_hex(16), query_id=query_id, result_format=fmt)
    with state().lock:
        state().tasks[task.id] = task
    threading.Thread(target=_execute, args=(current_app._get_current_object(), task), daemon=True).start()
    return json_response(_task_json(task))


@api.get("/query_tasks/<task_id>")
@operation("query_task")
def query_task(task_id: str):
    """Return a task's status."""
    task = state().tasks.get(task_id)
    return json_response(_task_json(task)) if task else error(404, "Not found")


@api.get("/query_tasks/<task_id>/results")
@operation("query_task_results")
def query_task_results(task_id: str):
    """Return a task's results: 200 when complete, 202 while running, 404 when unknown."""
    task = state().tasks.get(task_id)
    if task is None or task.status in ("killed", "expired"):
        return error(404, "The Query Task Id was not found or the results have expired.")
    if task.status == "error":
        return error(400, task.error or "Query failed")
    if task.status != "complete":
        return json_response({"status": task.status}, 202)
    return Response(task.body, content_type=task.content_type)


@api.get("/query_tasks/multi_results")
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
            if task.status == "complete":
                entry["data"] = task.body.decode() if task.content_type.startswith(("text", "application/json")) \
                    else None
            out[task_id] = entry
    return json_response(out)


@api.delete("/running_queries/<task_id>")
@operation("kill_query")
def kill_query(task_id: str):
    """Kill a running query task."""
    task = state().tasks.get(task_id)
    if task is None:
        return error(404, "Not found")
    if task.status not in TERMINAL:
        task.status = "killed"
    return Response(status=204)


# ---- embedding -------------------------------------------------------------------------------------------
@api.post("/embed/sso_url")
@operation("create_sso_embed_url")
def create_sso_embed_url():
    """Sign an embed URL for an external user, as an admin API user may."""
    params = body_json()
    target = urlsplit(str(params.get("target_url") or ""))
    if not target.scheme or not target.netloc or not target.path:
        return error(422, "Validation Failed", [{"field": "target_url", "code": "invalid",
                                                "message": "target_url must be a full URL"}])
    if not params.get("group_ids") and not (params.get("models") and params.get("permissions")):
        return error(422, "Validation Failed", [{"field": "models", "code": "missing",
                                                "message": "Give group_ids, or both models and permissions"}])
    path = target.path if target.path.startswith("/embed/") else "/embed" + target.path
    values = {"nonce": secrets.token_hex(16), "time": int(time.time()),
              "session_length": int(params.get("session_length") or 300),
              "external_user_id": str(params.get("external_user_id") or ""),
              "permissions": list(params.get("permissions") or []), "models": list(params.get("models") or []),
              "access_filters": {}}
    for optional in ("group_ids", "external_group_id", "user_attributes", "first_name", "last_name"):
        if params.get(optional) is not None:
            values[optional] = params[optional]
    query = f"?{target.query}" if target.query else ""
    url = embed.signed_url(state().config.embed_secret, request.host, path + query, values,
                           scheme=request.scheme)
    return json_response({"url": url})


@api.post("/embed/cookieless_session/acquire")
@operation("acquire_embed_cookieless_session")
def acquire_embed_cookieless_session():
    """Start a cookieless embed session and hand out its tokens."""
    params = body_json()
    reference = params.get("session_reference_token") or secrets.token_urlsafe(24)
    with state().lock:
        state().cookieless[reference] = {"user": params.get("external_user_id"),
                                         "expires": time.time() + int(params.get("session_length") or 3600)}
    return json_response(_cookieless_tokens(reference, authentication=True))


def _cookieless_tokens(reference: str, authentication: bool = False) -> dict:
    session = state().cookieless.get(reference)
    remaining = max(0, int(session["expires"] - time.time())) if session else 0
    tokens = {"session_reference_token": reference, "session_reference_token_ttl": remaining,
              "navigation_token": secrets.token_urlsafe(16), "navigation_token_ttl": 600,
              "api_token": secrets.token_urlsafe(16), "api_token_ttl": 600}
    if authentication:
        tokens.update(authentication_token=secrets.token_urlsafe(16), authentication_token_ttl=30)
    return tokens


@api.put("/embed/cookieless_session/generate_tokens")
@operation("generate_tokens_for_cookieless_session")
def generate_tokens_for_cookieless_session():
    """Refresh a cookieless session's navigation and API tokens."""
    reference = str(body_json().get("session_reference_token") or "")
    if reference not in state().cookieless:
        return error(400, "session_reference_token is not a live session")
    return json_response(_cookieless_tokens(reference))


@api.delete("/embed/cookieless_session/<reference>")
@operation("delete_embed_cookieless_session")
def delete_embed_cookieless_session(reference: str):
    """End a cookieless embed session."""
    with state().lock:
        found = state().cookieless.pop(reference, None)
    return Response(status=204) if found else error(404, "Not found")


@embed_pages.get("/login/embed//<path:target>", merge_slashes=False)  # the target is one %2F-encoded segment
def embed_login(target: str):
    """Check a signed embed URL (signature, time, single-use nonce) and show the embedded content."""
    raw_path = request.environ.get("RAW_URI", request.path).split("?")[0]  # what was signed, still encoded
    names = embed.SIGNED
    params = {name: request.args[name] for name in names if name in request.args}
    given = request.args.get("signature", "")
    expected = embed.signature(state().config.embed_secret, request.host, raw_path, params)
    page_error = None
    if not hmac.compare_digest(given, expected):
        page_error = "The embed URL's signature does not match."
    elif abs(time.time() - int(params.get("time", "0"))) > 300:
        page_error = "The embed URL has expired."
    else:
        with state().lock:
            if params.get("nonce") in state().nonces:
                page_error = "The embed URL was already used."
            state().nonces.add(params.get("nonce", ""))
    if page_error:
        return Response(f"<!doctype html><title>Embed refused</title><h1>{page_error}</h1>", 401,
                        content_type="text/html; charset=utf-8")
    return _embed_page(unquote(raw_path.removeprefix("/login/embed/")))


def _embed_page(target: str) -> Response:
    path = urlsplit(target).path
    parts = path.strip("/").split("/")
    if len(parts) == 3 and parts[:2] == ["embed", "dashboards"] and parts[2] in DASHBOARDS:
        spec = DASHBOARDS[parts[2]]
        tiles = []
        for tile in spec["elements"]:
            query = LOOKS[tile["look_id"]]["query"] if tile.get("look_id") else tile.get("query")
            table = formats.render(state().compiler.run(query), "html", query).decode() if query else \
                f"<p>{tile.get('text', '')}</p>"
            tiles.append(f"<section class='tile'><h2>{tile['title']}</h2>{table}</section>")
        html = (f"<!doctype html><html><head><meta charset='utf-8'><title>{spec['title']}</title></head>"
                f"<body><h1 id='dashboard-title'>{spec['title']}</h1>{''.join(tiles)}</body></html>")
        return Response(html, content_type="text/html; charset=utf-8")
    html = f"<!doctype html><title>Embedded</title><h1 id='dashboard-title'>Embedded {path}</h1>"
    return Response(html, content_type="text/html; charset=utf-8")



