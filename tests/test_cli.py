"""The command line as a new user meets it: the demo, start-up refusals, and the connection check."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from flask import Flask
from werkzeug.serving import make_server

from app.demo import free_port
from app.looker.check import run_check

from .helpers import emulator_env

ROOT = Path(__file__).resolve().parents[1]


def _env(**extra) -> dict:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "PYTHONPATH", "SYSTEMROOT")}
    return {**keep, **extra}


@pytest.mark.parametrize(
    ("command", "env", "named"),
    [
        ([sys.executable, "-m", "app"], {}, "LOOKERSDK_BASE_URL"),
        (
            [sys.executable, "-m", "app"],
            {"LOOKERSDK_BASE_URL": "https://x.looker.com", "LOOKERSDK_CLIENT_ID": "i", "LOOKERSDK_CLIENT_SECRET": "s"},
            "API_KEYS",
        ),
        (
            [sys.executable, "-m", "gunicorn"],
            {"LOOKERSDK_BASE_URL": "https://x.looker.com", "LOOKERSDK_CLIENT_ID": "i", "LOOKERSDK_CLIENT_SECRET": "s"},
            "API_KEYS",
        ),
    ],
)
def test_missing_settings_stop_the_service_with_exit_2(command, env, named):
    done = subprocess.run(command, cwd=ROOT, env=_env(**env), capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if "looker-proxy:" in line]
    assert len(lines) == 1 and named in lines[0]


def test_demo_serves_real_data_with_no_credentials():
    port = free_port()
    demo = subprocess.Popen(
        [sys.executable, "-m", "app", "--demo"],
        cwd=ROOT,
        env=_env(PORT=str(port)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            assert demo.poll() is None and time.monotonic() < deadline, "the demo did not start"
            time.sleep(0.2)
        rows = requests.post(
            f"{base}/api/query",
            timeout=10,
            json={"model": "thelook", "view": "orders", "fields": ["orders.status", "orders.count"]},
        ).json()
        assert sum(row["orders.count"] for row in rows) == 12000
        assert requests.get(f"{base}/api/looks/1?format=csv", timeout=10).text.startswith("Orders Status")
        assert requests.get(f"{base}/api/dashboards/1", timeout=10).json()["title"] == "Business Pulse"
        assert requests.get(f"{base}/readyz", timeout=10).json() == {"status": "ok", "looker": "ok"}
    finally:
        demo.terminate()
        output = demo.communicate(timeout=30)[0]
    assert "curl" in output and f"localhost:{port}" in output


def test_check_reports_the_connected_user(emulator):
    lines = []
    assert run_check(emulator_env(emulator), out=lines.append) == 0
    assert lines == ["Connected to Looker as Emulator Service (service@looker-emulator.local)"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"LOOKERSDK_CLIENT_SECRET": "s3cr3t-given-value"}, "refused the credentials"),
        ({"LOOKERSDK_BASE_URL": "http://127.0.0.1:{port}"}, "LOOKER_PORT"),
        ({"LOOKERSDK_BASE_URL": "http://no-such-host.invalid"}, "does not resolve"),
        ({"LOOKERSDK_CLIENT_ID": ""}, "LOOKERSDK_CLIENT_ID"),
    ],
)
def test_check_names_the_one_problem(emulator, change, expected):
    change = {k: v.format(port=free_port()) for k, v in change.items()}
    lines = []
    assert run_check({**emulator_env(emulator), **change}, out=lines.append) == 1
    assert len(lines) == 1 and expected in lines[0]
    assert "s3cr3t-given-value" not in lines[0]


def test_check_spots_a_host_that_is_not_looker(emulator):
    server = make_server("127.0.0.1", 0, Flask("not-looker"))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    lines = []
    env = {**emulator_env(emulator), "LOOKERSDK_BASE_URL": f"http://127.0.0.1:{server.server_port}"}
    try:
        assert run_check(env, out=lines.append) == 1
    finally:
        server.shutdown()
    assert "not with Looker API 4.0" in lines[0]


def test_check_lists_the_embed_explores_that_do_not_narrow_rows_per_user(emulator):
    lines = []
    env = {**emulator_env(emulator), "USER_ATTRIBUTES": "brand=brand", "EMBED_MODELS": "thelook"}
    assert run_check(env, out=lines.append) == 0
    warning = next(line for line in lines if line.startswith("Warning:"))
    assert "thelook/orders" in warning and "thelook/users" in warning
    assert "thelook/order_items" not in warning and "thelook/products" not in warning
