"""The Looker client over mocked HTTP: real SDK, every failure mapped by its real status."""

import io
import threading

import pytest
import requests
import responses

from app import create_app
from app.config import Settings
from app.errors import ApiError
from app.looker.client import LookerClient
from app.looker.transport import RAW

BASE = "https://looker.test"
API = f"{BASE}/api/4.0"
SECRET = "client-secret-never-shown"
TOKEN = {"access_token": "t1", "token_type": "Bearer", "expires_in": 3600}
QUERY = {"model": "thelook", "view": "orders", "fields": ["orders.count"]}


def settings(**extra) -> Settings:
    env = {
        "LOOKERSDK_BASE_URL": BASE,
        "LOOKERSDK_CLIENT_ID": "cid",
        "LOOKERSDK_CLIENT_SECRET": SECRET,
        "ALLOW_ANONYMOUS": "true",
        "LOOKERSDK_TIMEOUT": "7",
    }
    env.update(extra)
    return Settings.from_env(env)


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.POST, f"{API}/login", json=TOKEN)
        yield rsps


@pytest.fixture
def client():
    return LookerClient(settings(), pool_size=24)


def login_calls(rsps) -> int:
    return sum(1 for call in rsps.calls if call.request.url.endswith("/login"))


def test_call_returns_typed_models_and_logs_in_once(mocked, client):
    mocked.add(responses.GET, f"{API}/user", json={"id": "1", "display_name": "Svc", "email": "s@x"})
    assert client.call("me", lambda sdk: sdk.me()).display_name == "Svc"
    assert client.call("me", lambda sdk: sdk.me()).email == "s@x"
    assert login_calls(mocked) == 1


def test_fetch_returns_lookers_bytes_untouched(mocked, client):
    raw = '[{"orders.count":  12, "name": "Zoë"}]'.encode()
    mocked.add(responses.POST, f"{API}/queries/run/json", body=raw, content_type="application/json")
    body = client.fetch("q", lambda sdk, options: sdk.run_inline_query("json", QUERY, transport_options=options))
    assert body.content == raw and body.content_type == "application/json"


def test_every_call_is_bounded_by_the_configured_timeout(mocked, client):
    mocked.add(responses.GET, f"{API}/user", json={"id": "1"})
    client.call("me", lambda sdk: sdk.me())
    assert all(call.request.req_kwargs["timeout"] == 7 for call in mocked.calls)


def test_pool_is_sized_for_the_worker_threads(client):
    adapter = client.sdk.transport.session.get_adapter(BASE)
    assert adapter._pool_maxsize == 24


def _html(status):
    return {"status": status, "body": "<html><body>Bad gateway</body></html>", "content_type": "text/html"}


@pytest.mark.parametrize(
    ("looker", "status", "code"),
    [
        ({"status": 403, "json": {"message": "Forbidden", "documentation_url": "x"}}, 403, "forbidden"),
        ({"status": 404, "json": {"message": "Not found", "documentation_url": "x"}}, 404, "not_found"),
        (
            {
                "status": 422,
                "json": {
                    "message": "Validation Failed",
                    "documentation_url": "x",
                    "errors": [
                        {"field": "fields", "code": "invalid", "message": "Unknown field", "documentation_url": "x"}
                    ],
                },
            },
            422,
            "looker_validation",
        ),
        (
            {
                "status": 429,
                "json": {"message": "slow down", "documentation_url": "x"},
                "headers": {"Retry-After": "17"},
            },
            503,
            "looker_unavailable",
        ),
        ({"status": 500, "json": {"message": "boom", "documentation_url": "x"}}, 502, "looker_error"),
        (_html(500), 502, "looker_error"),
        (_html(502), 502, "looker_error"),
        ({"status": 200, "body": "\x00not json", "content_type": "application/json"}, 502, "looker_error"),
        ({"body": requests.exceptions.ReadTimeout("Read timed out.")}, 504, "looker_timeout"),
        ({"body": requests.exceptions.ConnectionError("Connection refused")}, 503, "looker_unavailable"),
        ({"body": requests.exceptions.SSLError("certificate verify failed")}, 502, "looker_error"),
    ],
)
def test_looker_failures_map_to_our_errors(mocked, client, looker, status, code):
    mocked.add(responses.GET, f"{API}/looks/42", **looker)
    with pytest.raises(ApiError) as caught:
        client.call("Look 42", lambda sdk: sdk.look("42"))
    assert (caught.value.status, caught.value.code) == (status, code)
    if status == 503 and "headers" in looker:
        assert caught.value.headers["Retry-After"] == "17"
    if status == 422:
        assert caught.value.errors == [{"field": "fields", "message": "Unknown field"}]
    assert SECRET not in caught.value.detail


def test_refused_credentials_are_a_502_naming_the_variables(mocked, client):
    mocked.replace(responses.POST, f"{API}/login", status=404, json={"message": "Not found", "documentation_url": "x"})
    with pytest.raises(ApiError) as caught:
        client.call("me", lambda sdk: sdk.me())
    assert caught.value.status == 502 and "LOOKERSDK_CLIENT_SECRET" in caught.value.detail


def test_a_token_revoked_server_side_triggers_one_relogin_and_retry(mocked, client):
    mocked.add(responses.GET, f"{API}/user", json={"id": "1"})
    client.call("me", lambda sdk: sdk.me())  # logged in with t1
    mocked.remove(responses.GET, f"{API}/user")
    mocked.replace(responses.POST, f"{API}/login", json={**TOKEN, "access_token": "t2"})
    mocked.add(
        responses.GET,
        f"{API}/user",
        status=401,  # Looker forgot t1 (restart, revoked keys)
        json={"message": "Requires authentication.", "documentation_url": "x"},
    )
    mocked.add(responses.GET, f"{API}/user", json={"id": "1", "display_name": "again"})
    mocked.calls.reset()
    assert client.call("me", lambda sdk: sdk.me()).display_name == "again"
    auth_headers = [c.request.headers.get("Authorization") for c in mocked.calls if c.request.url.endswith("/user")]
    assert auth_headers == ["Bearer t1", "Bearer t2"] and login_calls(mocked) == 1


def test_a_token_refused_twice_is_a_502(mocked, client):
    mocked.add(
        responses.GET, f"{API}/user", status=401, json={"message": "Requires authentication.", "documentation_url": "x"}
    )
    with pytest.raises(ApiError) as caught:
        client.call("me", lambda sdk: sdk.me())
    assert caught.value.status == 502
    assert sum(1 for c in mocked.calls if c.request.url.endswith("/user")) == 2


def test_errors_never_make_the_sdk_fetch_documentation(mocked, client):
    doc = "https://cloud.google.com/looker/docs/r/err/4.0/404/get/looks/:look_id"
    mocked.add(responses.GET, f"{API}/looks/1", status=404, json={"message": "Not found", "documentation_url": doc})
    with pytest.raises(ApiError):
        client.call("Look 1", lambda sdk: sdk.look("1"))
    assert all(call.request.url.startswith(API) for call in mocked.calls)


def test_callers_transport_options_are_not_mutated_by_the_login(mocked, client):
    mocked.add(responses.POST, f"{API}/queries/run/json", body="[]", content_type="application/json")
    seen = []

    def run(sdk, options):
        seen.append(options)
        return sdk.run_inline_query("json", QUERY, transport_options=options)

    client.fetch("q", run)  # the first call logs in with these options in hand
    assert seen == [{RAW: True}]
    query_call = next(c for c in mocked.calls if c.request.url.endswith("/queries/run/json"))
    assert query_call.request.headers["Content-Type"] == "application/json"


def test_sixteen_threads_share_one_login_and_send_json(mocked, client):
    mocked.add(responses.POST, f"{API}/queries/run/json", body='[{"orders.count":1}]', content_type="application/json")
    barrier, results, failures = threading.Barrier(16), [], []

    def worker():
        barrier.wait()
        try:
            for _ in range(5):
                results.append(
                    client.fetch(
                        "q", lambda sdk, options: sdk.run_inline_query("json", QUERY, transport_options=options)
                    ).content
                )
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            failures.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == [] and len(results) == 80 and set(results) == {b'[{"orders.count":1}]'}
    assert login_calls(mocked) == 1
    query_calls = [c for c in mocked.calls if c.request.url.endswith("/queries/run/json")]
    assert len(query_calls) == 80
    assert {c.request.headers["Content-Type"] for c in query_calls} == {"application/json"}


def workbook() -> bytes:
    from openpyxl import Workbook

    book, buffer = Workbook(), io.BytesIO()
    book.active.append(["A"])
    book.save(buffer)
    return buffer.getvalue()


def test_service_passes_looker_bytes_and_content_types_through(mocked):
    app = create_app(settings())
    web = app.test_client()
    cases = {
        "json": ("application/json", b'[{"a":1}]'),
        "csv": ("text/csv; charset=utf-8", b"A\n1\n"),
        "txt": ("text/plain; charset=utf-8", b"A\t\n1\n"),
        "html": ("text/html; charset=utf-8", b"<table/>"),
        "md": ("text/markdown; charset=utf-8", b"| A |\n"),
        "sql": ("text/plain; charset=utf-8", b"SELECT 1"),
        "json_bi": ("application/json", b'{"rows":[]}'),
        "json_detail": ("application/json", b'{"data":[]}'),
    }
    for fmt, (content_type, raw) in cases.items():
        mocked.add(
            responses.POST,
            f"{API}/queries/run/{fmt}",
            body=raw,
            content_type=content_type.split(";")[0],  # Looker's own label, with or without a charset
        )
        reply = web.post(f"/api/query?format={fmt}", json=QUERY)
        assert (reply.status_code, reply.content_type, reply.data) == (200, content_type, raw), fmt
    binary = {
        "png": ("image/png", b"\x89PNG\r\n\x1a\n...\x00\x00\x00\x00IEND\xaeB`\x82"),
        "jpg": ("image/jpeg", b"\xff\xd8\xff\xe0...\xff\xd9"),
        "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", workbook()),
    }
    for fmt, (content_type, raw) in binary.items():
        mocked.add(responses.GET, f"{API}/looks/7/run/{fmt}", body=raw, content_type=content_type)
        reply = web.get(f"/api/looks/7?format={fmt}")
        assert (reply.status_code, reply.content_type, reply.data) == (200, content_type, raw), fmt


def test_latin1_text_from_looker_is_served_as_utf8(mocked):
    web = create_app(settings()).test_client()
    mocked.add(
        responses.POST,
        f"{API}/queries/run/csv",
        body="Zoë\n".encode("latin-1"),
        content_type="text/csv; charset=iso-8859-1",
    )
    reply = web.post("/api/query?format=csv", json=QUERY)
    assert reply.data == "Zoë\n".encode() and reply.content_type == "text/csv; charset=utf-8"
