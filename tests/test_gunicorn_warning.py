"""gunicorn.conf.py says loudly at start that the service is open, also when keys or JWTs are configured."""

import importlib.util
import pathlib

import pytest

CONF = pathlib.Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


class _Log:
    def __init__(self):
        self.warnings: list[str] = []

    def warning(self, message, *args):
        self.warnings.append(message % args if args else message)


class _Server:
    def __init__(self):
        self.log = _Log()


def _start(monkeypatch, **env) -> list[str]:
    for name, value in {
        "LOOKERSDK_BASE_URL": "http://127.0.0.1:1",
        "LOOKERSDK_CLIENT_ID": "id",
        "LOOKERSDK_CLIENT_SECRET": "secret",
        **env,
    }.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("gunicorn_conf_under_test", CONF)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    server = _Server()
    module.on_starting(server)
    return server.log.warnings


@pytest.mark.parametrize(
    "env",
    [{}, {"API_KEYS": "web:webkey0123456789abcd"}, {"JWT_SECRET": "j" * 32, "USER_ATTRIBUTES": "brand=brand"}],
)
def test_anonymous_access_is_warned_about_whatever_else_is_configured(monkeypatch, env):
    warnings = _start(monkeypatch, ALLOW_ANONYMOUS="true", **env)
    assert any("ALLOW_ANONYMOUS is on" in w for w in warnings)
    if env:
        assert any("service account" in w for w in warnings)


def test_no_warning_when_the_service_is_not_open(monkeypatch):
    assert not _start(monkeypatch, API_KEYS="web:webkey0123456789abcd", ALLOW_ANONYMOUS="false")
