"""The demo as a newcomer meets it: its emulator's port and log, and the shipped reports run against it."""

import email
import email.policy
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from app.demo import PREFIX, free_port

ROOT = Path(__file__).resolve().parents[1]


def _env(**extra) -> dict:
    """Return a clean environment with no Looker settings at all."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    return {**keep, "LOG_LEVEL": "warning", **{k: str(v) for k, v in extra.items()}}


def test_reports_list_needs_no_looker_settings():
    done = subprocess.run(
        [sys.executable, "-m", "app.reports", "list"], cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "weekly_sales: Weekly revenue by month" in done.stdout and "order_status" in done.stdout


@pytest.mark.parametrize(
    ("name", "files"),
    [
        ("weekly_sales", {".csv", ".eml", ".slack.json"}),
        ("daily_revenue", {".xlsx", ".eml"}),
        ("order_status", {".html", ".slack.json"}),
    ],
)
def test_the_shipped_reports_run_against_the_demo(tmp_path, name, files):
    port = free_port()
    done = subprocess.run(
        [sys.executable, "-m", "app.reports", "--demo", "run", name, "--dry-run", "--out", str(tmp_path)],
        cwd=ROOT,
        env=_env(DEMO_LOOKER_PORT=port),
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode == 0, done.stderr
    written = sorted(tmp_path.iterdir())
    assert {p.name.removeprefix(p.name.split(".")[0]) for p in written} == files
    assert f"Looker emulator serving API 4.0 on http://127.0.0.1:{port}" in done.stderr
    assert "Looker emulator" not in done.stdout and "Dry run, nothing sent" in done.stdout
    for path in written:
        if path.suffix == ".eml":
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            text = message.get_body(("plain",)).get_content()
            assert f"Open in Looker: http://127.0.0.1:{port}/" in text and message["Message-ID"]
        if path.name.endswith(".slack.json"):
            assert f"<http://127.0.0.1:{port}/" in json.loads(path.read_text())["text"]


def _run_demo(port: int, looker_port: int, out, err) -> None:
    """Start the demo, use it (one emulator crash included), and stop it."""
    demo = subprocess.Popen(
        [sys.executable, "-m", "app", "--demo"],
        cwd=ROOT,
        env=_env(PORT=port, DEMO_LOOKER_PORT=looker_port, LOG_LEVEL="info"),
        stdout=out,
        stderr=err,
        text=True,
    )
    looker = f"http://127.0.0.1:{looker_port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            assert demo.poll() is None and time.monotonic() < deadline, "the demo did not start"
            time.sleep(0.2)
        assert requests.get(f"http://127.0.0.1:{port}/api/looks/1", timeout=10).status_code == 200
        # a malformed fault crashes the emulator's next matching call: its own error, to be logged once
        requests.post(f"{looker}/__emulator/faults", json={"operation": "versions", "times": "x"}, timeout=5)
        assert requests.get(f"{looker}/api/4.0/versions", timeout=5).status_code == 500
        assert requests.get(f"{looker}/looks/2", timeout=5).status_code == 200  # the web page links lead to
    finally:
        demo.terminate()
        demo.wait(timeout=30)


def test_the_demo_emulator_port_is_chosen_and_its_log_kept_apart(tmp_path):
    port, looker_port = free_port(), free_port()
    with (tmp_path / "out").open("w") as out, (tmp_path / "err").open("w") as err:
        _run_demo(port, looker_port, out, err)
    stdout, stderr = (tmp_path / "out").read_text(), (tmp_path / "err").read_text()
    json_lines = [line for line in stdout.splitlines() if line.startswith("{")]
    assert json_lines and all(json.loads(line)["logger"] for line in json_lines)
    assert "looker-emulator" not in "\n".join(json_lines) and "Traceback" not in stdout + stderr
    emulator_lines = [line for line in stderr.splitlines() if line.startswith(PREFIX)]
    errors = [line for line in emulator_lines if "ERROR" in line]
    assert len(errors) == 1 and "GET /api/4.0/versions answered 500: TypeError" in errors[0]
    assert f"on http://127.0.0.1:{looker_port}" in emulator_lines[0]
