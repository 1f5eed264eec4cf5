"""Cookieless embed endpoints, against the emulator's Looker side over real HTTP: one Looker session per
(caller, User-Agent), the reference token kept by the service, a stale one replaced once, no-store always."""

import threading

import pytest

from app import create_app
from app.config import Settings
from looker_emulator.state import Fault

from .helpers import ADMIN_KEY, API_KEY, calls, emulator_env, problem

ACQUIRED = {
    "authentication_token",
    "authentication_token_ttl",
    "navigation_token",
    "navigation_token_ttl",
    "api_token",
    "api_token_ttl",
    "session_reference_token_ttl",
}
TOKENS = ACQUIRED - {"authentication_token", "authentication_token_ttl"}
CHROME = "Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Firefox/132.0"


def _headers(key=API_KEY, agent=CHROME):
    return {"Authorization": f"Bearer {key}", "User-Agent": agent}


@pytest.fixture
def embed_app(make_app, emulator):
    return make_app(EMBED_MODELS="thelook", LOOKER_WEB_URL=emulator.url)


def _acquire(app, key=API_KEY, agent=CHROME):
    reply = app.test_client().get("/api/embed/cookieless/acquire", headers=_headers(key, agent))
    assert reply.status_code == 200, reply.data
    return reply.get_json()


def _refresh(app, tokens, key=API_KEY, agent=CHROME):
    body = {"api_token": tokens["api_token"], "navigation_token": tokens["navigation_token"]}
    return app.test_client().put("/api/embed/cookieless/tokens", json=body, headers=_headers(key, agent))


def _session(emulator, tokens):
    """Return the emulator's session that holds these tokens (None when it has ended)."""
    return emulator.state.cookieless.by_api(tokens["api_token"])


def test_acquire_answers_as_initcookieless_expects_and_keeps_the_reference_token(embed_app, emulator):
    reply = embed_app.test_client().get("/api/embed/cookieless/acquire", headers=_headers())
    assert reply.status_code == 200 and reply.headers["Cache-Control"] == "no-store"
    tokens = reply.get_json()
    assert set(tokens) == ACQUIRED and all(tokens[name] for name in ACQUIRED)
    session = _session(emulator, tokens)
    assert session.user["external_user_id"] == "key:web"
    assert session.user["models"] == ["thelook"]
    assert session.reference not in reply.get_data(as_text=True)


def test_fresh_tokens_rotate_in_looker_and_never_carry_the_reference(embed_app, emulator):
    first = _acquire(embed_app)
    reply = _refresh(embed_app, first)
    assert reply.status_code == 200 and reply.headers["Cache-Control"] == "no-store"
    fresh = reply.get_json()
    assert set(fresh) == TOKENS and fresh["api_token"] != first["api_token"]
    assert _session(emulator, fresh) is not None and _session(emulator, first) is None
    assert calls(emulator, "generate_tokens_for_cookieless_session") == 1
    assert calls(emulator, "acquire_embed_cookieless_session") == 1


def test_parallel_acquires_of_one_caller_make_one_looker_session(embed_app, emulator):
    emulator.state.faults.append(Fault(operation="acquire_embed_cookieless_session", latency_ms=150))
    start, answers = threading.Barrier(6), []

    def acquire():
        start.wait()
        answers.append(_acquire(embed_app))

    threads = [threading.Thread(target=acquire) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sessions = {_session(emulator, tokens).reference for tokens in answers}
    assert len(answers) == 6 and len(sessions) == 1
    assert len({tokens["authentication_token"] for tokens in answers}) == 6  # each IFRAME logs in once


@pytest.mark.parametrize(
    ("second_key", "second_agent", "shared"),
    [
        (API_KEY, CHROME, True),  # the same browser: a second IFRAME joins the session
        (API_KEY, FIREFOX, False),  # another browser of the same caller
        (ADMIN_KEY, CHROME, False),  # another caller, same browser
    ],
)
def test_sessions_are_kept_per_caller_and_user_agent(embed_app, emulator, second_key, second_agent, shared):
    first = _session(emulator, _acquire(embed_app))
    second = _session(emulator, _acquire(embed_app, second_key, second_agent))
    assert (first.reference == second.reference) is shared
    assert second.user["external_user_id"] == ("key:admin" if second_key == ADMIN_KEY else "key:web")


def test_another_caller_with_stolen_tokens_gets_its_own_session(embed_app, emulator):
    mine = _acquire(embed_app)
    reply = _refresh(embed_app, mine, key=ADMIN_KEY)
    assert reply.status_code == 200
    theirs = _session(emulator, reply.get_json())
    assert theirs.user["external_user_id"] == "key:admin"
    assert _session(emulator, mine).user["external_user_id"] == "key:web"  # untouched, still live


def test_a_session_looker_forgot_is_replaced_once_on_refresh(embed_app, emulator):
    first = _acquire(embed_app)
    emulator.state.cookieless.delete(_session(emulator, first).reference)  # as if Looker dropped it
    reply = _refresh(embed_app, first)
    assert reply.status_code == 200
    replacement = _session(emulator, reply.get_json())
    assert replacement is not None and replacement.user["external_user_id"] == "key:web"
    assert calls(emulator, "generate_tokens_for_cookieless_session") == 1
    assert calls(emulator, "acquire_embed_cookieless_session") == 2


@pytest.mark.parametrize(
    ("times", "status", "acquires"),
    [
        (1, 200, 3),  # the stale reference is a 404 once; the retry without it makes a new session
        (None, 404, 3),  # Looker keeps refusing: retried once, then its 404 reaches the caller
    ],
)
def test_a_404_for_a_stale_reference_is_retried_once_with_a_new_session(embed_app, emulator, times, status, acquires):
    _acquire(embed_app)
    emulator.state.faults.append(Fault(operation="acquire_embed_cookieless_session", status=404, times=times))
    reply = embed_app.test_client().get("/api/embed/cookieless/acquire", headers=_headers())
    assert reply.status_code == status and reply.headers["Cache-Control"] == "no-store"
    assert calls(emulator, "acquire_embed_cookieless_session") == acquires


def test_delete_ends_the_session_in_looker(embed_app, emulator):
    tokens = _acquire(embed_app)
    client = embed_app.test_client()
    reply = client.delete("/api/embed/cookieless/session", headers=_headers())
    assert reply.status_code == 204 and reply.headers["Cache-Control"] == "no-store"
    assert not reply.data and "Content-Type" not in reply.headers
    assert _session(emulator, tokens) is None
    assert client.delete("/api/embed/cookieless/session", headers=_headers()).status_code == 204
    assert calls(emulator, "delete_embed_cookieless_session") == 1  # nothing left to end the second time
    assert _session(emulator, _acquire(embed_app)).reference  # the next acquire starts afresh


def test_two_instances_share_sessions_through_redis(emulator, redis_server):
    env = emulator_env(emulator, EMBED_MODELS="thelook", REDIS_URL=redis_server.url)
    one, two = create_app(Settings.from_env(env)), create_app(Settings.from_env(env))
    first = _session(emulator, _acquire(one))
    assert _session(emulator, _acquire(two)).reference == first.reference
    assert _refresh(two, _acquire(one)).status_code == 200
    assert calls(emulator, "acquire_embed_cookieless_session") == 3
    assert two.test_client().delete("/api/embed/cookieless/session", headers=_headers()).status_code == 204
    assert not emulator.state.cookieless.is_live(first.reference)


def test_config_names_the_looker_host_the_browser_embeds_from(embed_app, emulator):
    reply = embed_app.test_client().get("/api/embed/cookieless/config", headers=_headers())
    assert reply.status_code == 200 and reply.headers["Cache-Control"] == "no-store"
    host = emulator.url.removeprefix("http://")
    assert reply.get_json() == {"looker_host": host, "looker_url": emulator.url, "session_length": 3600}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/embed/cookieless/config"),
        ("get", "/api/embed/cookieless/acquire"),
        ("put", "/api/embed/cookieless/tokens"),
        ("delete", "/api/embed/cookieless/session"),
    ],
)
def test_without_embed_models_every_endpoint_is_403_before_looker(make_app, emulator, method, path):
    client = make_app().test_client()
    reply = getattr(client, method)(path, json={"api_token": "a", "navigation_token": "n"}, headers=_headers())
    problem(reply, 403, "forbidden")
    assert reply.headers["Cache-Control"] == "no-store"
    assert not emulator.state.calls


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"api_token": "a"}, 400, "invalid_request"),
        ({"api_token": "a", "navigation_token": ""}, 400, "invalid_request"),
        ({"api_token": "a", "navigation_token": "n", "session_reference_token": "x"}, 400, "invalid_request"),
        ("api_token=a", 415, "unsupported_media_type"),
    ],
)
def test_a_bad_tokens_body_is_refused(embed_app, emulator, body, status, code):
    client = embed_app.test_client()
    if isinstance(body, dict):
        reply = client.put("/api/embed/cookieless/tokens", json=body, headers=_headers())
    else:
        reply = client.put("/api/embed/cookieless/tokens", data=body, headers=_headers())
    problem(reply, status, code)
    assert calls(emulator, "generate_tokens_for_cookieless_session") == 0


def test_the_endpoints_need_credentials(embed_app, emulator):
    reply = embed_app.test_client().get("/api/embed/cookieless/acquire")
    problem(reply, 401, "unauthorized")
    assert calls(emulator, "acquire_embed_cookieless_session") == 0
