"""The zero-credential demo: start the bundled Looker emulator and point the service at it."""

from __future__ import annotations

import atexit
import socket
import subprocess
import sys
import time
from collections.abc import MutableMapping

import requests

from looker_emulator.state import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET


def free_port() -> int:
    """Return a loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_demo(env: MutableMapping[str, str], wait_seconds: float = 15.0, embed_token_ttl: int | None = None) -> str:
    """Start the emulator on a free port, wait until it answers, and set the demo's settings in env."""
    port = free_port()
    extra = ["--embed-token-ttl", str(embed_token_ttl)] if embed_token_ttl else []
    emulator = subprocess.Popen(
        [sys.executable, "-m", "looker_emulator", "--port", str(port), *extra], stdout=subprocess.DEVNULL
    )
    atexit.register(emulator.terminate)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            requests.get(f"{url}/api/4.0/versions", timeout=1)
            break
        except requests.RequestException:
            if emulator.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("looker-proxy: the Looker emulator did not start") from None
            time.sleep(0.1)
    env.update(
        {
            "LOOKERSDK_BASE_URL": url,
            "LOOKERSDK_CLIENT_ID": DEFAULT_CLIENT_ID,
            "LOOKERSDK_CLIENT_SECRET": DEFAULT_CLIENT_SECRET,
            "LOOKERSDK_VERIFY_SSL": "false",
            "LOOKER_WEB_URL": url,  # the emulator serves its embed pages on the API's own port
        }
    )
    env.setdefault("ALLOW_ANONYMOUS", "true")
    env.setdefault("CORS_ORIGINS", "http://localhost:*")
    env.setdefault("EMBED_MODELS", "thelook,finance")
    env.setdefault("DEMO_PAGE", "true")
    api = f"http://localhost:{env.get('PORT', '3000')}"
    print(
        f"Demo: Looker emulator on {url}; the API will listen on {api}\n"
        f"Try:  curl -s {api}/api/query -H 'Content-Type: application/json' "
        """-d '{"model":"thelook","view":"orders","fields":["orders.status","orders.count"]}'""",
        flush=True,
    )
    return url
