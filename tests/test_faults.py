"""Looker failing in every way the emulator can fake, seen through the service."""

import logging

import orjson
import pytest

from app import create_app
from app.config import Settings
from app.logs import JsonFormatter
from looker_emulator.state import DEFAULT_CLIENT_SECRET, Fault

from .helpers import ADMIN_KEY, API_KEY, QUERY, calls, emulator_env, logged_lines, problem, wait_complete

QUERY_FORMATS = ("json", "json_bi", "json_detail", "csv", "txt", "html", "md", "sql")
LOOK_FORMATS = (*QUERY_FORMATS, "xlsx", "png", "jpg")
NOT_A_RESULT = {  # what a 200 whose body is not the result asked for becomes
    "garbage": (502, "looker_error"),
    "html": (502, "looker_error"),
    "looker_error": (422, "looker_query_failed"),
}
UNDETECTED = {("jpg", "looker_error"), ("png", "looker_error")}  # a database error drawn into a valid image


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        (Fault(operation="run_inline_query", status=500, body="html"), 502, "looker_error"),
        (Fault(operation="run_inline_query", status=503), 502, "looker_error"),
        (Fault(operation="run_inline_query", status=403), 403, "forbidden"),
        (Fault(operation="run_inline_query", status=429, retry_after=9), 503, "looker_unavailable"),
        (Fault(operation="run_inline_query", drop=True), 503, "looker_unavailable"),
        (Fault(operation="login", status=500), 502, "looker_error"),
    ],
)
def test_injected_faults_map_to_contract_errors(client, emulator, fault, status, code):
    emulator.state.faults.append(fault)
    reply = client.post("/api/query", json=QUERY)
    problem(reply, status, code)
    if fault.retry_after:
        assert reply.headers["Retry-After"] == "9"


def test_unreadable_dashboard_is_502(client, emulator):
    emulator.state.faults.append(Fault(operation="dashboard", status=200, body="garbage"))
    problem(client.get("/api/dashboards/1"), 502, "looker_error")


def test_slow_looker_is_504_after_the_timeout(make_app, emulator):
    web = make_app(LOOKERSDK_TIMEOUT="1").test_client()
    web.post("/api/query", json=QUERY, headers={"X-API-Key": API_KEY})  # log in before the fault
    emulator.state.faults.append(Fault(operation="run_inline_query", latency_ms=1500, times=1))
    problem(web.post("/api/query", json={**QUERY, "limit": 3}, headers={"X-API-Key": API_KEY}), 504, "looker_timeout")


def test_tokens_revoked_mid_run_are_recovered_with_one_relogin(client, emulator):
    assert client.post("/api/query", json=QUERY).status_code == 200
    emulator.state.revoke()
    assert client.post("/api/query", json=QUERY, headers={"Cache-Control": "no-cache"}).status_code == 200
    assert calls(emulator, "login") == 2 and calls(emulator, "run_inline_query") == 3


def test_wrong_service_account_secret_is_502(emulator):
    app = create_app(Settings.from_env(emulator_env(emulator, LOOKERSDK_CLIENT_SECRET="wrong-secret")))
    web = app.test_client()
    body = problem(web.post("/api/query", json=QUERY, headers={"X-API-Key": API_KEY}), 502, "looker_error")
    assert "LOOKERSDK_CLIENT_SECRET" in body["detail"] and "wrong-secret" not in body["detail"]


def test_unreachable_looker_is_503_with_retry_after(emulator):
    from app.demo import free_port

    env = emulator_env(emulator, LOOKERSDK_BASE_URL=f"http://127.0.0.1:{free_port()}")
    web = create_app(Settings.from_env(env)).test_client()
    reply = web.post("/api/query", json=QUERY, headers={"X-API-Key": API_KEY})
    problem(reply, 503, "looker_unavailable")
    assert reply.headers["Retry-After"] == "5"


def test_no_secret_appears_in_any_response_or_log_line(client, emulator, caplog):
    caplog.set_level(logging.DEBUG)
    secrets = [DEFAULT_CLIENT_SECRET, API_KEY, ADMIN_KEY]
    replies = [client.post("/api/query", json=QUERY)]
    for fault in (
        Fault(status=500, body="html", times=1),
        Fault(status=401, times=2),
        Fault(drop=True, times=1),
        Fault(operation="login", status=404, times=1),
        Fault(status=200, body="garbage", times=1),
    ):
        emulator.state.revoke()
        emulator.state.faults.append(fault)
        fresh = {"Cache-Control": "no-cache"}
        replies += [
            client.post("/api/query", json=QUERY, headers=fresh),
            client.get("/api/looks/1", headers=fresh),
            client.get("/api/dashboards/1"),
            client.get("/readyz"),
        ]
    replies.append(client.post("/api/query", json=QUERY, headers={"Authorization": f"Bearer {API_KEY}x"}))
    assert any(r.status_code >= 500 for r in replies) and any(r.status_code == 200 for r in replies)
    for reply in replies:
        text = reply.get_data(as_text=True) + str(reply.headers)
        assert not any(secret in text for secret in secrets)
    assert caplog.records and not any(secret in logged_lines(caplog) for secret in secrets)


def test_the_secret_scan_reads_extra_fields_too(caplog):
    caplog.set_level(logging.INFO, logger="looker_proxy")
    logging.getLogger("looker_proxy.test").warning("nothing to see", extra={"detail": "planted-secret-value"})
    assert "planted-secret-value" not in caplog.text  # what the old scan read: the message only
    assert "planted-secret-value" in logged_lines(caplog)


def test_each_request_logs_one_structured_line(client, caplog):
    caplog.set_level(logging.INFO, logger="looker_proxy.access")
    client.post("/api/query", json=QUERY, headers={"X-Request-ID": "trace-1"})
    records = [r for r in caplog.records if r.name == "looker_proxy.access"]
    assert len(records) == 1
    line = orjson.loads(JsonFormatter().format(records[0]))
    assert line["method"] == "POST" and line["path"] == "/api/query" and line["status"] == 200
    assert line["request_id"] == "trace-1" and line["caller"] == "web" and line["looker_ms"] > 0


CACHED_ROUTES = [
    *[("run_inline_query", f"query {fmt}", "POST", f"/api/query?format={fmt}", fmt) for fmt in QUERY_FORMATS],
    *[("run_look", f"Look {fmt}", "GET", f"/api/looks/1?format={fmt}", fmt) for fmt in LOOK_FORMATS],
]
ROUTE_IDS = [route[1] for route in CACHED_ROUTES]


@pytest.mark.parametrize("body", list(NOT_A_RESULT))
@pytest.mark.parametrize(("operation", "name", "method", "path", "fmt"), CACHED_ROUTES, ids=ROUTE_IDS)
def test_a_200_that_is_not_the_result_is_an_error_and_never_stored(
    client, emulator, body, operation, name, method, path, fmt
):
    def send():
        return client.open(path, method=method, json=QUERY if method == "POST" else None)

    emulator.state.faults.append(Fault(operation=operation, status=200, body=body, times=1))
    first = send()
    if (fmt, body) in UNDETECTED:
        assert first.status_code == 200 and first.content_type.startswith("image/")
        return
    status, code = NOT_A_RESULT[body]
    problem(first, status, code)
    if body == "looker_error":
        assert "SQL Error" in first.get_json()["detail"]
    again = send()
    assert (again.status_code, again.headers["X-Cache"]) == (200, "MISS") and calls(emulator, operation) == 2


@pytest.mark.parametrize("fmt", ["json", "csv"])
@pytest.mark.parametrize("body", list(NOT_A_RESULT))
def test_a_task_result_that_is_not_the_result_is_an_error_and_never_stored(client, emulator, body, fmt):
    task_id = client.post(f"/api/query_tasks?format={fmt}", json=QUERY).get_json()["id"]
    emulator.state.faults.append(Fault(operation="query_task_results", status=200, body=body, times=1))
    problem(wait_complete(client, task_id), *NOT_A_RESULT[body])
    good = wait_complete(client, task_id)  # nothing was stored: Looker is asked again
    assert (good.status_code, good.headers["X-Cache"]) == (200, "MISS")
    assert calls(emulator, "query_task_results") == 2


@pytest.mark.parametrize("body", list(NOT_A_RESULT))
def test_a_tile_that_is_not_the_result_carries_its_own_error(client, emulator, body):
    emulator.state.faults.append(Fault(operation="run_inline_query", status=200, body=body, times=1))
    reply = client.get("/api/dashboards/1/data")
    assert reply.status_code == 200
    elements = reply.get_json()["elements"]
    failed = [e for e in elements if "error" in e]
    assert len(failed) == 1 and len([e for e in elements if "data" in e]) == len(elements) - 1
    status, code = NOT_A_RESULT[body]
    assert (failed[0]["error"]["status"], failed[0]["error"]["code"]) == (status, code)
    again = client.get("/api/dashboards/1/data").get_json()["elements"]
    assert all("data" in e for e in again) and calls(emulator, "run_inline_query") == len(elements) + 1


@pytest.mark.parametrize("body", list(NOT_A_RESULT))
def test_a_metric_whose_answer_is_not_the_result_is_an_error_and_never_stored(client, emulator, body):
    path = "/api/metrics/orders?from=2025-01-01&to=2025-01-31"
    emulator.state.faults.append(Fault(operation="run_inline_query", status=200, body=body, times=1))
    problem(client.get(path), *NOT_A_RESULT[body])
    again = client.get(path)
    assert (again.status_code, again.headers["X-Cache"]) == (200, "MISS") and len(again.get_json()["points"]) == 31
