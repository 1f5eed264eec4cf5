"""Settings: every variable read once from a mapping, validated, secrets hidden."""

import pytest

from app.config import ConfigError, Settings, demo_looker_port

BASE = {
    "LOOKERSDK_BASE_URL": "https://acme.cloud.looker.com",
    "LOOKERSDK_CLIENT_ID": "id",
    "LOOKERSDK_CLIENT_SECRET": "s3cret-value",
    "API_KEYS": "web:0123456789abcdef0123",
}


def test_defaults_follow_the_contract():
    settings = Settings.from_env(BASE)
    assert (settings.looker_timeout, settings.max_rows, settings.cache_ttl) == (30, 5000, 3600)
    assert (settings.cache_stale_seconds, settings.cache_max_bytes) == (86400, 134217728)
    assert (settings.port, settings.web_concurrency, settings.rate_limit) == (3000, 2, "600/minute")
    assert settings.verify_ssl is True and settings.allow_anonymous is False
    assert settings.render_timeout == 300
    assert (settings.cache_swr_seconds, settings.datagroup_poll_seconds) == (0, 60)


def test_looker_prefixed_names_are_accepted():
    env = {
        "LOOKER_BASE_URL": "https://x.looker.com/",
        "LOOKER_CLIENT_ID": "id",
        "LOOKER_CLIENT_SECRET": "sec",
        "ALLOW_ANONYMOUS": "true",
    }
    settings = Settings.from_env(env)
    assert settings.looker_base_url == "https://x.looker.com"
    assert (settings.looker_client_id, settings.looker_client_secret.reveal()) == ("id", "sec")


def test_looker_port_is_added_only_when_the_url_has_none():
    assert Settings.from_env({**BASE, "LOOKER_PORT": "19999"}).looker_base_url == "https://acme.cloud.looker.com:19999"
    env = {**BASE, "LOOKERSDK_BASE_URL": "https://h.example:443", "LOOKER_PORT": "19999"}
    assert Settings.from_env(env).looker_base_url == "https://h.example:443"


@pytest.mark.parametrize(
    ("env", "web_url"),
    [
        ({"LOOKERSDK_BASE_URL": "https://acme.cloud.looker.com"}, "https://acme.cloud.looker.com"),
        ({"LOOKERSDK_BASE_URL": "https://looker.acme.com:19999"}, "https://looker.acme.com"),
        ({"LOOKER_PORT": "19999"}, "https://acme.cloud.looker.com"),
        ({"LOOKER_WEB_URL": "http://127.0.0.1:8123/"}, "http://127.0.0.1:8123"),
    ],
)
def test_the_web_url_is_the_base_url_without_its_api_port_unless_set(env, web_url):
    assert Settings.from_env({**BASE, **env}).web_url == web_url


def test_api_keys_carry_labels():
    settings = Settings.from_env({**BASE, "API_KEYS": "web:aaaaaaaaaaaaaaaa1, bbbbbbbbbbbbbbbb2"})
    assert [(label, key.reveal()) for label, key in settings.api_keys] == [
        ("web", "aaaaaaaaaaaaaaaa1"),
        ("key2", "bbbbbbbbbbbbbbbb2"),
    ]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"LOOKERSDK_BASE_URL": ""}, "LOOKERSDK_BASE_URL"),
        ({"LOOKERSDK_CLIENT_ID": ""}, "LOOKERSDK_CLIENT_ID"),
        ({"LOOKERSDK_CLIENT_SECRET": ""}, "LOOKERSDK_CLIENT_SECRET"),
        ({"API_KEYS": ""}, "API_KEYS"),
        ({"API_KEYS": "web:short"}, "API_KEYS"),
        ({"LOOKERSDK_BASE_URL": "acme.looker.com"}, "LOOKERSDK_BASE_URL"),
        ({"LOOKERSDK_BASE_URL": "https://acme.looker.com/api/4.0"}, "LOOKERSDK_BASE_URL"),
        ({"LOOKERSDK_VERIFY_SSL": "maybe"}, "LOOKERSDK_VERIFY_SSL"),
        ({"LOOKERSDK_TIMEOUT": "2.5"}, "LOOKERSDK_TIMEOUT"),
        ({"MAX_ROWS": "0"}, "MAX_ROWS"),
        ({"LOOKER_PORT": "abc"}, "LOOKER_PORT"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL"),
        ({"DEMO_PAGE": "sometimes"}, "DEMO_PAGE"),
        ({"GUNICORN_THREADS": "abc"}, "GUNICORN_THREADS"),
        ({"WEB_CONCURRENCY": "0"}, "WEB_CONCURRENCY"),
        ({"PORT": "http"}, "PORT"),
        ({"LOOKER_WEB_URL": "acme.looker.com"}, "LOOKER_WEB_URL"),
        ({"LOOKER_WEB_URL": "https://acme.looker.com/api/4.0"}, "LOOKER_WEB_URL"),
        ({"RENDER_TIMEOUT": "0"}, "RENDER_TIMEOUT"),
        ({"RENDER_TIMEOUT": "five minutes"}, "RENDER_TIMEOUT"),
        ({"CACHE_SWR_SECONDS": "-1"}, "CACHE_SWR_SECONDS"),
        ({"CACHE_SWR_SECONDS": "soon"}, "CACHE_SWR_SECONDS"),
        ({"DATAGROUP_POLL_SECONDS": "1.5"}, "DATAGROUP_POLL_SECONDS"),
        ({"DATAGROUP_POLL_SECONDS": "-60"}, "DATAGROUP_POLL_SECONDS"),
        ({"LOOKER_WEB_URL": "https://acme.looker.com/embed"}, "LOOKER_WEB_URL"),
        ({"RATE_LIMIT": "often"}, "RATE_LIMIT"),
        ({"RATE_LIMIT": "0/minute"}, "RATE_LIMIT"),
        ({"RATE_LIMIT": "10/second;0/hour"}, "RATE_LIMIT"),
    ],
)
def test_bad_settings_name_the_variable(change, named):
    with pytest.raises(ConfigError, match=named):
        Settings.from_env({**BASE, **change})


def test_anonymous_mode_needs_no_keys():
    env = {**BASE, "API_KEYS": "", "ALLOW_ANONYMOUS": "yes"}
    assert Settings.from_env(env).allow_anonymous is True


def test_secrets_do_not_show_in_repr():
    settings = Settings.from_env(BASE)
    text = repr(settings)
    assert "s3cret-value" not in text and "0123456789abcdef0123" not in text


@pytest.mark.parametrize(
    ("env", "web_url"),
    [
        ({}, "https://acme.cloud.looker.com"),
        ({"LOOKERSDK_BASE_URL": "https://looker.acme.com:19999"}, "https://looker.acme.com"),
        ({"LOOKERSDK_BASE_URL": "https://looker.acme.com", "LOOKER_PORT": "19999"}, "https://looker.acme.com"),
        (
            {"LOOKERSDK_BASE_URL": "https://looker.acme.com:19999", "LOOKER_WEB_URL": "https://bi.acme.com/"},
            "https://bi.acme.com",
        ),
    ],
)
def test_the_looker_web_url_defaults_to_the_base_url_without_the_api_port(env, web_url):
    assert Settings.from_env({**BASE, **env}).looker_web_url == web_url


def test_settings_can_be_read_unchecked_for_commands_that_never_call_looker():
    settings = Settings.from_env({"REPORTS_FILE": "mine.toml"}, check=False)
    assert settings.reports_file == "mine.toml" and settings.looker_base_url == ""
    with pytest.raises(ConfigError, match="LOOKERSDK_BASE_URL"):
        Settings.from_env({"REPORTS_FILE": "mine.toml"})


@pytest.mark.parametrize(("value", "port"), [("", None), ("19999", 19999)])
def test_the_demo_looker_port_is_read(value, port):
    assert demo_looker_port({"DEMO_LOOKER_PORT": value}) == port


@pytest.mark.parametrize("value", ["abc", "0", "70000"])
def test_a_bad_demo_looker_port_names_the_variable(value):
    with pytest.raises(ConfigError, match="DEMO_LOOKER_PORT"):
        demo_looker_port({"DEMO_LOOKER_PORT": value})
