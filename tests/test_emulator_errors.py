"""Database failures answered as Looker answers them (200 with `looker_error`), and the faults that fake them."""

import io
import time

import looker_sdk
import orjson
import pytest
import requests
from looker_sdk import models40
from looker_sdk.error import SDKError
from openpyxl import load_workbook
from PIL import Image

from looker_emulator.server import RunningEmulator

from .helpers import EmulatorSdkSettings, validate_against_spec

HUGE = {
    "model": "thelook",
    "view": "orders",
    "fields": ["orders.count"],
    "filters": {"orders.created_date": "9999999999 days"},
}
FAR = {**HUGE, "filters": {"orders.created_date": "after 9999-12-31"}}
PRODUCTS = {"model": "thelook", "view": "products", "fields": ["products.category", "products.count"]}


@pytest.fixture
def sdk(emulator):
    return looker_sdk.init40(config_settings=EmulatorSdkSettings(emulator.url))


def _post(emulator, sdk, path: str, **kwargs) -> requests.Response:
    sdk.me()  # log in
    headers = {"Authorization": f"Bearer {sdk.auth.token.access_token}"}
    return requests.post(f"{emulator.url}/api/4.0{path}", headers=headers, **kwargs)


def _get(emulator, sdk, path: str) -> requests.Response:
    sdk.me()
    return requests.get(
        f"{emulator.url}/api/4.0{path}", headers={"Authorization": f"Bearer {sdk.auth.token.access_token}"}
    )


@pytest.mark.parametrize("query", [HUGE, FAR], ids=["days-overflow", "date-out-of-range"])
def test_date_overflow_is_a_200_looker_error_in_json(sdk, query):
    body = orjson.loads(sdk.run_inline_query("json", query))
    assert len(body) == 1 and body[0]["looker_error"].startswith("SQL Error: ")


def test_every_format_carries_the_error_in_its_own_shape(emulator, sdk):
    replies = {fmt: _post(emulator, sdk, f"/queries/run/{fmt}", json=FAR) for fmt in ("json_bi", "json_detail", "csv")}
    assert all(reply.status_code == 200 for reply in replies.values())
    bi = replies["json_bi"].json()
    assert bi["rows"][0]["looker_error"].startswith("SQL Error: ") and bi["metadata"]["sql"] == ""  # no SQL was written
    validate_against_spec(
        "/queries/run/{result_format}", "post", "200", replies["json_bi"].text
    )  # a string, as the spec types it
    detail = replies["json_detail"].json()
    assert detail["looker_error"].startswith("SQL Error") and detail["errors"][0]["message"] == detail["looker_error"]
    assert detail["data"] == []
    assert replies["csv"].headers["Content-Type"].startswith("text/csv")
    assert replies["csv"].text.splitlines()[0] == "looker_error"
    for fmt, check in (("html", "<th>looker_error</th>"), ("md", "| looker_error |"), ("txt", "looker_error")):
        reply = _post(emulator, sdk, f"/queries/run/{fmt}", json=FAR)
        assert reply.status_code == 200 and check in reply.text and "SQL Error" in reply.text
    sql = _post(emulator, sdk, "/queries/run/sql", json=FAR).text
    assert sql.startswith("-- looker_error: SQL Error")


def test_binary_formats_carry_the_error_too(emulator, sdk):
    xlsx = _post(emulator, sdk, "/queries/run/xlsx", json=FAR)
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert xlsx.status_code == 200 and sheet["A1"].value == "looker_error" and sheet["A2"].value.startswith("SQL Error")
    png = _post(emulator, sdk, "/queries/run/png", json=FAR)
    assert png.headers["Content-Type"] == "image/png" and Image.open(io.BytesIO(png.content)).size == (640, 120)


def test_saved_queries_and_looks_answer_the_same_way(emulator, sdk):
    query = sdk.create_query(models40.WriteQuery(**HUGE))
    assert "looker_error" in orjson.loads(sdk.run_query(query.id, "json"))[0]


def test_validation_errors_stay_422(sdk):
    with pytest.raises(SDKError) as caught:
        sdk.run_inline_query("json", {**HUGE, "filters": {"orders.created_date": "2000-13-45"}})
    assert caught.value.message == "Validation Failed" and caught.value.errors[0].field == "filters.orders.created_date"


def test_a_sqlite_error_is_a_looker_error():
    emulator = RunningEmulator().start()
    try:
        emulator.state.compiler.db.execute("DROP TABLE products")
        sdk = looker_sdk.init40(config_settings=EmulatorSdkSettings(emulator.url))
        body = orjson.loads(sdk.run_inline_query("json", PRODUCTS))
        assert body == [{"looker_error": "SQL Error: no such table: products"}]
        bi = orjson.loads(sdk.run_inline_query("json_bi", PRODUCTS))
        assert "FROM products AS products" in bi["metadata"]["sql"] and bi["rows"][0]["looker_error"]
        assert "FROM products" in sdk.run_inline_query("sql", PRODUCTS)
    finally:
        emulator.stop()


def _finished(sdk, task_id: str) -> str:
    for _ in range(100):
        status = sdk.query_task(task_id).status
        if status not in ("added", "running"):
            return status
        time.sleep(0.02)
    raise AssertionError("task never finished")


@pytest.mark.parametrize("fmt", ["json", "json_bi", "json_detail"])
def test_a_failing_task_errs_and_its_results_carry_looker_error(emulator, sdk, fmt):
    query = sdk.create_query(models40.WriteQuery(**FAR))
    task = sdk.create_query_task({"query_id": query.id, "result_format": fmt})
    assert _finished(sdk, task.id) == "error"
    reply = _get(emulator, sdk, f"/query_tasks/{task.id}/results")
    assert reply.status_code == 200 and "looker_error" in reply.text
    data = sdk.query_task_multi_results(task.id)[task.id]
    assert data["status"] == "error"
    message = data["data"]["rows"][0]["looker_error"] if fmt == "json_bi" else data["data"]["errors"][0]["message"]
    assert message.startswith("SQL Error: ")


# ---- faults --------------------------------------------------------------------------------------------
def _fault(emulator, **spec) -> None:
    assert requests.post(f"{emulator.url}/__emulator/faults", json=spec).status_code == 201


@pytest.mark.parametrize(
    ("fmt", "find"),
    [
        ("json", lambda r: r.json()[0]["looker_error"]),
        ("json_bi", lambda r: r.json()["rows"][0]["looker_error"]),
        ("json_detail", lambda r: r.json()["looker_error"]),
        ("csv", lambda r: r.text.splitlines()[1]),
    ],
)
def test_injected_looker_error_takes_the_requested_formats_shape(emulator, sdk, fmt, find):
    _fault(emulator, operation="run_inline_query", status=200, body="looker_error", message="SQL Error: boom", times=1)
    reply = _post(emulator, sdk, f"/queries/run/{fmt}", json=PRODUCTS)
    assert reply.status_code == 200 and find(reply) == "SQL Error: boom"
    assert "looker_error" not in _post(emulator, sdk, f"/queries/run/{fmt}", json=PRODUCTS).text  # used up


def test_injected_looker_error_on_look_and_saved_query_runs(emulator, sdk):
    _fault(emulator, operation="queries", body="looker_error")
    assert "looker_error" in orjson.loads(sdk.run_look("1", "json"))[0]
    query = sdk.create_query(models40.WriteQuery(**PRODUCTS))
    assert _get(emulator, sdk, f"/queries/{query.id}/run/csv").text.startswith("looker_error\n")


def test_injected_looker_error_on_a_task(emulator, sdk):
    _fault(emulator, operation="query_task_execution", status=200, body="looker_error", times=1)
    query = sdk.create_query(models40.WriteQuery(**PRODUCTS))
    task = sdk.create_query_task({"query_id": query.id, "result_format": "json"})
    assert _finished(sdk, task.id) == "error"
    reply = _get(emulator, sdk, f"/query_tasks/{task.id}/results")
    assert reply.status_code == 200 and "injected" in reply.json()[0]["looker_error"]


def test_injected_looker_error_on_task_results_uses_the_tasks_format(emulator, sdk):
    query = sdk.create_query(models40.WriteQuery(**PRODUCTS))
    task = sdk.create_query_task({"query_id": query.id, "result_format": "json_bi"})
    assert _finished(sdk, task.id) == "complete"
    _fault(emulator, operation="query_task_results", status=200, body="looker_error", times=1)
    assert "looker_error" in _get(emulator, sdk, f"/query_tasks/{task.id}/results").json()["rows"][0]


@pytest.mark.parametrize(
    ("spec", "content_type", "start"),
    [
        ({"status": 200, "body": "html", "content_type": "image/png"}, "image/png", b"<html>"),
        ({"status": 200, "body": "garbage", "content_type": "text/csv"}, "text/csv", b"\x00{not json"),
        ({"status": 200, "body": "html"}, "text/html", b"<html>"),
        ({"status": 200, "body": "garbage"}, "application/json", b"\x00"),
        ({"content_type": "application/json"}, "application/json", b"Products Category,"),
    ],
)
def test_wrong_content_types_can_be_injected(emulator, sdk, spec, content_type, start):
    _fault(emulator, operation="run_inline_query", times=1, **spec)
    reply = _post(emulator, sdk, "/queries/run/csv", json=PRODUCTS)
    assert reply.status_code == 200 and reply.headers["Content-Type"] == content_type
    assert reply.content.startswith(start)
    assert _post(emulator, sdk, "/queries/run/csv", json=PRODUCTS).headers["Content-Type"].startswith("text/csv")


def test_an_html_page_labelled_png_reaches_the_sdk_as_bytes(emulator, sdk):
    _fault(emulator, operation="run_look", status=200, body="html", content_type="image/png", times=1)
    assert sdk.run_look("2", "png").startswith(b"<html>")
