"""Looker's 200s that are not the result asked for: refused before they are stored, stale stands in."""

import pytest

from app.errors import ApiError
from app.looker import results
from app.looker.transport import LookerBody
from looker_emulator.state import Fault

from .helpers import API_KEY, QUERY, calls, problem

XLSX = results.XLSX
PNG = b"\x89PNG\r\n\x1a\n" + bytes(20) + b"\x00\x00\x00\x00IEND\xaeB`\x82"
JPG = b"\xff\xd8\xff\xe0" + bytes(20) + b"\xff\xd9"


@pytest.mark.parametrize(
    ("fmt", "content_type", "content", "status"),
    [
        ("json", "application/json", b"", 502),  # an empty 200
        ("json", "application/json", b'[{"a": 1}', 502),  # truncated
        ("json", "text/html", b"[]", 502),
        ("json", "application/json", b'{"a": 1}', 502),  # an object where rows were asked for
        ("json", "application/json", b"[1, 2]", 502),
        ("json", "application/json", b'[{"looker_error": "SQL Error: x"}]', 422),
        ("json", "application/json; charset=utf-8", b'[{"a": 1}]', None),
        ("json", "application/vnd.api+json", b"[]", None),
        ("json_bi", "application/json", b"[]", 502),
        ("json_bi", "application/json", b'{"metadata": {}, "rows": [{"looker_error": "x"}]}', 422),
        ("json_detail", "application/json", b'{"looker_error": "x", "data": []}', 422),
        ("json_detail", "application/json", b'{"rows": []}', 502),
        ("csv", "text/html", b"a\n1\n", 502),
        ("csv", "text/csv", b"<!DOCTYPE html><html><body>Bad gateway</body></html>", 502),
        ("csv", "text/csv", b"a\x00\n", 502),
        ("csv", "text/csv", b"looker_error\nSQL Error: x\n", 422),
        ("csv", "text/csv", b"looker_error,Orders Count\nx,1\n", None),  # a real column of that name, not alone
        ("csv", "text/plain; charset=utf-8", b"Status\ncomplete\n", None),
        ("txt", "text/plain", b"looker_error\nSQL Error: x\n", 422),
        ("md", "text/markdown", b"| looker_error |\n|---|\n| SQL Error: x |\n", 422),
        ("html", "text/html", b"<html><body><h1>502 Bad Gateway</h1></body></html>", 502),
        ("html", "text/html", b"<table>\n<tr><th>looker_error</th></tr>\n<tr><td>x</td></tr>\n</table>\n", 422),
        ("sql", "text/plain", b"-- looker_error: SQL Error: x\nSELECT 1", 422),
        ("sql", "application/json", b"SELECT 1", 502),
        ("png", "image/png", PNG, None),
        ("png", "image/png", PNG[:-4], 502),  # truncated
        ("png", "image/png", b"<html>Bad gateway</html>", 502),
        ("png", "text/html", PNG, 502),
        ("jpg", "image/jpeg", JPG, None),
        ("jpg", "image/jpeg", PNG, 502),
        ("xlsx", XLSX, b"PK\x03\x04" + bytes(30), 502),  # no end of central directory: cut short
        ("xlsx", XLSX, b"PK\x03\x04...PK\x05\x06" + bytes(18), 502),  # signatures but no readable zip
    ],
)
def test_check_refuses_what_is_not_the_format(fmt, content_type, content, status):
    body = LookerBody(content, content_type)
    if status is None:
        results.check(body, fmt)
        return
    with pytest.raises(ApiError) as refused:
        results.check(body, fmt)
    assert refused.value.status == status
    assert refused.value.code == ("looker_query_failed" if status == 422 else "looker_error")


def test_a_real_workbook_passes_and_one_headed_looker_error_is_the_database_error():
    from looker_emulator import formats, sql_errors

    failed = LookerBody(sql_errors.body("SQL Error: boom", "xlsx"), XLSX)
    with pytest.raises(ApiError) as refused:
        results.check(failed, "xlsx")
    assert (refused.value.status, refused.value.detail) == (422, "Looker could not run the query: SQL Error: boom")
    assert formats.content_type("xlsx") == XLSX


def test_the_databases_own_failure_is_422_with_lookers_message_and_never_cached(client, emulator):
    broken = {**QUERY, "filters": {"orders.created_date": "9999999999 days"}}
    for fmt in ("json", "json_bi", "json_detail", "csv", "txt", "html", "md", "sql"):
        body = problem(client.post(f"/api/query?format={fmt}", json=broken), 422, "looker_query_failed")
        assert body["detail"].startswith("Looker could not run the query: SQL Error:"), fmt
    problem(client.post("/api/query", json=broken), 422, "looker_query_failed")
    assert calls(emulator, "run_inline_query") == 9


@pytest.fixture
def web(cached_app):
    client = cached_app(CACHE_TTL="60", CACHE_STALE_SECONDS="600").test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {API_KEY}"
    return client


@pytest.mark.parametrize("body", ["garbage", "html"])
def test_garbage_after_a_good_entry_expired_lets_the_good_entry_stand_in(web, emulator, clock, body):
    good = web.post("/api/query", json=QUERY)
    clock.advance(61)
    emulator.state.faults.append(Fault(operation="run_inline_query", status=200, body=body, times=1))
    stale = web.post("/api/query", json=QUERY)
    assert (stale.status_code, stale.headers["X-Cache"], stale.data) == (200, "STALE", good.data)
    assert stale.headers["Cache-Status"].endswith("fwd=stale; fwd-status=502")
    fresh = web.post("/api/query", json=QUERY)  # the garbage replaced nothing: Looker is asked again
    assert (fresh.headers["X-Cache"], fresh.data) == ("MISS", good.data)


def test_the_databases_failure_after_expiry_is_422_not_stale(web, emulator, clock):
    web.post("/api/query", json=QUERY)
    clock.advance(61)
    emulator.state.faults.append(Fault(operation="run_inline_query", status=200, body="looker_error", times=1))
    problem(web.post("/api/query", json=QUERY), 422, "looker_query_failed")


@pytest.mark.parametrize(("body", "opens"), [("garbage", True), ("html", True), ("looker_error", False)])
def test_garbage_counts_for_the_breaker_and_the_databases_failure_does_not(make_app, emulator, body, opens):
    client = make_app(LOOKER_BREAKER_FAILURES="3").test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {API_KEY}"
    emulator.state.faults.append(Fault(operation="run_inline_query", status=200, body=body, times=3))
    for limit in (1, 2, 3):  # three different queries
        client.post("/api/query", json={**QUERY, "limit": limit})
    after = client.post("/api/query", json={**QUERY, "limit": 4})
    assert after.status_code == (503 if opens else 200)


def test_a_hit_does_not_check_the_body_again(client, monkeypatch):
    checked = []
    real = results.check
    monkeypatch.setattr("app.looker.client.check", lambda body, fmt: checked.append(fmt) or real(body, fmt))
    client.post("/api/query", json=QUERY)
    hit = client.post("/api/query", json=QUERY)
    assert hit.headers["X-Cache"] == "HIT" and checked == ["json"]


@pytest.mark.parametrize(
    ("looker_path", "answer", "method", "path"),
    [
        ("/dashboards/1", {"json": {}}, "GET", "/api/dashboards/1"),
        ("/dashboards/1", {"json": []}, "GET", "/api/dashboards/1"),
        ("/dashboards/1", {"json": None}, "GET", "/api/dashboards/1"),
        ("/dashboards/1", {"body": b"", "content_type": "application/json"}, "GET", "/api/dashboards/1"),
        ("/dashboards/1", {"json": {}}, "GET", "/api/dashboards/1/data"),
        (
            "/lookml_models/thelook/explores/orders",
            {"json": {"name": "orders"}},
            "GET",
            "/api/models/thelook/explores/orders",
        ),
        ("/looks/1", {"json": {}}, "POST", "/api/embed/looks/1"),
        ("/dashboards/1", {"json": {}}, "POST", "/api/embed/dashboards/1"),
    ],
)
def test_a_200_without_the_object_asked_for_is_502_not_an_empty_answer(looker_path, answer, method, path):
    import responses

    from app import create_app

    from .test_looker_client import API, TOKEN, settings

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        mocked.add(responses.POST, f"{API}/login", json=TOKEN)
        mocked.add(responses.GET, f"{API}{looker_path}", **answer)
        web = create_app(settings(EMBED_MODELS="thelook")).test_client()
        problem(web.open(path, method=method), 502, "looker_error")
        assert not any(call.request.url.endswith("/embed/sso_url") for call in mocked.calls)
