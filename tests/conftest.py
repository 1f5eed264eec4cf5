"""Shared fixtures: a clean environment, one emulator over real HTTP, and apps pointed at it."""

from __future__ import annotations

import os
import time

import looker_sdk
import pytest
from looker_sdk import models40

from app import create_app
from app.config import Settings
from looker_emulator.server import RunningEmulator
from looker_emulator.state import Config

from .helpers import API_KEY, EmulatorSdkSettings, FakeClock, emulator_env

PREFIXES = (
    "LOOKER",
    "API_KEYS",
    "JWT_",
    "ALLOW_ANONYMOUS",
    "CORS_ORIGINS",
    "ALLOWED_MODELS",
    "MAX_ROWS",
    "CACHE_",
    "REDIS_URL",
    "RATE_LIMIT",
    "EMBED_",
    "METRICS_FILE",
    "REPORTS_FILE",
    "PORT",
    "WEB_CONCURRENCY",
    "LOG_LEVEL",
    "GUNICORN_",
    "SMTP_",
    "DEMO_",
    "USER_ATTRIBUTES",
    "RENDER_",
    "DATAGROUP_",
)


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch):
    """Keep every setting this service reads out of the tests' environment."""
    for name in list(os.environ):
        if name.startswith(PREFIXES):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def running_emulator():
    emulator = RunningEmulator().start()
    yield emulator
    emulator.stop()


@pytest.fixture
def emulator(running_emulator):
    """The shared emulator, with call counts and faults reset for this test."""
    running_emulator.state.reset()
    yield running_emulator
    running_emulator.state.reset()


@pytest.fixture
def sdk(emulator):
    """The real looker_sdk, logged in to the emulator as the service account."""
    return looker_sdk.init40(config_settings=EmulatorSdkSettings(emulator.url))


@pytest.fixture
def make_app(emulator):
    """Build an app against the emulator; keyword arguments are extra environment variables."""

    def build(**extra):
        return create_app(Settings.from_env(emulator_env(emulator, **extra)))

    return build


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def cached_app(emulator, clock):
    """Build an app against the emulator whose cache runs on the fake clock."""

    def build(**extra):
        return create_app(Settings.from_env(emulator_env(emulator, **extra)), clock=clock)

    return build


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    """A test client that sends the web key unless a test says otherwise."""
    test_client = app.test_client()
    test_client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {API_KEY}"
    return test_client


class RedisServer:
    """A real redis-server on a free loopback port, for as long as a test needs it."""

    def __init__(self, directory):
        import shutil
        import socket

        binary = shutil.which("redis-server")
        if binary is None:
            if os.environ.get("CI") == "true":
                pytest.fail("redis-server is not installed (CI must install it; see .ci/run)")
            pytest.skip("redis-server is not installed")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.binary, self.directory = binary, directory
        self.start()

    def start(self):
        """Start (or start again, on the same port) the redis-server, empty."""
        import subprocess

        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._wait_ready()

    def _wait_ready(self):
        import time

        import redis

        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis(port=self.port).ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def quiet_datagroups(emulator, sdk):
    """Move every datagroup's trigger an hour back for the test, and put Looker's values back after it."""
    before = {group.id: group for group in sdk.all_datagroups()}
    hour_ago = int(time.time()) - 3600
    for id_, group in before.items():
        quiet = models40.WriteDatagroup(triggered_at=hour_ago, stale_before=1 if group.stale_before else None)
        sdk.update_datagroup(id_, quiet)
    emulator.state.reset()  # count only what the service asks
    yield sdk
    for id_, group in before.items():
        again = models40.WriteDatagroup(triggered_at=group.triggered_at, stale_before=group.stale_before)
        sdk.update_datagroup(id_, again)


@pytest.fixture
def own_emulator(clock):
    """An emulator of the test's own: its attributes may change, and its token clock is fake."""
    emulator = RunningEmulator(Config(user_token_ttl=60, clock=clock)).start()
    yield emulator
    emulator.stop()
