"""CORS from the front door: only listed origins get CORS headers, preflights are cheap, credentials only when set."""

import pytest

from .helpers import API_KEY, QUERY


# ---- CORS ------------------------------------------------------------------------------------------------
@pytest.fixture
def cors_app(make_app):
    return make_app(CORS_ORIGINS="https://dash.example.com,http://localhost:*")


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://dash.example.com", True),
        ("http://localhost:5173", True),
        ("http://localhost", True),
        ("https://evil.example.com", False),
        ("http://localhost.evil.com:5173", False),
        ("null", False),
    ],
)
def test_cors_answers_only_configured_origins(cors_app, origin, allowed):
    reply = cors_app.test_client().post("/api/query", json=QUERY, headers={"Origin": origin, "X-API-Key": API_KEY})
    assert (reply.headers.get("Access-Control-Allow-Origin") == origin) is allowed
    assert reply.headers["Vary"] == "Origin" and "Access-Control-Allow-Credentials" not in reply.headers
    if allowed:
        assert "X-Cache" in reply.headers["Access-Control-Expose-Headers"]
    else:
        assert "Access-Control-Expose-Headers" not in reply.headers


@pytest.mark.parametrize(
    "header",
    ["ETag", "X-Cache", "Cache-Status", "Age", "X-Request-ID", "Retry-After", "Location", "X-RateLimit-Remaining"]
    + ["Content-Disposition"],  # a page saves a render under the name the service gave it
)
def test_cors_exposes_the_headers_a_page_reads(cors_app, header):
    reply = cors_app.test_client().get("/healthz", headers={"Origin": "https://dash.example.com"})
    exposed = [name.strip() for name in reply.headers["Access-Control-Expose-Headers"].split(",")]
    assert header in exposed


def test_cors_credentials_only_when_configured(make_app):
    web = make_app(CORS_ORIGINS="https://dash.example.com", CORS_CREDENTIALS="true").test_client()
    reply = web.post("/api/query", json=QUERY, headers={"Origin": "https://dash.example.com", "X-API-Key": API_KEY})
    assert reply.headers["Access-Control-Allow-Credentials"] == "true"


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong-key-0123456789"}])
def test_no_cors_headers_for_a_request_without_an_origin_or_refused(cors_app, headers):
    reply = cors_app.test_client().post("/api/query", json=QUERY, headers=headers)
    assert reply.status_code == 401 and reply.headers["Vary"] == "Origin"
    assert not [name for name in reply.headers.keys() if name.startswith("Access-Control-")]


def test_preflight_is_answered_without_credentials(cors_app, emulator):
    reply = cors_app.test_client().options(
        "/api/query",
        headers={
            "Origin": "http://localhost:3001",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert reply.status_code == 204 and reply.headers["Access-Control-Allow-Origin"] == "http://localhost:3001"
    assert "Content-Type" not in reply.headers and reply.data == b""
    assert "POST" in reply.headers["Access-Control-Allow-Methods"]
    assert "authorization" in reply.headers["Access-Control-Allow-Headers"].lower()
    assert sum(emulator.state.calls.values()) == 0


def test_no_cors_headers_without_cors_origins(client):
    assert (
        "Access-Control-Allow-Origin"
        not in client.post("/api/query", json=QUERY, headers={"Origin": "http://localhost:3000"}).headers
    )


def test_defensive_headers(client):
    reply = client.get("/api/nothing")
    assert reply.headers["X-Content-Type-Options"] == "nosniff" and reply.headers["X-Frame-Options"] == "DENY"
    assert reply.headers["Cache-Control"] == "no-store"
