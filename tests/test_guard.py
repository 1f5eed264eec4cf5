"""Lock-down: JWT and API keys, CORS, per-caller rate limits, the Looker concurrency cap, the circuit breaker."""

import json
import logging
import threading
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from werkzeug.serving import make_server

from app.services import services
from looker_emulator.state import DEFAULT_CLIENT_SECRET, Fault

from .helpers import ADMIN_KEY, API_KEY, QUERY, calls, logged_lines, problem, wait_until

JWT_SECRET = "jwt-secret-0123456789-0123456789-abcdef"


def hs256(**claims) -> str:
    # tokens made while collecting tests must outlive the whole run, not just a few minutes of it
    body = {"sub": "alice@example.com", "exp": int(time.time()) + 3600, "aud": "dash", "iss": "idp", **claims}
    return jwt.encode({k: v for k, v in body.items() if v is not None}, JWT_SECRET, algorithm="HS256")


@pytest.fixture
def jwt_app(make_app):
    return make_app(JWT_SECRET=JWT_SECRET, JWT_AUDIENCE="dash", JWT_ISSUER="idp")


@pytest.mark.parametrize(
    ("authorization", "status", "detail"),
    [
        (None, 401, "Send an API key"),
        ("Bearer not-a-key-0123456789", 401, "not valid"),
        (f"Bearer {API_KEY}", 200, None),
        ("Bearer " + hs256(), 200, None),
        ("Bearer " + hs256(exp=int(time.time()) - 120), 401, "expired"),
        ("Bearer " + hs256(aud="other"), 401, "not valid"),
        ("Bearer " + hs256(iss="evil"), 401, "not valid"),
        ("Bearer " + hs256(nbf=int(time.time()) + 600), 401, "not valid"),
        ("Bearer " + hs256(sub=None), 401, "not valid"),
        ("Bearer " + hs256(exp=None), 401, "not valid"),
        (
            "Bearer "
            + jwt.encode(
                {"sub": "a", "exp": int(time.time()) + 60, "aud": "dash", "iss": "idp"},
                "another-secret-0123456789-0123456789",
                algorithm="HS256",
            ),
            401,
            "not valid",
        ),
        (
            "Bearer "
            + jwt.encode(
                {"sub": "a", "exp": int(time.time()) + 60, "aud": "dash", "iss": "idp"}, None, algorithm="none"
            ),
            401,
            "not valid",
        ),
    ],
)
def test_credentials_table(jwt_app, emulator, authorization, status, detail):
    headers = {"Authorization": authorization} if authorization else {}
    reply = jwt_app.test_client().post("/api/query", json=QUERY, headers=headers)
    assert reply.status_code == status
    if status == 401:
        body = problem(reply, 401, "unauthorized")
        assert detail in body["detail"] and JWT_SECRET not in reply.get_data(as_text=True)


def test_small_clock_skew_is_tolerated(jwt_app):
    token = hs256(exp=int(time.time()) - 10)  # inside the 30 s leeway
    assert (
        jwt_app.test_client().post("/api/query", json=QUERY, headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )


def test_the_jwt_issuer_and_subject_are_the_caller(jwt_app, caplog):
    caplog.set_level(logging.INFO, logger="looker_proxy.access")
    jwt_app.test_client().post("/api/query", json=QUERY, headers={"Authorization": f"Bearer {hs256()}"})
    assert [r.fields["caller"] for r in caplog.records if r.name == "looker_proxy.access"] == ["idp|alice@example.com"]


class Jwks:
    """A local JWKS endpoint whose keys a test can rotate."""

    def __init__(self):
        self.keys = {}
        app = Flask("jwks")
        app.get("/jwks.json")(lambda: {"keys": list(self.keys.values())})
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/jwks.json"

    def add(self, kid: str):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.keys[kid] = {
            **json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key())),
            "kid": kid,
            "use": "sig",
            "alg": "RS256",
        }
        return key

    def token(self, key, kid: str, **claims) -> str:
        body = {"sub": "bob", "exp": int(time.time()) + 300, **claims}
        return jwt.encode(body, key, algorithm="RS256", headers={"kid": kid})


def test_jwks_keys_verify_tokens_and_rotation_is_picked_up(emulator):
    from app import create_app
    from app.config import Settings

    from .helpers import emulator_env

    jwks = Jwks()
    first = jwks.add("k1")
    settings = Settings.from_env(emulator_env(emulator, API_KEYS="", JWT_JWKS_URL=jwks.url), jwt_jwks_cooldown=0)
    web = create_app(settings).test_client()
    ok = web.post("/api/query", json=QUERY, headers={"Authorization": f"Bearer {jwks.token(first, 'k1')}"})
    assert ok.status_code == 200
    second = jwks.add("k2")  # the identity provider rotates its keys
    del jwks.keys["k1"]
    rotated = web.post("/api/query", json=QUERY, headers={"Authorization": f"Bearer {jwks.token(second, 'k2')}"})
    assert rotated.status_code == 200
    forged = jwks.token(rsa.generate_private_key(public_exponent=65537, key_size=2048), "k2")
    assert web.post("/api/query", json=QUERY, headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    jwks.server.shutdown()


# ---- rate limits -----------------------------------------------------------------------------------------
def test_callers_are_limited_separately_with_retry_after(make_app):
    web = make_app(RATE_LIMIT="3/minute").test_client()
    replies = [web.get("/api/models", headers={"X-API-Key": API_KEY}) for _ in range(4)]
    assert [r.status_code for r in replies] == [200, 200, 200, 429]
    limited = problem(replies[-1], 429, "rate_limited")
    assert int(replies[-1].headers["Retry-After"]) > 0 and replies[-1].headers["X-RateLimit-Limit"] == "3"
    assert limited["detail"]
    assert replies[0].headers["X-RateLimit-Limit"] == "3" and replies[-1].headers["X-RateLimit-Remaining"] == "0"
    assert web.get("/api/models", headers={"X-API-Key": ADMIN_KEY}).status_code == 200  # another caller
    assert web.get("/healthz").status_code == 200  # health checks are never limited


def test_two_processes_share_one_limit_through_redis(emulator, redis_server):
    import requests

    from .helpers import emulator_env, start_service

    env = emulator_env(emulator, REDIS_URL=redis_server.url, RATE_LIMIT="4/minute")
    services = [start_service(env) for _ in range(2)]
    try:
        statuses = [
            requests.get(f"{base}/api/models", headers={"X-API-Key": API_KEY}, timeout=10).status_code
            for _ in range(3)
            for _, base in services
        ]
    finally:
        for process, _ in services:
            process.terminate()
            process.wait(timeout=30)
    assert statuses.count(200) == 4 and statuses.count(429) == 2


# ---- protecting Looker -----------------------------------------------------------------------------------
def test_a_burst_beyond_the_looker_cap_waits_then_gets_503(make_app, emulator):
    app = make_app(LOOKER_MAX_CONCURRENCY="1")
    services(app).looker.slot_wait = 0.2
    web = app.test_client()
    web.get("/readyz")  # log in first
    emulator.state.faults.append(Fault(operation="run_inline_query", latency_ms=800))
    results = []

    def ask(limit):
        results.append(
            app.test_client().post("/api/query", json={**QUERY, "limit": limit}, headers={"X-API-Key": API_KEY})
        )

    threads = [threading.Thread(target=ask, args=(n,)) for n in (1, 2)]
    threads[0].start()
    wait_until(lambda: calls(emulator, "run_inline_query") == 1)  # the first holds the only Looker slot
    threads[1].start()
    for thread in threads:
        thread.join()
    assert sorted(r.status_code for r in results) == [200, 503]
    busy = next(r for r in results if r.status_code == 503)
    assert busy.headers["Retry-After"] == "2" and "busy" in busy.get_json()["detail"]
    assert calls(emulator, "run_inline_query") == 1


def test_the_breaker_opens_on_failures_and_closes_after_recovery(cached_app, clock, emulator):
    web = cached_app(LOOKER_BREAKER_FAILURES="3", LOOKER_BREAKER_RESET_SECONDS="1").test_client()
    headers = {"X-API-Key": API_KEY, "Cache-Control": "no-cache"}
    web.get("/readyz")
    emulator.state.faults.append(Fault(operation="run_inline_query", status=500))
    different = [{**QUERY, "limit": n} for n in (1, 2, 3)]  # Looker failing for everything, not for one query
    assert [web.post("/api/query", json=q, headers=headers).status_code for q in different] == [502] * 3
    opened = web.post("/api/query", json=QUERY, headers=headers)
    assert opened.status_code == 503 and opened.headers["Retry-After"] == "1"
    assert calls(emulator, "run_inline_query") == 3  # failing fast: Looker was not asked
    emulator.state.faults.clear()
    clock.advance(1.1)  # the breaker's cool-down
    assert web.post("/api/query", json=QUERY, headers=headers).status_code == 200  # the probe succeeds
    assert web.post("/api/query", json={**QUERY, "limit": 4}, headers=headers).status_code == 200


def test_one_failing_query_does_not_open_the_breaker_for_others(make_app, emulator):
    web = make_app(LOOKER_BREAKER_FAILURES="3").test_client()
    headers = {"X-API-Key": API_KEY, "Cache-Control": "no-cache"}
    emulator.state.faults.append(Fault(operation="run_inline_query", status=500, times=6))
    assert [web.post("/api/query", json=QUERY, headers=headers).status_code for _ in range(6)] == [502] * 6
    other = web.post("/api/query", json={**QUERY, "limit": 9}, headers=headers)
    assert other.status_code == 200 and web.get("/readyz").status_code == 200


def test_an_open_breaker_still_serves_stale(make_app, emulator):
    from .helpers import FakeClock

    clock = FakeClock()
    from app import create_app
    from app.config import Settings

    from .helpers import emulator_env

    app = create_app(Settings.from_env(emulator_env(emulator, LOOKER_BREAKER_FAILURES="1")), clock=clock)
    web = app.test_client()
    good = web.post("/api/query", json=QUERY, headers={"X-API-Key": API_KEY})
    clock.advance(4000)
    emulator.state.faults.append(Fault(operation="run_inline_query", status=500))
    first = web.post("/api/query", json=QUERY, headers={"X-API-Key": API_KEY})  # trips the breaker
    second = web.post("/api/query", json=QUERY, headers={"X-API-Key": API_KEY})  # breaker open
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("STALE", "STALE")
    assert second.data == good.data and calls(emulator, "run_inline_query") == 2


def test_no_secret_leaks_during_a_fault_run(make_app, emulator, caplog):
    caplog.set_level(logging.DEBUG)
    embed_secret = "embed-secret-that-must-stay-home"
    app = make_app(
        JWT_SECRET=JWT_SECRET,
        LOOKER_EMBED_SECRET=embed_secret,
        LOOKER_EMBED_HOST="looker.example.com",
        EMBED_MODELS="thelook",
        LOOKER_BREAKER_FAILURES="2",
    )
    web = app.test_client()
    token = hs256(aud=None, iss=None)
    replies = []
    for fault in (
        None,
        Fault(status=500, body="html"),
        Fault(status=401),
        Fault(drop=True),
        Fault(status=200, body="garbage"),
    ):
        emulator.state.faults.clear()
        if fault:
            emulator.state.faults.append(fault)
        emulator.state.revoke()
        for headers in ({"Authorization": f"Bearer {token}"}, {"X-API-Key": API_KEY}, {"X-API-Key": "bad"}):
            replies += [
                web.post("/api/query", json=QUERY, headers={**headers, "Cache-Control": "no-cache"}),
                web.post("/api/embed/dashboards/1", headers=headers),
                web.get("/api/models", headers=headers),
                web.get("/api/dashboards/1/data", headers=headers),
                web.get("/readyz"),
            ]
    secrets = [DEFAULT_CLIENT_SECRET, API_KEY, ADMIN_KEY, JWT_SECRET, embed_secret]
    assert {r.status_code for r in replies} >= {200, 401, 502}
    for reply in replies:
        text = reply.get_data(as_text=True) + str(reply.headers)
        assert not any(secret in text for secret in secrets)
    assert not any(secret in logged_lines(caplog) for secret in secrets)


def test_a_token_claiming_admin_is_not_the_admin_key(make_app):
    web = make_app(JWT_SECRET=JWT_SECRET).test_client()
    claims_admin = {"Authorization": f"Bearer {hs256(sub='admin', aud=None, iss=None)}"}
    problem(web.delete("/api/cache", headers=claims_admin), 403, "forbidden")
    assert web.delete("/api/cache", headers={"Authorization": f"Bearer {ADMIN_KEY}"}).status_code == 204


def test_a_token_subject_does_not_share_a_keys_rate_limit(make_app):
    web = make_app(JWT_SECRET=JWT_SECRET, RATE_LIMIT="2/minute").test_client()
    as_key = {"X-API-Key": API_KEY}  # the key labelled "web"
    as_token = {"Authorization": f"Bearer {hs256(sub='web', aud=None, iss=None)}"}
    assert [web.get("/api/models", headers=as_key).status_code for _ in range(3)] == [200, 200, 429]
    assert web.get("/api/models", headers=as_token).status_code == 200


def test_a_repeated_token_is_verified_once_and_checked_again_past_its_expiry(jwt_app, monkeypatch):
    import app.security.identity as identity

    token = hs256(exp=int(time.time()) + 60)
    checks = []
    real = identity.jwt.decode
    monkeypatch.setattr(identity.jwt, "decode", lambda *a, **k: checks.append(1) or real(*a, **k))
    web = jwt_app.test_client()
    for _ in range(3):
        assert web.post("/api/query", json=QUERY, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert len(checks) == 1
    monkeypatch.setattr(identity.time, "time", lambda: 4_000_000_000.0)  # the remembered token is now past its exp
    web.post("/api/query", json=QUERY, headers={"Authorization": f"Bearer {token}"})
    assert len(checks) == 2  # not taken from memory: verified again (PyJWT then decides on its own clock)
