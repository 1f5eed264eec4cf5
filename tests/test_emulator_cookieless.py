"""Cookieless embedding over real HTTP, as @looker/embed-sdk drives it: acquire, login, pages, rotating tokens."""

import json
import re
import time
from urllib.parse import quote

import looker_sdk
import pytest
import requests
from looker_sdk.error import SDKError

from looker_emulator.server import RunningEmulator
from looker_emulator.state import Config

from .helpers import EmulatorSdkSettings, validate_against_spec

USER = {"external_user_id": "shopper-7", "models": ["thelook"], "permissions": ["access_data", "see_user_dashboards"]}
PARENT = "http://127.0.0.1:8123"
CONTENT = "/api/internal/embed/content"


@pytest.fixture
def quick():
    """An emulator whose cookieless tokens last one second."""
    emulator = RunningEmulator(Config(embed_authentication_token_ttl=1, embed_token_ttl=1)).start()
    yield emulator
    emulator.stop()


@pytest.fixture
def sdk(emulator):
    return looker_sdk.init40(config_settings=EmulatorSdkSettings(emulator.url))


def _sdk(emulator):
    return looker_sdk.init40(config_settings=EmulatorSdkSettings(emulator.url))


def _src(navigation_token: str, path: str = "/embed/dashboards/1") -> str:
    """Return the content path as the SDK writes it: required parameters, then the navigation token."""
    joiner = "&" if "?" in path else "?"
    return f"{path}{joiner}embed_domain={PARENT}&sdk=3&embed_navigation_token={navigation_token}"


def _iframe_url(emulator, session, path: str = "/embed/dashboards/1") -> str:
    src = _src(session.navigation_token, path)
    return f"{emulator.url}/login/embed/{quote(src, safe='')}?embed_authentication_token={session.authentication_token}"


def _content(emulator, api_token: str, target: str = "/embed/looks/1") -> requests.Response:
    return requests.get(
        f"{emulator.url}{CONTENT}", params={"target": target}, headers={"X-Looker-Embed-Api-Token": api_token}
    )


def test_the_iframe_url_logs_in_once_and_shows_the_content_with_its_script(emulator, sdk):
    session = sdk.acquire_embed_cookieless_session({**USER, "session_length": 600})
    url = _iframe_url(emulator, session)
    login = requests.get(url, allow_redirects=False)
    assert login.status_code == 302 and login.headers["Location"].endswith(_src(session.navigation_token))
    page = requests.get(emulator.url + login.headers["Location"])
    assert page.status_code == 200 and "Business Pulse" in page.text and "<table>" in page.text
    config = json.loads(re.search(r"id='embed-config'>(.*?)</script>", page.text).group(1))
    assert config["embed_domain"] == PARENT and config["content_url"] == CONTENT
    for part in ("session:tokens:request", "session:status", "page:changed", "MessageChannel", "action: 0"):
        assert part in page.text, part
    assert requests.get(url).status_code == 401  # the authentication token is single use


def test_an_explore_and_a_look_open_the_same_way(emulator, sdk):
    session = sdk.acquire_embed_cookieless_session(USER)
    page = requests.get(
        _iframe_url(emulator, session, "/embed/explore/thelook/orders?fields=orders.status,orders.count")
    )
    assert page.status_code == 200 and "<td>complete</td>" in page.text
    again = sdk.acquire_embed_cookieless_session({**USER, "session_reference_token": session.session_reference_token})
    assert again.session_reference_token == session.session_reference_token  # a second IFRAME attaches
    assert "Orders by status" in requests.get(_iframe_url(emulator, again, "/embed/looks/1")).text


def test_generate_tokens_rotates_and_the_old_ones_stop_working(emulator, sdk):
    session = sdk.acquire_embed_cookieless_session({**USER, "session_length": 600})
    requests.get(_iframe_url(emulator, session))
    assert _content(emulator, session.api_token).status_code == 200
    fresh = sdk.generate_tokens_for_cookieless_session(
        {"session_reference_token": session.session_reference_token, "api_token": session.api_token}
    )
    assert fresh.api_token != session.api_token and fresh.navigation_token != session.navigation_token
    assert 590 <= fresh.session_reference_token_ttl <= 600 and fresh.api_token_ttl >= 599
    assert _content(emulator, session.api_token).status_code == 401
    assert requests.get(emulator.url + _src(session.navigation_token)).status_code == 401
    reply = _content(emulator, fresh.api_token)
    assert reply.status_code == 200 and "<table>" in reply.text and "<html" not in reply.text
    assert requests.get(emulator.url + _src(fresh.navigation_token)).status_code == 200


def test_tokens_expire_on_time(quick):
    sdk = _sdk(quick)
    session = sdk.acquire_embed_cookieless_session({**USER, "session_length": 600})
    assert session.api_token_ttl == 1 and session.authentication_token_ttl == 1
    assert _content(quick, session.api_token).status_code == 200
    time.sleep(1.2)
    assert _content(quick, session.api_token).status_code == 401
    assert requests.get(_iframe_url(quick, session)).status_code == 401  # the login token expired too
    fresh = sdk.generate_tokens_for_cookieless_session({"session_reference_token": session.session_reference_token})
    assert _content(quick, fresh.api_token).status_code == 200


def test_an_expired_session_reports_a_zero_time_to_live(emulator, sdk):
    session = sdk.acquire_embed_cookieless_session({**USER, "session_length": 1})
    assert session.api_token_ttl <= 1  # tokens never outlive their session
    time.sleep(1.2)
    expired = sdk.generate_tokens_for_cookieless_session({"session_reference_token": session.session_reference_token})
    assert expired.session_reference_token_ttl == 0 and not expired.api_token
    assert _content(emulator, session.api_token).status_code == 401
    replaced = sdk.acquire_embed_cookieless_session(
        {**USER, "session_reference_token": session.session_reference_token}
    )
    assert replaced.session_reference_token != session.session_reference_token
    with pytest.raises(SDKError, match="Not found"):  # the stale reference is forgotten
        sdk.generate_tokens_for_cookieless_session({"session_reference_token": session.session_reference_token})


def test_a_deleted_session_is_404_and_its_tokens_die(emulator, sdk):
    session = sdk.acquire_embed_cookieless_session(USER)
    sdk.delete_embed_cookieless_session(session.session_reference_token)
    with pytest.raises(SDKError, match="Not found"):
        sdk.generate_tokens_for_cookieless_session({"session_reference_token": session.session_reference_token})
    with pytest.raises(SDKError, match="Not found"):
        sdk.delete_embed_cookieless_session(session.session_reference_token)
    assert requests.get(_iframe_url(emulator, session)).status_code == 401
    assert _content(emulator, session.api_token).status_code == 401


def test_another_user_cannot_attach_to_a_session(sdk):
    session = sdk.acquire_embed_cookieless_session(USER)
    with pytest.raises(SDKError, match="Not found"):
        sdk.acquire_embed_cookieless_session(
            {**USER, "external_user_id": "intruder", "session_reference_token": session.session_reference_token}
        )


def test_the_default_session_length_is_the_specs(sdk):
    session = sdk.acquire_embed_cookieless_session(USER)
    assert 295 <= session.session_reference_token_ttl <= 300


def test_answers_match_the_official_schemas(emulator, sdk):
    sdk.me()
    headers = {"Authorization": f"Bearer {sdk.auth.token.access_token}"}
    base = f"{emulator.url}/api/4.0/embed/cookieless_session"
    acquired = requests.post(f"{base}/acquire", json=USER, headers=headers).json()
    validate_against_spec("/embed/cookieless_session/acquire", "post", "200", acquired)
    body = {"session_reference_token": acquired["session_reference_token"]}
    fresh = requests.put(f"{base}/generate_tokens", json=body, headers=headers)
    validate_against_spec("/embed/cookieless_session/generate_tokens", "put", "200", fresh.json())
    missing = requests.put(f"{base}/generate_tokens", json={"session_reference_token": "nope"}, headers=headers)
    assert missing.status_code == 404
    validate_against_spec("/embed/cookieless_session/generate_tokens", "put", "404", missing.json())
    assert requests.put(f"{base}/generate_tokens", json={}, headers=headers).status_code == 422
