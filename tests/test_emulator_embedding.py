"""The emulator's embedding: Looker's signature vectors, signed SSO URLs, cookieless sessions."""

import json
import time
from urllib.parse import parse_qs, quote, urlsplit

import looker_sdk
import pytest
import requests
from looker_sdk import models40
from looker_sdk.error import SDKError

from looker_emulator import embed
from looker_emulator.state import DEFAULT_EMBED_SECRET

from .helpers import EmulatorSdkSettings

ORDERS = {"model": "thelook", "view": "orders", "fields": ["orders.status", "orders.count"]}


@pytest.fixture
def sdk(emulator):
    return looker_sdk.init40(config_settings=EmulatorSdkSettings(emulator.url))


# ---- embedding -------------------------------------------------------------------------------------------
VECTOR = {
    "nonce": "abc123",
    "time": 1561486800,
    "session_length": 3600,
    "external_user_id": "user1",
    "permissions": ["access_data", "see_looks", "see_user_dashboards"],
    "models": ["powered_by", "thelook"],
    "group_ids": [1, 2, 3],
    "external_group_id": "group1",
    "user_attributes": {"locale": "en_US"},
    "access_filters": {"powered_by": {"products.brand": "Allegra K"}},
}


def _sign(values: dict) -> str:
    params = {k: json.dumps(v, separators=(",", ":")) for k, v in values.items()}
    return embed.signature("hunter2", "test.looker.com", embed.embed_path("/embed/dashboards/1"), params)


def test_embed_signature_matches_lookers_published_vectors():
    assert _sign(VECTOR) == "jcMKWo4eb4Y34CV7dpC6hAgi8oM="
    short = {k: v for k, v in VECTOR.items() if k not in ("group_ids", "external_group_id", "user_attributes")}
    assert _sign({**short, "access_filters": {}}) == "RXMPyKsQerTI/fbPIwgoTqUsvio="


def test_sso_url_opens_once_and_shows_the_dashboard(emulator, sdk):
    url = sdk.create_sso_embed_url(
        models40.EmbedSsoParams(
            target_url=f"{emulator.url}/embed/dashboards/1",
            external_user_id="u1",
            models=["thelook"],
            permissions=["access_data", "see_user_dashboards"],
            session_length=600,
        )
    ).url
    assert urlsplit(url).path == "/login/embed/" + quote("/embed/dashboards/1", safe="")
    page = requests.get(url)
    assert page.status_code == 200 and "Business Pulse" in page.text and "<table>" in page.text
    assert requests.get(url).status_code == 401  # the nonce is single use
    query = parse_qs(urlsplit(url).query)
    query["external_user_id"] = ['"someone-else"']
    forged = url.split("?")[0] + "?" + "&".join(f"{k}={quote(v[0])}" for k, v in query.items())
    assert requests.get(forged).status_code == 401


def test_sso_url_needs_models_and_permissions(sdk):
    with pytest.raises(SDKError, match="Validation Failed"):
        sdk.create_sso_embed_url({"target_url": "http://x/embed/dashboards/1", "external_user_id": "u"})


def test_locally_signed_url_with_the_emulator_secret_opens(emulator):
    host = urlsplit(emulator.url).netloc
    values = {
        "nonce": "n-1",
        "time": int(time.time()),
        "session_length": 600,
        "external_user_id": "u2",
        "permissions": ["access_data"],
        "models": ["thelook"],
    }
    url = embed.signed_url(DEFAULT_EMBED_SECRET, host, "/embed/dashboards/2", values, scheme="http")
    assert "Catalogue" in requests.get(url).text


def test_cookieless_sessions(sdk):
    session = sdk.acquire_embed_cookieless_session(
        {"external_user_id": "u", "session_length": 600, "models": ["thelook"], "permissions": ["access_data"]}
    )
    assert session.authentication_token and session.session_reference_token_ttl > 0
    fresh = sdk.generate_tokens_for_cookieless_session(
        {
            "session_reference_token": session.session_reference_token,
            "navigation_token": session.navigation_token,
            "api_token": session.api_token,
        }
    )
    assert fresh.api_token != session.api_token
    sdk.delete_embed_cookieless_session(session.session_reference_token)
