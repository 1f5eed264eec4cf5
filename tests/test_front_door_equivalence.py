"""The fast answer and the route are the same answer, for every cached endpoint and the requests users send."""

import jwt
import orjson
import pytest
import redis

from .helpers import API_KEY, QUERY, calls, wait_until

JWT_SECRET = "jwt-secret-for-tests-0123456789abcdef"
ORIGIN = "https://dash.example.com"
TOKEN = jwt.encode({"sub": "viewer-1", "exp": 4_000_000_000}, JWT_SECRET, algorithm="HS256")
LOOK_QUERY = "format=csv&limit=5"
UNCOMPARED = {"date", "age", "x-request-id"}


@pytest.fixture
def app(cached_app):
    return cached_app(JWT_SECRET=JWT_SECRET, CORS_ORIGINS=ORIGIN, ALLOWED_MODELS="thelook", RATE_LIMIT="40/minute")


def send(app, method: str, path: str, body=None, **headers):
    client = app.test_client()
    data = orjson.dumps(body) if body is not None else None
    if data is not None:
        headers.setdefault("Content-Type", "application/json")
    return client.open(path, method=method, data=data, headers=headers)


def comparable(reply):
    headers = sorted((k.lower(), v) for k, v in reply.headers if k.lower() not in UNCOMPARED)
    return reply.status_code, headers, reply.data


REQUESTS = {
    "query json": ("POST", "/api/query", QUERY),
    "query csv in the body": ("POST", "/api/query", {**QUERY, "format": "csv"}),
    "query ?format=txt": ("POST", "/api/query?format=txt", QUERY),
    "look csv": ("GET", f"/api/looks/1?{LOOK_QUERY}", None),
    "look png": ("GET", "/api/looks/2?format=png", None),
    "dashboard data": ("GET", "/api/dashboards/1/data?Status=complete", None),
    "metric": ("GET", "/api/metrics/revenue?from=2026-09-01&to=2026-09-30&granularity=week", None),
    "models": ("GET", "/api/models", None),
    "explores": ("GET", "/api/models/thelook/explores", None),
    "explore": ("GET", "/api/models/thelook/explores/orders", None),
}
CALLERS = {
    "api key": {"X-API-Key": API_KEY},
    "jwt": {"Authorization": f"Bearer {TOKEN}"},
    "api key from a browser": {"X-API-Key": API_KEY, "Origin": ORIGIN},
    "jwt from an unlisted origin": {"Authorization": f"Bearer {TOKEN}", "Origin": "https://elsewhere.example"},
}


@pytest.mark.parametrize("caller", list(CALLERS))
@pytest.mark.parametrize("name", list(REQUESTS))
def test_a_fresh_answer_is_the_routes_answer(app, monkeypatch, emulator, name, caller):
    method, path, body = REQUESTS[name]
    headers = CALLERS[caller]
    assert send(app, method, path, body, **headers).status_code == 200  # the miss fills the cache
    looker_calls = sum(emulator.state.calls.values())
    fast = send(app, method, path, body, **headers)
    with monkeypatch.context() as patch:
        patch.setattr(app.wsgi_app, "answers", {})
        slow = send(app, method, path, body, **headers)
    assert comparable(fast) == comparable(slow)
    assert sum(emulator.state.calls.values()) == looker_calls  # neither went to Looker
    etag = fast.headers.get("ETag")
    if etag:  # weak and strong validators, and `*`, get the same 304 both ways
        for validator in (etag, f"W/{etag}", "*"):
            fast = send(app, method, path, body, **headers, If_None_Match=validator)
            with monkeypatch.context() as patch:
                patch.setattr(app.wsgi_app, "answers", {})
                slow = send(app, method, path, body, **headers, If_None_Match=validator)
            assert comparable(fast) == comparable(slow)


@pytest.mark.parametrize(
    "method, path, body, headers, status",
    [
        ("POST", "/api/query", {**QUERY, "model": "finance", "view": "revenue"}, {"X-API-Key": API_KEY}, 403),
        ("POST", "/api/query", QUERY, {"X-API-Key": "wrong-key-0123456789"}, 401),
        ("GET", "/api/looks/1", None, {}, 401),
        ("GET", "/api/models/finance/explores", None, {"X-API-Key": API_KEY}, 403),
    ],
)
def test_refusals_are_the_same_both_ways(app, monkeypatch, method, path, body, headers, status):
    headers = {**headers, "X-Request-ID": "same-id"}  # a problem body names its request
    fast = send(app, method, path, body, **headers)
    with monkeypatch.context() as patch:
        patch.setattr(app.wsgi_app, "answers", {})
        slow = send(app, method, path, body, **headers)
    assert fast.status_code == status and comparable(fast) == comparable(slow)


def test_a_caller_over_its_limit_gets_429_before_any_cached_byte(cached_app):
    app = cached_app(RATE_LIMIT="2/minute")
    replies = [send(app, "POST", "/api/query", QUERY, X_API_Key=API_KEY) for _ in range(3)]
    assert [r.status_code for r in replies] == [200, 200, 429]
    assert replies[2].content_type == "application/problem+json" and QUERY["fields"][0] not in replies[2].text


def test_a_preflight_is_answered_before_identity_and_limits(app, emulator):
    reply = send(app, "OPTIONS", "/api/looks/1", Origin=ORIGIN, Access_Control_Request_Method="GET")
    assert reply.status_code == 204 and reply.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "X-RateLimit-Limit" not in reply.headers and sum(emulator.state.calls.values()) == 0


# ---- two instances sharing one Redis ----------------------------------------------------------------------
READING_COUNTS = {"cmdstat_hello", "cmdstat_info"}  # this counting client's own handshake and question


def _redis_commands(url: str) -> int:
    """Return how many commands the real Redis has run, less the HELLO and INFO that read the count."""
    with redis.Redis.from_url(url) as client:
        stats = client.info("commandstats")
    return sum(int(stat["calls"]) for name, stat in stats.items() if name not in READING_COUNTS)


@pytest.mark.redis
def test_hits_with_redis_are_answered_from_memory_and_follow_a_purge_on_another_instance(
    cached_app, redis_server, emulator
):
    from .helpers import ADMIN_KEY

    first, second = (cached_app(REDIS_URL=redis_server.url) for _ in range(2))
    assert send(first, "POST", "/api/query", QUERY, X_API_Key=API_KEY).headers["X-Cache"] == "MISS"
    assert send(second, "POST", "/api/query", QUERY, X_API_Key=API_KEY).headers["X-Cache"] == "HIT"
    wait_until(lambda: all(s.shared.invalidations.ready.is_set() for s in (_store(first), _store(second))))
    for _ in range(70):  # read once more, now kept locally; and a busy caller's lease grows to 64 counts
        send(second, "POST", "/api/query", QUERY, X_API_Key=API_KEY)
    before = _redis_commands(redis_server.url)
    hits = [send(second, "POST", "/api/query", QUERY, X_API_Key=API_KEY) for _ in range(5)]
    # no round trip at all: the entry from the local copy, the rate limit from this process's lease (72-77 of 127)
    assert {h.headers["X-Cache"] for h in hits} == {"HIT"} and _redis_commands(redis_server.url) == before
    assert send(first, "DELETE", "/api/cache", X_API_Key=ADMIN_KEY).status_code == 204
    wait_until(lambda: _store(second).shared.local.get(_only_key(second)) is None, seconds=1.0)
    assert send(second, "POST", "/api/query", QUERY, X_API_Key=API_KEY).headers["X-Cache"] == "MISS"
    assert calls(emulator, "run_inline_query") == 2


@pytest.mark.redis
def test_a_fresher_answer_stored_by_one_instance_is_served_by_the_other(cached_app, redis_server):
    first, second = (cached_app(REDIS_URL=redis_server.url) for _ in range(2))
    old = send(first, "POST", "/api/query", QUERY, X_API_Key=API_KEY)
    wait_until(lambda: _store(second).shared.invalidations.ready.is_set() or _warm(second))
    assert send(second, "POST", "/api/query", QUERY, X_API_Key=API_KEY).headers["ETag"] == old.headers["ETag"]
    key = _only_key(first)
    _store(first).store(key, b'[{"orders.status": "new"}]', "application/json", "model:thelook")
    wait_until(lambda: _store(second).shared.local.get(key) is None, seconds=1.0)
    fresher = send(second, "POST", "/api/query", QUERY, X_API_Key=API_KEY)
    assert fresher.data == b'[{"orders.status": "new"}]' and fresher.headers["ETag"] != old.headers["ETag"]


@pytest.mark.redis
def test_both_instances_keep_answering_when_redis_dies(cached_app, redis_server):
    first, second = (cached_app(REDIS_URL=redis_server.url) for _ in range(2))
    send(first, "POST", "/api/query", QUERY, X_API_Key=API_KEY)
    redis_server.stop()
    for app in (first, second):
        replies = [send(app, "POST", "/api/query", QUERY, X_API_Key=API_KEY) for _ in range(2)]
        assert [r.status_code for r in replies] == [200, 200] and replies[1].headers["X-Cache"] == "HIT"


def _store(app):
    from app.services import services

    return services(app).cache


def _warm(app) -> bool:
    _store(app).shared.get("warm-up")  # starts the listener
    return False


def _only_key(app) -> str:
    return app.wsgi_app.parts.queries.get((orjson.dumps(QUERY), None))[1]
