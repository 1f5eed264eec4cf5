"""POST /api/renders against the emulator's real render tasks: files that open, one Looker task, failures that end."""

import io
import subprocess
import threading
import time

import pytest
from PIL import Image

from app.api.render_jobs import disposition
from looker_emulator.state import Fault

from .helpers import API_KEY, calls, problem
from .test_emulator_renders import inked_share, pdf_text

OTHER_KEY = "other-key-0123456789abcdef"
DONE = ("success", "failure")


def start(client, body: dict) -> str:
    reply = client.post("/api/renders", json=body)
    assert reply.status_code == 202, reply.data
    assert reply.headers["Location"] == f"/api/renders/{reply.json['id']}" and reply.headers["Retry-After"]
    return reply.json["id"]


def wait(client, render_id: str, timeout: float = 15) -> dict:
    """Poll a render's status until it ends (the emulator renders in real time, in a few short steps)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/api/renders/{render_id}").get_json()
        if body["status"] in DONE:
            return body
        time.sleep(0.02)
    raise AssertionError(f"render still {body['status']} after {timeout}s")


def rendered(client, body: dict):
    render_id = start(client, body)
    assert wait(client, render_id)["status"] == "success"
    reply = client.get(f"/api/renders/{render_id}/file")
    assert reply.status_code == 200, reply.data
    return reply


def total_revenue(client, query: str = "") -> str:
    tiles = client.get(f"/api/dashboards/1/data{query}").get_json()["elements"]
    value = next(t for t in tiles if t["title"] == "Total revenue")["data"][0]["order_items.total_sale_price"]
    return f"${value:,.2f}"


# ---- the files -------------------------------------------------------------------------------------------
def test_a_dashboard_pdf_opens_with_its_title_and_the_numbers_of_data(client, tmp_path):
    reply = rendered(client, {"dashboard": "1", "pdf_paper_size": "a4", "pdf_landscape": True})
    assert reply.content_type == "application/pdf" and reply.data.startswith(b"%PDF")
    assert reply.headers["Content-Disposition"] == 'attachment; filename="Business Pulse.pdf"'
    text = pdf_text(reply.data)
    assert "Business Pulse" in text and total_revenue(client) in text
    (tmp_path / "board.pdf").write_bytes(reply.data)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(tmp_path / "board.pdf"), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages and all(inked_share(page.read_bytes()) > 0.03 for page in pages)
    with Image.open(pages[0]) as first:
        assert first.width > first.height  # landscape


@pytest.mark.parametrize(
    ("body", "kind", "size", "name"),
    [
        ({"dashboard": "1", "format": "png", "width": 1000, "height": 700}, "PNG", (1000, 700), "Business Pulse.png"),
        ({"look": 2, "width": 640, "height": 360}, "PNG", (640, 360), "Revenue by month.png"),
        ({"look": 2, "format": "jpg"}, "JPEG", (800, 600), "Revenue by month.jpg"),
    ],
)
def test_images_have_the_requested_size(client, body, kind, size, name):
    reply = rendered(client, body)
    picture = Image.open(io.BytesIO(reply.data))
    assert (picture.format, picture.size) == (kind, size) and inked_share(picture) > 0.01
    assert reply.headers["Content-Disposition"] == f'attachment; filename="{name}"'


def test_filters_change_the_output_as_they_change_data(client):
    cancelled = pdf_text(rendered(client, {"dashboard": "1", "filters": {"Status": "cancelled"}}).data)
    default = pdf_text(rendered(client, {"dashboard": "1"}).data)
    expected = total_revenue(client, "?Status=cancelled")
    assert expected in cancelled and expected not in default and total_revenue(client) in default


def test_the_file_is_cached_with_etag_and_304(client, emulator):
    body = {"dashboard": "2", "format": "png"}
    render_id = start(client, body)
    wait(client, render_id)
    first = client.get(f"/api/renders/{render_id}/file")
    again = client.get(f"/api/renders/{render_id}/file")
    assert (first.headers["X-Cache"], again.headers["X-Cache"]) == ("MISS", "HIT") and again.data == first.data
    unchanged = client.get(f"/api/renders/{render_id}/file", headers={"If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304 and unchanged.data == b""
    later = client.post("/api/renders", json=body)  # the same render again: done at once, no new task
    assert later.json["status"] == "success" and client.get(f"/api/renders/{later.json['id']}/file").data == first.data
    assert calls(emulator, "create_dashboard_render_task") == 1 and calls(emulator, "render_task_results") == 1


@pytest.mark.parametrize(
    ("title", "header"),
    [
        ("Business Pulse", 'attachment; filename="Business Pulse.pdf"'),
        ('Q3 / "Sales": <draft>', 'attachment; filename="Q3 Sales draft.pdf"'),
        ("../../etc/passwd", 'attachment; filename="etc passwd.pdf"'),
        ("Umsätze 2026", "attachment; filename=\"Umsatze 2026.pdf\"; filename*=UTF-8''Ums%C3%A4tze%202026.pdf"),
        ("\r\n", 'attachment; filename="render.pdf"'),
    ],
)
def test_the_file_name_is_safe(title, header):
    assert disposition(title, "pdf") == header


# ---- one Looker task per distinct render -----------------------------------------------------------------
def _together(clients, body: dict) -> list[str]:
    barrier, ids = threading.Barrier(len(clients)), []

    def post(web):
        barrier.wait()
        ids.append(start(web, body))

    threads = [threading.Thread(target=post, args=(web,)) for web in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return ids


def test_two_concurrent_identical_requests_make_one_render_task(app, emulator):
    emulator.state.faults.append(Fault(operation="create_dashboard_render_task", latency_ms=300, times=1))
    webs = [app.test_client() for _ in range(2)]
    for web in webs:
        web.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {API_KEY}"
    body = {"dashboard": "1", "filters": {"Status": "complete"}}
    first, second = _together(webs, body)
    assert first != second and calls(emulator, "create_dashboard_render_task") == 1
    assert wait(webs[0], first)["status"] == wait(webs[1], second)["status"] == "success"
    files = [web.get(f"/api/renders/{rid}/file") for web, rid in zip(webs, (first, second), strict=True)]
    assert files[0].headers["ETag"] == files[1].headers["ETag"] and calls(emulator, "render_task_results") == 1
    explicit = {"dashboard": "1", "filters": {"Status": "complete", "Date": "12 months"}}  # the Date default
    assert webs[0].post("/api/renders", json=explicit).json["status"] == "success"
    assert calls(emulator, "create_dashboard_render_task") == 1


def test_instances_sharing_redis_share_the_task_and_the_ids(make_app, emulator, redis_server):
    apps = [make_app(REDIS_URL=redis_server.url) for _ in range(2)]
    webs = [a.test_client() for a in apps]
    for web in webs:
        web.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {API_KEY}"
    emulator.state.faults.append(Fault(operation="create_look_render_task", latency_ms=300, times=1))
    first, second = _together(webs, {"look": 3})
    assert calls(emulator, "create_look_render_task") == 1
    assert wait(webs[1], first)["status"] == "success"  # started on one instance, polled on the other
    assert webs[1].get(f"/api/renders/{first}/file").headers["X-Cache"] == "MISS"
    assert webs[0].get(f"/api/renders/{second}/file").headers["X-Cache"] == "HIT"


def test_another_caller_gets_404_for_the_id(make_app):
    app = make_app(API_KEYS=f"web:{API_KEY},other:{OTHER_KEY}")
    owner, other = app.test_client(), app.test_client()
    owner.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {API_KEY}"
    other.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {OTHER_KEY}"
    render_id = start(owner, {"look": 1})
    assert wait(owner, render_id)["status"] == "success"
    for path in (f"/api/renders/{render_id}", f"/api/renders/{render_id}/file"):
        problem(other.get(path), 404, "not_found")
    tampered = render_id[:-2] + ("AA" if render_id[-2:] != "AA" else "BB")
    problem(owner.get(f"/api/renders/{tampered}"), 404, "not_found")
    problem(owner.get("/api/renders/not-an-id"), 404, "not_found")


# ---- failures end --------------------------------------------------------------------------------------------
def test_a_looker_failure_ends_as_failure_with_its_detail(client, emulator):
    emulator.state.faults.append(Fault(operation="render_task_execution", status=500, times=1))
    render_id = start(client, {"dashboard": "1"})
    failed = wait(client, render_id)
    assert failed["status"] == "failure" and "500" in failed["status_detail"]
    body = problem(client.get(f"/api/renders/{render_id}/file"), 502, "looker_error")
    assert "500" in body["detail"]
    retried = start(client, {"dashboard": "1"})  # the failed task is not shared with the next request
    assert wait(client, retried)["status"] == "success" and calls(emulator, "create_dashboard_render_task") == 2


def test_a_render_past_render_timeout_fails_and_looker_is_not_asked_again(cached_app, clock, emulator):
    web = cached_app(RENDER_TIMEOUT="30").test_client()
    web.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {API_KEY}"
    emulator.state.faults.append(Fault(operation="render_task_execution", hang=True, times=1))
    render_id = start(web, {"look": 4})
    assert web.get(f"/api/renders/{render_id}").json["status"] in ("pending", "rendering")
    waiting = web.get(f"/api/renders/{render_id}/file")
    assert waiting.status_code == 202 and waiting.headers["Retry-After"] and waiting.json["id"] == render_id
    clock.advance(31)
    asked = calls(emulator, "render_task")
    ended = web.get(f"/api/renders/{render_id}").json
    assert ended["status"] == "failure" and "RENDER_TIMEOUT (30 s)" in ended["status_detail"]
    problem(web.get(f"/api/renders/{render_id}/file"), 504, "looker_timeout")
    assert calls(emulator, "render_task") == asked
    fresh = start(web, {"look": 4})  # a new request starts a new task instead of joining the hung one
    assert wait(web, fresh)["status"] == "success" and calls(emulator, "create_look_render_task") == 2


# ---- refused before any render --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"dashboard": "1", "format": "gif"}, ["format"]),
        ({"dashboard": "1", "width": 50}, ["width"]),
        ({"look": 1, "height": 5000}, ["height"]),
        ({}, ["dashboard"]),
        ({"dashboard": "1", "look": 1}, ["dashboard", "look"]),
        ({"look": 1, "format": "pdf"}, ["format"]),
        ({"look": 1, "filters": {"Date": "7 days"}}, ["filters"]),
        ({"dashboard": "1", "format": "png", "pdf_paper_size": "a4"}, ["pdf_paper_size"]),
        ({"dashboard": "1", "pdf_paper_size": "b5"}, ["pdf_paper_size"]),
        ({"dashboard": "1", "filters": {"Region": "EU"}}, ["Region"]),
        ({"dashboard": "1", "colour": "red"}, ["colour"]),
        ({"dashboard": "../1"}, ["dashboard"]),
    ],
)
def test_bad_input_is_400_naming_the_field(client, emulator, body, fields):
    reply = problem(client.post("/api/renders", json=body), 400, "invalid_request")
    assert [e["field"] for e in reply["errors"]] == fields
    assert calls(emulator, "create_dashboard_render_task") + calls(emulator, "create_look_render_task") == 0


@pytest.mark.parametrize(
    ("allowed", "body", "status", "code"),
    [
        ("", {"dashboard": "999"}, 404, "not_found"),
        ("", {"look": 999}, 404, "not_found"),
        ("finance", {"dashboard": "1"}, 403, "forbidden"),
        ("finance", {"look": 1}, 403, "forbidden"),
    ],
)
def test_unknown_targets_and_forbidden_models_are_refused(make_app, emulator, allowed, body, status, code):
    web = make_app(ALLOWED_MODELS=allowed).test_client()
    web.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {API_KEY}"
    problem(web.post("/api/renders", json=body), status, code)
    assert calls(emulator, "create_dashboard_render_task") + calls(emulator, "create_look_render_task") == 0


def test_a_look_of_an_allowed_model_renders(make_app):
    web = make_app(ALLOWED_MODELS="finance").test_client()
    web.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {API_KEY}"
    assert wait(web, start(web, {"look": 5}))["status"] == "success"
