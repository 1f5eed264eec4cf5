"""The zero-credential demo: start the bundled Looker emulator and point the service (or the reports) at it.

The emulator runs as a child process on DEMO_LOOKER_PORT (default: a free port). Everything it prints goes
to stderr, each line prefixed `looker-emulator | `, so the service's JSON log lines on stdout stay clean.
"""

from __future__ import annotations

import atexit
import socket
import subprocess
import sys
import threading
import time
from collections.abc import MutableMapping
from typing import IO

import requests

from looker_emulator.state import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

from .config import demo_looker_port

PREFIX = "looker-emulator | "


def free_port() -> int:
    """Return a loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _relay(stream: IO[str], out: IO[str]) -> None:
    for line in stream:
        out.write(PREFIX + line)
        out.flush()


def start_emulator(
    env: MutableMapping[str, str], wait_seconds: float = 15.0, embed_token_ttl: int | None = None
) -> str:
    """Start the emulator, wait until it answers, and point env's Looker settings at it; return its URL."""
    port = demo_looker_port(env) or free_port()
    extra = ["--embed-token-ttl", str(embed_token_ttl)] if embed_token_ttl else []
    emulator = subprocess.Popen(
        [sys.executable, "-u", "-m", "looker_emulator", "--port", str(port), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    atexit.register(emulator.terminate)
    threading.Thread(target=_relay, args=(emulator.stdout, sys.stderr), name="emulator-log", daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            requests.get(f"{url}/api/4.0/versions", timeout=1)
            break
        except requests.RequestException:
            if emulator.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"looker-proxy: the Looker emulator did not start on port {port}") from None
            time.sleep(0.1)
    env.update(
        {
            "LOOKERSDK_BASE_URL": url,
            "LOOKERSDK_CLIENT_ID": DEFAULT_CLIENT_ID,
            "LOOKERSDK_CLIENT_SECRET": DEFAULT_CLIENT_SECRET,
            "LOOKERSDK_VERIFY_SSL": "false",
            "LOOKER_WEB_URL": url,  # the emulator serves /looks/<id> and /explore/... pages too
        }
    )
    return url


def start_demo(env: MutableMapping[str, str], wait_seconds: float = 15.0, embed_token_ttl: int | None = None) -> str:
    """Start the emulator and set the demo's settings in env, for the service."""
    url = start_emulator(env, wait_seconds, embed_token_ttl)
    env.setdefault("ALLOW_ANONYMOUS", "true")
    env.setdefault("CORS_ORIGINS", "http://localhost:*")
    env.setdefault("EMBED_MODELS", "thelook,finance")
    env.setdefault("DEMO_PAGE", "true")
    api = f"http://localhost:{env.get('PORT', '3000')}"
    print(
        f"Demo: Looker emulator on {url} (its log: lines starting '{PREFIX.strip()}' on stderr); "
        f"the API will listen on {api}\n"
        f"Try:  curl -s {api}/api/query -H 'Content-Type: application/json' "
        """-d '{"model":"thelook","view":"orders","fields":["orders.status","orders.count"]}'""",
        flush=True,
    )
    return url
