"""The front door: fresh hits answered before Flask, exactly as the route would, and everything else left to it."""

import logging

import jwt
import orjson
import pytest

from app.frontdoor.door import ROUTES_REMEMBERED, FrontDoor
from app.services import services

from .helpers import API_KEY, QUERY, calls, emulator_env, wait_until

JWT_SECRET = "jwt-secret-for-tests-0123456789abcdef"


@pytest.fixture
def build(cached_app):
    """Build an app whose query view counts how often the Flask route answered."""

    def make(**extra):
        app = cached_app(**extra)
        view = app.view_functions["query.run_query"]
        app.route_calls = 0

        def counted(*args, **kwargs):
            app.route_calls += 1
            return view(*args, **kwargs)

        app.view_functions["query.run_query"] = counted
        return app

    return make


def post(app, body=None, *, raw=None, query_string="", key=API_KEY, **headers):
    client = app.test_client()
    headers = {name.replace("_", "-"): value for name, value in headers.items()}
    if key:
        headers.setdefault("Authorization", f"Bearer {key}")
    data = raw if raw is not None else orjson.dumps(body or QUERY)
    headers.setdefault("Content-Type", "application/json")
    return client.post("/api/query" + query_string, data=data, headers=headers)


def through_route(app, monkeypatch, *args, **kwargs):
    """Answer a request with the fast answers switched off, as the Flask route alone would."""
    with monkeypatch.context() as patch:
        patch.setattr(app.wsgi_app, "answers", {})
        return post(app, *args, **kwargs)


def comparable(response):
    return response.status_code, response.data, sorted((k, v) for k, v in response.headers if k != "X-Request-ID")


def test_the_front_door_is_in_front_of_flask(build):
    assert isinstance(build().wsgi_app, FrontDoor)


@pytest.mark.parametrize(
    "body, headers",
    [
        (QUERY, {}),
        ({**QUERY, "format": "csv"}, {}),
        ({**QUERY, "format": "json_bi"}, {"X-Request-ID": "dash-42"}),
    ],
)
def test_a_hit_is_answered_without_the_route_and_exactly_as_the_route_answers(
    build, monkeypatch, emulator, body, headers
):
    app = build()
    assert post(app, body).headers["X-Cache"] == "MISS"
    fast = post(app, body, **headers)
    assert app.route_calls == 1  # only the miss reached the route
    slow = through_route(app, monkeypatch, body, **headers)
    assert app.route_calls == 2
    assert fast.headers["X-Cache"] == "HIT" and comparable(fast) == comparable(slow)
    assert fast.headers["X-Request-ID"] == headers.get("X-Request-ID", fast.headers["X-Request-ID"])
    assert calls(emulator, "run_inline_query") == 1


def test_a_matching_etag_gets_the_routes_304(build, monkeypatch):
    app = build()
    etag = post(app).headers["ETag"]
    fast = post(app, If_None_Match=etag)
    slow = through_route(app, monkeypatch, If_None_Match=etag)
    assert app.route_calls == 2 and fast.status_code == 304 and fast.data == b""
    assert comparable(fast) == comparable(slow)
    other = post(app, If_None_Match='"not-it"')
    assert other.status_code == 200 and other.data and app.route_calls == 2


def test_age_and_freshness_follow_the_clock_and_expiry_goes_to_the_route(build, clock, emulator):
    app = build(CACHE_TTL=100)
    post(app)
    clock.advance(40)
    hit = post(app)
    assert (hit.headers["Age"], hit.headers["Cache-Control"]) == ("40", "private, max-age=60, stale-if-error=86400")
    clock.advance(61)
    expired = post(app)
    assert expired.headers["X-Cache"] == "MISS" and app.route_calls == 2
    assert calls(emulator, "run_inline_query") == 2


@pytest.mark.parametrize(
    "request_kwargs, status, x_cache",
    [
        ({"query_string": "?format=json"}, 200, "HIT"),  # the memo of bodies is keyed with ?format=
        ({"raw": orjson.dumps(QUERY, option=orjson.OPT_INDENT_2)}, 200, "HIT"),  # new bytes, same question
        ({"Cache_Control": "no-cache"}, 200, "BYPASS"),
        ({"Prefer": "respond-async"}, 202, None),
        ({"Content_Type": "text/plain"}, 415, None),
        ({"Content_Type": "application/vnd.looker+json"}, 200, "HIT"),
    ],
)
def test_what_the_front_door_leaves_to_the_route(build, request_kwargs, status, x_cache):
    app = build()
    post(app)
    answer = post(app, **request_kwargs)
    assert answer.status_code == status and answer.headers.get("X-Cache") == x_cache
    assert app.route_calls == 2, "the route, not the hit path, answered"


def test_a_repeated_request_is_routed_once_by_the_front_door(build, monkeypatch):
    app = build()
    bind, door_routings = app.url_map.bind_to_environ, []

    def counting(environ, *args, **kwargs):
        if not args and not kwargs:  # Flask's own routing names its server and subdomain; the front door's does not
            door_routings.append(environ["PATH_INFO"])
        return bind(environ, *args, **kwargs)

    monkeypatch.setattr(app.url_map, "bind_to_environ", counting)
    for _ in range(3):
        assert post(app).status_code == 200
    assert door_routings == ["/api/query"]
    assert app.route_calls == 1


@pytest.mark.parametrize(
    "method, path, status",
    [
        ("POST", "/api/query", 200),
        ("GET", "/api/query", 405),  # the same path asked another way is routed on its own
        ("GET", "/api/looks/1", 200),
        ("DELETE", "/api/looks/1", 405),
        ("GET", "/api/looks/2", 200),
        ("GET", "/api/looks/1/", 404),
        ("GET", "/api/no-such-thing", 404),
    ],
)
def test_remembered_routing_keeps_every_answer(build, method, path, status):
    app = build()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {API_KEY}", "X-Request-ID": "same-id"}  # a problem names its request
    post(app)
    client.get("/api/looks/1", headers=headers)  # the paths below have all been routed once already
    first, again = (client.open(path, method=method, json=QUERY, headers=headers) for _ in range(2))
    assert first.status_code == again.status_code == status
    assert first.data == again.data


def test_the_routing_memo_stays_bounded(build):
    app = build()
    client = app.test_client()
    for index in range(ROUTES_REMEMBERED + 10):
        client.get(f"/api/looks/{index + 1000}x", headers={"Authorization": f"Bearer {API_KEY}"})
    assert 0 < len(app.wsgi_app.routes) <= ROUTES_REMEMBERED
    assert post(app).status_code == 200


def test_browser_requests_are_answered_without_the_route_with_their_cors_headers(build, monkeypatch):
    app = build(CORS_ORIGINS="https://dash.example.com")
    post(app)
    answer = post(app, Origin="https://dash.example.com")
    assert answer.headers["Access-Control-Allow-Origin"] == "https://dash.example.com"
    assert answer.headers["Vary"] == "Origin" and "ETag" in answer.headers["Access-Control-Expose-Headers"]
    assert answer.headers["X-Cache"] == "HIT" and app.route_calls == 1
    assert comparable(answer) == comparable(through_route(app, monkeypatch, Origin="https://dash.example.com"))


@pytest.mark.parametrize(
    "key, detail", [("wrong-key-0123456789", "The credentials are not valid."), (None, "Send an API key")]
)
def test_a_refused_caller_gets_the_routes_401(build, key, detail):
    app = build()
    post(app)
    refused = post(app, key=key)
    assert refused.status_code == 401 and refused.content_type == "application/problem+json"
    assert refused.headers["WWW-Authenticate"] == "Bearer" and refused.json["detail"].startswith(detail)
    assert refused.json["request_id"] == refused.headers["X-Request-ID"]
    assert app.route_calls == 1


def test_a_refused_token_is_checked_and_logged_once(build, caplog):
    app = build(JWT_SECRET=JWT_SECRET)
    post(app)
    forged = jwt.encode({"sub": "web", "exp": 4_000_000_000}, "not-the-secret-0123456789abcdefghij", algorithm="HS256")
    with caplog.at_level(logging.INFO, logger="looker_proxy"):
        assert post(app, key=forged).status_code == 401
    assert [r.getMessage() for r in caplog.records].count("token refused") == 1


def test_a_valid_token_is_served_on_the_front_door_as_its_subject(build, caplog):
    app = build(JWT_SECRET=JWT_SECRET)
    token = jwt.encode({"sub": "dashboard-7", "exp": 4_000_000_000}, JWT_SECRET, algorithm="HS256")
    post(app, key=token)
    with caplog.at_level(logging.INFO, logger="looker_proxy.access"):
        assert post(app, key=token).headers["X-Cache"] == "HIT"
    assert app.route_calls == 1 and [r.fields["caller"] for r in caplog.records] == ["dashboard-7"]


def test_each_request_counts_once_against_the_rate_limit(build):
    app = build(RATE_LIMIT="3/minute")
    answers = [post(app) for _ in range(4)]  # a miss (counted on the hit path, then the route), two hits, one over
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers.get("X-Cache") for a in answers[:3]] == ["MISS", "HIT", "HIT"]
    assert [a.headers["X-RateLimit-Limit"] for a in answers] == ["3"] * 4
    over = answers[3]
    assert over.content_type == "application/problem+json" and int(over.headers["Retry-After"]) >= 1
    assert over.headers["X-RateLimit-Remaining"] == "0" and app.route_calls == 1


def test_a_token_subject_and_a_key_label_are_limited_apart_on_the_front_door(build):
    app = build(JWT_SECRET=JWT_SECRET, RATE_LIMIT="2/minute")
    assert [post(app).status_code for _ in range(3)] == [200, 200, 429]  # the key labelled "web"
    token = jwt.encode({"sub": "web", "exp": 4_000_000_000}, JWT_SECRET, algorithm="HS256")
    hit = post(app, key=token)
    assert hit.status_code == 200 and hit.headers["X-Cache"] == "HIT" and app.route_calls == 1


def test_a_hit_is_logged_once_with_its_request_id_and_caller(build, caplog):
    app = build()
    post(app)
    with caplog.at_level(logging.INFO, logger="looker_proxy.access"):
        answer = post(app, X_Request_ID="req-123")
    (record,) = caplog.records
    assert answer.headers["X-Request-ID"] == "req-123"
    assert {k: v for k, v in record.fields.items() if k != "ms"} == {
        "method": "POST",
        "path": "/api/query",
        "status": 200,
        "cache": "HIT",
        "looker_ms": 0.0,
        "request_id": "req-123",
        "caller": "web",
    }


def test_hits_are_counted_in_metrics(build):
    app = build()
    post(app)
    post(app)
    post(app)
    registry = services(app).telemetry.registry
    assert registry.get_sample_value("looker_proxy_cache_total", {"result": "hit"}) == 2


def test_a_failure_inside_the_front_door_is_logged_and_the_route_answers(build, monkeypatch, caplog):
    app = build(RATE_LIMIT="2/minute")
    post(app)
    monkeypatch.setattr(services(app).cache, "fresh", lambda key: 1 / 0)
    with caplog.at_level(logging.ERROR, logger="looker_proxy.frontdoor"):
        answer = post(app)
    assert answer.status_code == 200 and answer.headers["X-Cache"] == "HIT" and app.route_calls == 2
    assert [r.event for r in caplog.records] == ["fast_answer_error"]
    assert post(app).status_code == 429  # the failed attempt was not counted a second time by the route


def test_under_gunicorn_hits_and_other_requests_share_one_keep_alive_connection(emulator):
    import requests

    from .helpers import start_service

    process, base = start_service(emulator_env(emulator))
    try:
        with requests.Session() as session:
            auth = {"Authorization": f"Bearer {API_KEY}"}
            answers = [session.post(f"{base}/api/query", json=QUERY, headers=auth, timeout=10) for _ in range(3)]
            chunked = session.post(
                f"{base}/api/query",
                data=iter([orjson.dumps(QUERY)]),
                timeout=10,
                headers={**auth, "Content-Type": "application/json"},
            )  # no Content-Length
            missing = session.post(f"{base}/api/nope", json=QUERY, headers=auth, timeout=10)
            again = session.post(f"{base}/api/query", json=QUERY, headers=auth, timeout=10)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert [a.headers["X-Cache"] for a in answers] == ["MISS", "HIT", "HIT"]
    assert len({a.content for a in answers}) == 1
    assert answers[1].headers["Content-Length"] == str(len(answers[0].content))
    assert chunked.headers["X-Cache"] == "HIT" and chunked.content == answers[0].content
    assert missing.status_code == 404 and again.headers["X-Cache"] == "HIT"
    assert calls(emulator, "run_inline_query") == 1


@pytest.mark.redis
def test_hits_shared_through_redis_are_served_on_the_front_door_and_survive_redis_going_away(
    build, redis_server, emulator
):
    first, second = build(REDIS_URL=redis_server.url), build(REDIS_URL=redis_server.url)
    assert post(first).headers["X-Cache"] == "MISS"
    assert [post(second).headers["X-Cache"] for _ in range(2)] == ["HIT", "HIT"]
    assert second.route_calls == 1  # its first sight of the body went to the route; the second did not
    redis_server.stop()
    # once the invalidation listener has seen Redis go, the copy it kept coherent is no longer served
    wait_until(lambda: not services(second).cache.shared.invalidations.ready.is_set())
    after = [post(second) for _ in range(2)]  # Looker again, then this worker's own store
    assert [(a.status_code, a.headers["X-Cache"]) for a in after] == [(200, "MISS"), (200, "HIT")]
    assert second.route_calls == 2 and calls(emulator, "run_inline_query") == 2
