"""Render tasks through the real looker_sdk: real PDFs and images of the data, Looker's steps, failures and hangs."""

import io
import re
import subprocess
import time

import looker_sdk
import orjson
import pytest
import requests
from looker_sdk import models40
from looker_sdk.error import SDKError
from PIL import Image

from looker_emulator.state import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

from .helpers import EmulatorSdkSettings

DONE = ("success", "failure")


@pytest.fixture
def sdk(emulator):
    return looker_sdk.init40(config_settings=EmulatorSdkSettings(emulator.url))


def wait(sdk, task_id: str, timeout: float = 10) -> tuple[models40.RenderTask, list[str]]:
    """Poll a render task until it ends, returning it and every status seen on the way."""
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        task = sdk.render_task(task_id)
        if not seen or seen[-1] != task.status:
            seen.append(task.status)
        if task.status in DONE:
            return task, seen
        time.sleep(0.01)
    raise AssertionError(f"render task still {seen[-1]} after {timeout}s")


def render_dashboard(sdk, fmt="pdf", filters=None, style="tiled", width=1000, height=800, **params) -> bytes:
    body = models40.CreateDashboardRenderTask(dashboard_style=style, dashboard_filters=filters)
    task = sdk.create_dashboard_render_task("1", fmt, body, width, height, **params)
    done, _ = wait(sdk, task.id)
    assert done.status == "success", done.status_detail
    return sdk.render_task_results(task.id)


def pdf_text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def pdf_info(pdf: bytes) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return dict(line.split(":", 1) for line in out.splitlines() if ":" in line)


def total_revenue(sdk, filters: dict) -> str:
    query = {"model": "thelook", "view": "order_items", "fields": ["order_items.total_sale_price"], "filters": filters}
    value = orjson.loads(sdk.run_inline_query("json", query))[0]["order_items.total_sale_price"]
    return f"${value:,.2f}"


def inked_share(picture: bytes | Image.Image) -> float:
    """Return the share of pixels that are not near-white."""
    gray = (picture if isinstance(picture, Image.Image) else Image.open(io.BytesIO(picture))).convert("L")
    return sum(count for level, count in enumerate(gray.histogram()) if level < 230) / (gray.width * gray.height)


def raw(emulator, path: str) -> requests.Response:
    token = requests.post(
        f"{emulator.url}/api/4.0/login", data={"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET}
    ).json()["access_token"]
    return requests.get(f"{emulator.url}/api/4.0{path}", headers={"Authorization": f"Bearer {token}"})


def fault(emulator, **spec) -> None:
    assert requests.post(f"{emulator.url}/__emulator/faults", json=spec).status_code == 201


# ---- the PDF -------------------------------------------------------------------------------------------
def test_dashboard_pdf_opens_with_title_tiles_and_the_total_from_the_data(sdk, tmp_path):
    pdf = render_dashboard(sdk, pdf_paper_size="letter")
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    for words in ("Business Pulse", "Revenue by month", "Top brands", "Total revenue", "Date: 12 months"):
        assert words in text
    assert total_revenue(sdk, {"orders.created_date": "12 months"}) in text
    (tmp_path / "board.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(tmp_path / "board.pdf"), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages and all(inked_share(page.read_bytes()) > 0.03 for page in pages)


def test_dashboard_filters_change_the_numbers_and_are_printed(sdk):
    default, cancelled = pdf_text(render_dashboard(sdk)), pdf_text(render_dashboard(sdk, filters="Status=cancelled"))
    expected = total_revenue(sdk, {"orders.created_date": "12 months", "orders.status": "cancelled"})
    assert expected in cancelled and expected not in default
    assert "Order status: cancelled" in cancelled and "Order status: is any value" in default
    narrowed = pdf_text(render_dashboard(sdk, filters="Date=7%20days&Nonexistent=x"))
    assert "Date: 7 days" in narrowed and total_revenue(sdk, {"orders.created_date": "7 days"}) in narrowed


@pytest.mark.parametrize(
    ("params", "size"),
    [
        ({"pdf_paper_size": "letter"}, "612 x 792"),
        ({"pdf_paper_size": "letter", "pdf_landscape": True}, "792 x 612"),
        ({"pdf_paper_size": "a4", "pdf_landscape": True}, "841.89 x 595.28"),
        ({"pdf_paper_size": "legal"}, "612 x 1008"),
        ({"pdf_paper_size": "a3"}, "841.89 x 1190.55"),
        ({}, "1000 x 800"),  # no paper size: the page is the requested width and height
    ],
)
def test_paper_size_and_orientation_set_the_page(sdk, params, size):
    assert pdf_info(render_dashboard(sdk, **params))["Page size"].strip().startswith(size)


def test_single_column_puts_fewer_tiles_on_a_page(sdk):
    tiled = int(pdf_info(render_dashboard(sdk, pdf_paper_size="letter"))["Pages"])
    single = int(pdf_info(render_dashboard(sdk, style="single_column", pdf_paper_size="letter"))["Pages"])
    assert tiled == 1 and single == 2


# ---- images --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("fmt", "kind", "width", "height"), [("png", "PNG", 640, 360), ("jpg", "JPEG", 333, 517)])
def test_look_image_has_exactly_the_requested_size(sdk, fmt, kind, width, height):
    task = sdk.create_look_render_task("2", fmt, width, height)
    assert task.look_id == "2" and task.result_format == fmt and task.width == width
    assert wait(sdk, task.id)[0].status == "success"
    image = Image.open(io.BytesIO(sdk.render_task_results(task.id)))
    assert image.format == kind and image.size == (width, height)
    assert inked_share(image) > 0.01


def test_dashboard_png_has_the_requested_size_and_content_type(emulator, sdk):
    task = sdk.create_dashboard_render_task("1", "png", models40.CreateDashboardRenderTask(), 1200, 900)
    wait(sdk, task.id)
    reply = raw(emulator, f"/render_tasks/{task.id}/results")
    assert reply.status_code == 200 and reply.headers["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(reply.content)).size == (1200, 900) and inked_share(reply.content) > 0.03


# ---- steps, timing, failures and hangs ------------------------------------------------------------------
def test_a_task_walks_lookers_statuses_and_results_wait_with_202(emulator, sdk):
    task = sdk.create_look_render_task("1", "png", 300, 200)
    assert task.status == "enqueued_for_query" and task.finalized_at is None
    early = raw(emulator, f"/render_tasks/{task.id}/results")
    assert early.status_code == 202 and early.content == b"" and early.headers["Retry-After"] == "1"
    assert sdk.render_task_results(task.id) in ("", b"")
    done, seen = wait(sdk, task.id)
    order = ["enqueued_for_query", "querying", "enqueued_for_render", "rendering", "success"]
    assert seen[-1] == "success" and len(seen) >= 3
    assert [order.index(s) for s in seen] == sorted(order.index(s) for s in seen)
    assert done.finalized_at and done.runtime > 0 and done.query_runtime is not None


def test_injected_render_failure_ends_in_failure_with_a_detail(emulator, sdk):
    fault(emulator, operation="render_task_execution", status=500, times=1)
    task = sdk.create_dashboard_render_task("1", "pdf", models40.CreateDashboardRenderTask(), 800, 600)
    done, _ = wait(sdk, task.id)
    assert done.status == "failure" and "500" in done.status_detail
    with pytest.raises(SDKError, match="Render task failed"):
        sdk.render_task_results(task.id)
    again = sdk.create_dashboard_render_task("1", "pdf", models40.CreateDashboardRenderTask(), 800, 600)
    assert wait(sdk, again.id)[0].status == "success"  # the fault was for one render only


def test_injected_hang_never_finishes(emulator, sdk):
    fault(emulator, operation="render_task_execution", hang=True, times=1)
    task = sdk.create_look_render_task("1", "png", 300, 200)
    time.sleep(0.6)  # many times the steps a render takes
    assert sdk.render_task(task.id).status == "rendering"
    assert raw(emulator, f"/render_tasks/{task.id}/results").status_code == 202


def test_injected_latency_slows_the_query_step(emulator, sdk):
    fault(emulator, operation="render_task_execution", latency_ms=400, times=1)
    task = sdk.create_look_render_task("1", "png", 300, 200)
    time.sleep(0.2)
    assert sdk.render_task(task.id).status == "querying"
    assert wait(sdk, task.id)[0].status == "success"


def test_an_http_fault_on_create_is_answered_as_injected(emulator, sdk):
    fault(emulator, operation="create_dashboard_render_task", status=503, times=1)
    with pytest.raises(SDKError):
        sdk.create_dashboard_render_task("1", "pdf", models40.CreateDashboardRenderTask(), 800, 600)


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/render_tasks/looks/1/pdf?width=300&height=200", "result_format"),
        ("/render_tasks/dashboards/1/gif?width=300&height=200", "result_format"),
        ("/render_tasks/dashboards/1/pdf?width=300", "height"),
        ("/render_tasks/dashboards/1/pdf?width=0&height=200", "width"),
        ("/render_tasks/dashboards/1/pdf?width=300&height=200&pdf_paper_size=b5", "pdf_paper_size"),
    ],
)
def test_bad_render_requests_are_422_naming_the_field(emulator, path, field):
    token = raw(emulator, "/user").request.headers["Authorization"]
    reply = requests.post(f"{emulator.url}/api/4.0{path}", json={}, headers={"Authorization": token})
    assert reply.status_code == 422 and [e["field"] for e in reply.json()["errors"]] == [field]


def test_unknown_dashboard_look_and_task_are_404(sdk):
    with pytest.raises(SDKError, match="Not found"):
        sdk.create_dashboard_render_task("999", "pdf", models40.CreateDashboardRenderTask(), 800, 600)
    with pytest.raises(SDKError, match="Not found"):
        sdk.create_look_render_task("999", "png", 300, 200)
    for call in (sdk.render_task, sdk.render_task_results):
        with pytest.raises(SDKError, match="Not found"):
            call("no-such-task")


def test_render_task_fields_selects_what_is_returned(emulator, sdk):
    task = sdk.create_look_render_task("1", "png", 300, 200)
    body = raw(emulator, f"/render_tasks/{task.id}?fields=id,status").json()
    assert set(body) == {"id", "status"} and re.fullmatch(r"[0-9a-f]{32}", body["id"])
