"""What many test modules share: keys, the sample query, problem checks, the fake clock, spec checks, processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import orjson
import requests
from looker_sdk.rtl import api_settings
from openapi_schema_validator import OAS30ReadValidator

from app.demo import free_port
from app.logs import JsonFormatter
from looker_emulator.state import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

ROOT = Path(__file__).resolve().parents[1]
API_KEY = "test-key-0123456789abcdef"
ADMIN_KEY = "admin-key-0123456789abcdef"
QUERY = {"model": "thelook", "view": "orders", "fields": ["orders.status", "orders.count"]}
PROBLEM_KEYS = {"type", "title", "status", "detail", "code", "request_id"}


def problem(reply, status: int, code: str) -> dict:
    assert reply.status_code == status, reply.data
    assert reply.content_type == "application/problem+json"
    body = reply.get_json()
    assert PROBLEM_KEYS <= set(body) and body["status"] == status and body["code"] == code
    assert body["request_id"] == reply.headers["X-Request-ID"]
    return body


# ---- health ----------------------------------------------------------------------------------------------
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class EmulatorSdkSettings(api_settings.ApiSettings):
    """SDK settings that point at the emulator, read from memory instead of an ini file or the environment."""

    def __init__(self, url: str, secret: str = DEFAULT_CLIENT_SECRET):
        self._values = {
            "base_url": url,
            "client_id": DEFAULT_CLIENT_ID,
            "client_secret": secret,
            "verify_ssl": "false",
            "timeout": "10",
        }
        super().__init__(filename="", env_prefix=None)

    def read_config(self):
        return dict(self._values)


def emulator_env(emulator, **extra) -> dict:
    """Return the environment a service pointed at the emulator would have."""
    env = {
        "LOOKERSDK_BASE_URL": emulator.url,
        "LOOKERSDK_CLIENT_ID": DEFAULT_CLIENT_ID,
        "LOOKERSDK_CLIENT_SECRET": DEFAULT_CLIENT_SECRET,
        "API_KEYS": f"web:{API_KEY},admin:{ADMIN_KEY}",
        "DATAGROUP_POLL_SECONDS": "0",  # polling threads only in the tests of polling, which start them on purpose
    }
    env.update({k: str(v) for k, v in extra.items()})
    return env


def calls(emulator, operation: str) -> int:
    """Return how often the emulator saw an operation."""
    return emulator.state.calls.get(operation, 0)


def logged_lines(caplog) -> str:
    """Return every captured record as the whole JSON line the service writes, its `extra` fields included."""
    formatter = JsonFormatter()
    return "\n".join(formatter.format(record) for record in caplog.records)


def wait_complete(client, task_id, seconds=10):
    """Poll a query task until its results are no longer 202; fail the test past `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        reply = client.get(f"/api/query_tasks/{task_id}/results")
        if reply.status_code != 202:
            return reply
        assert time.monotonic() < deadline
        time.sleep(0.05)


def rows(sdk, query: dict, fmt: str = "json"):
    """Return an inline query's rows through the SDK, parsed."""
    return orjson.loads(sdk.run_inline_query(fmt, query))


def wait_until(condition, seconds: float = 10.0) -> None:
    """Wait for a condition another thread or process makes true; fail the test if it never does."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the awaited condition never held"
        time.sleep(0.005)


class FakeClock:
    """A clock the cache reads instead of time.time, moved on by tests instead of sleeping."""

    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def start_service(env: dict) -> tuple[subprocess.Popen, str]:
    """Start one gunicorn service process (one worker) and wait until it answers."""
    port = free_port()
    full = {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")},
        "WEB_CONCURRENCY": "1",
        **env,
        "PORT": str(port),
        "LOG_LEVEL": "warning",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn"], cwd=ROOT, env=full, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(f"{base}/healthz", timeout=1).ok:
                return process, base
        except requests.RequestException:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the service did not start")
        time.sleep(0.1)


def any_is_unconstrained(node):
    """Looker's spec writes free-form values as `type: any`, which JSON Schema spells as no type at all."""
    if isinstance(node, dict):
        return {k: any_is_unconstrained(v) for k, v in node.items() if not (k in ("type", "format") and v == "any")}
    if isinstance(node, list):
        return [any_is_unconstrained(v) for v in node]
    return node


SPEC = any_is_unconstrained(
    json.loads((Path(__file__).parents[1] / "looker_emulator/spec/looker-4.0-trimmed.json").read_text())
)


def spec_schema(path: str, method: str, status: str):
    response = SPEC["paths"][path][method]["responses"][status]
    return response["content"]["application/json"]["schema"]


def validate_against_spec(path: str, method: str, status: str, body):
    OAS30ReadValidator({**spec_schema(path, method, status), "components": SPEC["components"]}).validate(body)
