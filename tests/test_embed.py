"""Signed embed URLs: the caller is the embed user, the server decides what they may do."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from app.looker.embed import sign, signed_embed_url
from looker_emulator.state import DEFAULT_EMBED_SECRET

from .helpers import API_KEY, calls, logged_lines, problem

H = {"X-API-Key": API_KEY}


def _params(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_lookers_published_test_vectors():
    params = {
        "nonce": '"abc123"',
        "time": "1561486800",
        "session_length": "3600",
        "external_user_id": '"user1"',
        "permissions": '["access_data","see_looks","see_user_dashboards"]',
        "models": '["powered_by","thelook"]',
        "group_ids": "[1,2,3]",
        "external_group_id": '"group1"',
        "user_attributes": '{"locale":"en_US"}',
        "access_filters": '{"powered_by":{"products.brand":"Allegra K"}}',
    }
    path = "/login/embed/%2Fembed%2Fdashboards%2F1"
    assert sign("hunter2", "test.looker.com", path, params) == "jcMKWo4eb4Y34CV7dpC6hAgi8oM="
    short = {k: v for k, v in params.items() if k not in ("group_ids", "external_group_id", "user_attributes")}
    assert sign("hunter2", "test.looker.com", path, {**short, "access_filters": "{}"}) == "RXMPyKsQerTI/fbPIwgoTqUsvio="


def test_locally_signed_url_opens_in_the_emulator_once(make_app, emulator):
    host = "http://" + urlsplit(emulator.url).netloc
    web = make_app(
        EMBED_MODELS="thelook", LOOKER_EMBED_SECRET=DEFAULT_EMBED_SECRET, LOOKER_EMBED_HOST=host
    ).test_client()
    reply = web.post("/api/embed/dashboards/1", headers=H, json={"filters": {"Date": "7 days"}})
    assert reply.status_code == 200 and reply.headers["Cache-Control"] == "no-store"
    url = reply.json["url"]
    assert reply.json["session_length"] == 3600 and calls(emulator, "create_sso_embed_url") == 0
    page = requests.get(url, timeout=10)
    assert page.status_code == 200 and "Business Pulse" in page.text
    assert requests.get(url, timeout=10).status_code == 401  # single use


def test_api_signed_url_opens_in_the_emulator(make_app, emulator):
    web = make_app(EMBED_MODELS="thelook").test_client()
    url = web.post("/api/embed/dashboards/2", headers=H).json["url"]
    assert calls(emulator, "create_sso_embed_url") == 1
    assert "Catalogue" in requests.get(url, timeout=10).text


def test_the_caller_is_the_embed_user_and_the_server_sets_the_rest(make_app):
    web = make_app(
        EMBED_MODELS="thelook", EMBED_PERMISSIONS="access_data,see_looks", EMBED_SESSION_LENGTH="600"
    ).test_client()
    params = _params(web.post("/api/embed/looks/1", headers=H).json["url"])
    assert params["external_user_id"] == '"key:web"' and params["models"] == '["thelook"]'
    assert params["permissions"] == '["access_data","see_looks"]' and params["session_length"] == "600"


@pytest.mark.parametrize(
    "body",
    [
        {"permissions": ["admin"]},
        {"models": ["finance"]},
        {"session_length": 99},
        {"external_user_id": "ceo"},
        {"filters": ["x"]},
    ],
)
def test_the_body_cannot_widen_anything(make_app, emulator, body):
    web = make_app(EMBED_MODELS="thelook").test_client()
    problem(web.post("/api/embed/dashboards/1", headers=H, json=body), 400, "invalid_request")
    assert calls(emulator, "create_sso_embed_url") == 0


def test_urls_are_never_cached_and_each_is_new(make_app):
    web = make_app(EMBED_MODELS="thelook").test_client()
    first, second = (web.post("/api/embed/explores/thelook/orders", headers=H) for _ in range(2))
    assert first.json["url"] != second.json["url"] and "X-Cache" not in first.headers


def test_issuing_is_logged_without_the_url(make_app, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="looker_proxy.embed")
    web = make_app(EMBED_MODELS="thelook").test_client()
    url = web.post("/api/embed/dashboards/1", headers=H).json["url"]
    records = [r for r in caplog.records if r.name == "looker_proxy.embed"]
    assert records and records[0].caller == "key:web" and records[0].target == "dashboard 1"
    lines = logged_lines(caplog)
    assert _params(url)["signature"] not in lines and "nonce" not in lines


def test_embedding_needs_models_configured(client):
    problem(client.post("/api/embed/dashboards/1"), 403, "forbidden")


def test_embedding_a_disallowed_explore_is_403(make_app):
    web = make_app(ALLOWED_MODELS="thelook").test_client()
    problem(web.post("/api/embed/explores/finance/revenue", headers=H), 403, "forbidden")


def test_signed_urls_carry_time_and_a_fresh_nonce():
    first = _params(
        signed_embed_url(
            "s",
            "looker.example.com",
            "/embed/dashboards/1",
            external_user_id="u",
            permissions=["access_data"],
            models=["m"],
            session_length=60,
        )
    )
    second = _params(
        signed_embed_url(
            "s",
            "looker.example.com",
            "/embed/dashboards/1",
            external_user_id="u",
            permissions=["access_data"],
            models=["m"],
            session_length=60,
        )
    )
    assert first["nonce"] != second["nonce"] and abs(int(first["time"]) - time.time()) < 5


def _token(**claims) -> str:
    import jwt

    # tokens made while collecting tests must outlive the whole run, not just a few minutes of it
    body = {"exp": int(time.time()) + 3600, **claims}
    return jwt.encode(body, "jwt-secret-0123456789-0123456789-abcdef", algorithm="HS256")


@pytest.mark.parametrize(
    ("credentials", "external_user_id"),
    [
        ({"X-API-Key": API_KEY}, "key:web"),
        ({"Authorization": "Bearer " + _token(sub="web", iss="idp")}, "jwt:idp|web"),
        ({"Authorization": "Bearer " + _token(sub="web")}, "jwt:web"),
        (
            {"Authorization": "Bearer " + _token(sub="admin", iss="https://login.example.com/")},
            "jwt:https://login.example.com/|admin",
        ),
    ],
)
def test_embed_users_are_named_by_kind_so_a_token_never_becomes_an_api_key(make_app, credentials, external_user_id):
    web = make_app(
        EMBED_MODELS="thelook",
        JWT_SECRET="jwt-secret-0123456789-0123456789-abcdef",
        LOOKER_EMBED_SECRET=DEFAULT_EMBED_SECRET,
        LOOKER_EMBED_HOST="https://looker.example.com",
    ).test_client()
    reply = web.post("/api/embed/dashboards/1", headers=credentials)
    assert reply.status_code == 200, reply.data
    assert _params(reply.json["url"])["external_user_id"] == f'"{external_user_id}"'


def test_external_user_id_is_built_in_one_place():
    from app.security.identity import external_user_id

    assert external_user_id("key", "admin") != external_user_id("jwt", "admin") == "jwt:admin"


@pytest.mark.parametrize(
    ("env", "path", "status"),
    [
        ({"ALLOWED_MODELS": "thelook"}, "/api/embed/looks/5", 403),  # a finance Look
        ({"EMBED_MODELS": "thelook"}, "/api/embed/looks/5", 403),  # not a model embed users may see
        ({"ALLOWED_MODELS": "thelook"}, "/api/embed/looks/999", 404),
        ({"ALLOWED_MODELS": "thelook"}, "/api/embed/dashboards/999", 404),
        ({"ALLOWED_MODELS": "thelook"}, "/api/embed/explores/thelook/nope", 404),
        ({"ALLOWED_MODELS": "thelook"}, "/api/embed/explores/finance/revenue", 403),
    ],
)
def test_the_target_must_exist_and_use_allowed_models_before_anything_is_signed(make_app, emulator, env, path, status):
    web = make_app(**env).test_client()
    problem(web.post(path, headers=H), status, "forbidden" if status == 403 else "not_found")
    assert calls(emulator, "create_sso_embed_url") == 0


@pytest.mark.parametrize(
    ("path", "operation"),
    [
        ("/api/embed/looks/1", "look"),
        ("/api/embed/dashboards/1", "dashboard"),
        ("/api/embed/explores/thelook/orders", "lookml_model_explore"),
    ],
)
def test_the_target_is_checked_once_then_remembered(make_app, emulator, path, operation):
    web = make_app(ALLOWED_MODELS="thelook").test_client()
    assert [web.post(path, headers=H).status_code for _ in range(2)] == [200, 200]
    assert calls(emulator, operation) == 1 and calls(emulator, "create_sso_embed_url") == 2
