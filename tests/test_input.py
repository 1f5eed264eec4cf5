"""Hostile and sloppy input in-process: strict types, one message per field, ASCII ids, bodies and ETags."""

import io
from urllib.parse import urlsplit

import pytest

from looker_emulator.state import DEFAULT_EMBED_SECRET

from .helpers import API_KEY, calls, problem

H = {"X-API-Key": API_KEY}
QUERY = {"model": "thelook", "view": "orders", "fields": ["orders.status", "orders.count"]}
LIMIT = 64 * 1024


def padded(total: int) -> bytes:
    """Return the query as JSON of exactly `total` bytes, padded with whitespace."""
    body = b'{"model":"thelook","view":"orders","fields":["orders.status","orders.count"]}'
    return b"{" + b" " * (total - len(body)) + body[1:]


@pytest.mark.parametrize(("size", "status"), [(LIMIT, 200), (LIMIT + 1, 413), (10 * LIMIT, 413)])
def test_a_chunked_body_past_64_kib_is_413_like_a_sized_one(client, emulator, size, status):
    chunked = client.post(
        "/api/query",
        input_stream=io.BytesIO(padded(size)),
        headers={"Transfer-Encoding": "chunked", "Content-Type": "application/json"},
        environ_overrides={"wsgi.input_terminated": True},  # what a server that dechunks sets
    )
    sized = client.post("/api/query", data=padded(size), content_type="application/json")
    assert (chunked.status_code, sized.status_code) == (status, status)
    if status == 413:
        assert (
            problem(chunked, 413, "payload_too_large")["detail"] == problem(sized, 413, "payload_too_large")["detail"]
        )
        assert calls(emulator, "run_inline_query") == 0


@pytest.mark.parametrize(
    "path",
    [
        "/api/looks//1",
        "/api/looks/%EF%BC%91",  # a fullwidth digit one
        "/api/looks/%D9%A1",  # an Arabic-Indic digit one
        "/api/dashboards/1//data",
        "/api/query_tasks//x",
    ],
)
def test_odd_paths_are_404_problems_not_redirects_or_other_looks(client, emulator, path):
    problem(client.get(path), 404, "not_found")
    assert calls(emulator, "run_look") == 0


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"filters": {"orders.status": True}}, "filters.orders.status", "filter expression"),
        ({"filters": {"orders.status": None}}, "filters.orders.status", "filter expression"),
        ({"filters": {"orders.status": ["complete"]}}, "filters.orders.status", "filter expression"),
        ({"filters": {"orders.status": "x" * 1001}}, "filters.orders.status", "at most 1000"),
        ({"limit": True}, "limit", "integer"),
        ({"limit": "ten"}, "limit", "integer"),
        ({"limit": "\uff11\uff10"}, "limit", "integer"),  # fullwidth digits
        ({"limit": 10.5}, "limit", "integer"),
        ({"limit": 99999999999999999999999}, "limit", "integer"),
        ({"limit": -1}, "limit", "greater than or equal to 1"),
        ({"apply_formatting": "yes"}, "apply_formatting", "boolean"),
        ({"apply_formatting": 1}, "apply_formatting", "boolean"),
        ({"query_timezone": "Mars/Olympus"}, "query_timezone", "IANA time zone"),
        ({"query_timezone": "utc"}, "query_timezone", "IANA time zone"),
        ({"fields": "orders.count"}, "fields", "list"),
    ],
)
def test_wrong_types_are_one_clear_error_per_field(client, emulator, change, field, message):
    body = problem(client.post("/api/query", headers=H, json={**QUERY, **change}), 400, "invalid_request")
    assert len(body["errors"]) == 1
    assert body["errors"][0]["field"] == field and message in body["errors"][0]["message"]
    assert calls(emulator, "run_inline_query") == 0


@pytest.mark.parametrize(
    "change",
    [
        {"filters": {"orders.status": "complete", "orders.count": 5, "orders.id": 1.5}},
        {"limit": 10, "apply_formatting": True},
        {"limit": "10"},
        {"query_timezone": "America/New_York"},
        {"query_timezone": "UTC"},
    ],
)
def test_right_types_still_run(client, change):
    assert client.post("/api/query", headers=H, json={**QUERY, **change}).status_code == 200


@pytest.mark.parametrize(
    "raw",
    [
        b'{"model": NaN}',
        b'{"limit": Infinity}',
        b'{"limit": 1e400}',
        b"[" * 5000 + b"]" * 5000,
        b'{"x": ' + b"[" * 1000 + b"]" * 1000 + b"}",
        b"\xff\xfe{}",
        b'{"model": "finance", "model": "thelook", "view": "orders", "fields": ["orders.count"]}',
        b'{"model": "thelook", "view": "orders", "fields": ["orders.count"], "filters": {"orders.id": 1, "orders.id": 2'
        b"}}",
    ],
)
def test_json_that_is_not_json_is_400(client, emulator, raw):
    problem(client.post("/api/query", headers=H, data=raw, content_type="application/json"), 400, "invalid_request")
    assert calls(emulator, "run_inline_query") == 0


@pytest.fixture
def embedder(make_app, emulator):
    host = "http://" + urlsplit(emulator.url).netloc
    app = make_app(EMBED_MODELS="thelook", LOOKER_EMBED_SECRET=DEFAULT_EMBED_SECRET, LOOKER_EMBED_HOST=host)
    return app.test_client()


@pytest.mark.parametrize("filters", [{"Nope": "1"}, {"Date": "7 days", "date": "x"}, {"": ""}])
def test_unknown_embed_filter_names_are_400_as_for_data(embedder, filters):
    body = problem(
        embedder.post("/api/embed/dashboards/1", headers=H, json={"filters": filters}), 400, "invalid_request"
    )
    data = problem(embedder.get("/api/dashboards/1/data", headers=H, query_string=filters), 400, "invalid_request")
    assert [e["message"] for e in body["errors"]] == [e["message"] for e in data["errors"]]
    assert [e["field"] for e in body["errors"]] == ["filters." + e["field"] for e in data["errors"]]


def test_known_embed_filter_names_still_sign(embedder):
    assert embedder.post("/api/embed/dashboards/1", headers=H, json={"filters": {"Date": "7 days"}}).status_code == 200


@pytest.mark.parametrize(
    ("given", "status"),
    [("{etag}", 304), ("W/{etag}", 304), ("*", 304), ('"other", W/{etag}', 304), ('"other"', 200), ('W/"other"', 200)],
)
def test_if_none_match_compares_weakly_on_the_route_and_the_fast_path(client, given, status):
    first = client.post("/api/query", headers=H, json=QUERY)
    etag = first.headers["ETag"]
    header = {"If-None-Match": given.format(etag=etag)}
    fast = client.post("/api/query", headers={**H, **header}, json=QUERY)  # a hit of a known body: the fast path
    look = client.get("/api/looks/1", headers=H)
    routed = client.get("/api/looks/1", headers={**H, "If-None-Match": given.format(etag=look.headers["ETag"])})
    assert (fast.status_code, routed.status_code) == (status, status)


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        (
            "/api/query",
            "Looker found nothing for the query on thelook/nope: explore 'nope' not found in model 'thelook'.",
        ),
        ("/api/looks/999", "Looker found nothing for Look 999."),
        ("/api/dashboards/999", "Looker found nothing for dashboard 999."),
    ],
)
def test_lookers_not_found_reads_as_a_sentence(client, path, detail):
    if path == "/api/query":
        reply = client.post(path, headers=H, json={**QUERY, "view": "nope", "fields": ["nope.count"]})
    else:
        reply = client.get(path, headers=H)
    assert problem(reply, 404, "not_found")["detail"] == detail


@pytest.mark.parametrize(
    ("query", "partial"),
    [
        ("from=2026-09-15&to=2026-11-10&granularity=month", ["2026-09-01", "2026-11-01"]),
        ("from=2026-09-01&to=2026-11-30&granularity=month", []),
        ("from=2026-09-01&to=2026-11-10&granularity=month", ["2026-11-01"]),
        ("from=2026-09-02&to=2026-09-30&granularity=week", ["2026-08-31", "2026-09-28"]),
        ("from=2026-09-02&to=2026-09-05&granularity=day", []),
        ("from=2026-02-01&to=2026-12-31&granularity=quarter", ["2026-01-01"]),
    ],
)
def test_periods_cut_by_from_or_to_are_marked_partial(client, query, partial):
    points = client.get(f"/api/metrics/revenue?{query}", headers=H).get_json()["points"]
    assert [p["period"] for p in points if p.get("partial")] == partial
    assert all(p["partial"] is True for p in points if "partial" in p)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("apply_formatting=yes", "apply_formatting"),
        ("apply_formatting=1", "apply_formatting"),
        ("limit=1&limit=2", "limit"),
        ("format=csv&format=json", "format"),
        ("limit=%EF%BC%91", "limit"),
    ],
)
def test_look_options_are_strict_and_single(client, emulator, query, field):
    body = problem(client.get(f"/api/looks/1?{query}", headers=H), 400, "invalid_request")
    assert [e["field"] for e in body["errors"]] == [field]
    assert calls(emulator, "run_look") == 0


def test_repeated_json_keys_are_named(client):
    raw = b'{"model": "finance", "model": "thelook", "view": "orders", "fields": ["orders.count"]}'
    reply = client.post("/api/query", headers=H, data=raw, content_type="application/json")
    assert problem(reply, 400, "invalid_request")["errors"] == [{"field": "model", "message": "given more than once"}]


def test_a_dashboard_filter_given_twice_is_400(client, emulator):
    body = problem(client.get("/api/dashboards/1/data?Date=7+days&Date=1+day", headers=H), 400, "invalid_request")
    assert body["errors"] == [{"field": "Date", "message": "given more than once"}]
    assert calls(emulator, "run_inline_query") == 0
