"""The cookieless embed page's script in headless Chromium, talking chatty's protocol to a host page.

The host page plays @looker/embed-sdk's part as its source does: answer the Syn, answer the first
token request with the acquired tokens and later ones with generate_tokens, and record the events.
"""

import os
import shutil
import subprocess
import threading
from urllib.parse import quote

import looker_sdk
import pytest
from flask import Flask, jsonify
from werkzeug.serving import make_server

from looker_emulator import embed_pages
from looker_emulator.server import RunningEmulator
from looker_emulator.state import Config

from .helpers import CHROMIUM_FLAGS, EmulatorSdkSettings

HOST_PAGE = """<!doctype html><html><body><pre id="log"></pre><script>
var log = document.getElementById("log"), port = null;
function note(text) { log.textContent += text + "\\n"; }
window.addEventListener("message", function (evt) {
  if (!evt.data || evt.data.action !== 0 || !evt.ports.length) return;
  note("syn");
  port = evt.ports[0];
  port.onmessage = function (m) {
    var data = m.data.data || {};
    if (m.data.action === 1) note("ack");
    if (m.data.action !== 2) return;
    note("event " + data.eventName + " " + JSON.stringify(data.payload[0]));
    if (data.eventName === "session:tokens:request") {
      fetch("/tokens").then(function (r) { return r.json(); }).then(function (tokens) {
        note("sent " + tokens.api_token);
        port.postMessage({ action: 1, data: { eventName: "session:tokens", payload: [tokens] } });
      });
    }
  };
  port.postMessage({ action: 0, data: {} });
});
var frame = document.createElement("iframe");
frame.src = "IFRAME_URL";
document.body.appendChild(frame);
</script></body></html>"""


def _chromium():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed (CI must install it; see .ci/run)")
        pytest.skip("chromium is not installed")
    return chromium


def test_the_page_asks_its_parent_for_tokens_and_reloads_with_fresh_ones(tmp_path, monkeypatch):
    chromium = _chromium()
    emulator = RunningEmulator(Config(embed_token_ttl=4)).start()
    host = Flask(__name__)
    server = make_server("127.0.0.1", 0, host, threaded=True)
    origin = f"http://127.0.0.1:{server.server_port}"
    sdk = looker_sdk.init40(config_settings=EmulatorSdkSettings(emulator.url))
    session = sdk.acquire_embed_cookieless_session({"external_user_id": "u", "session_length": 600})
    handed = []

    @host.get("/tokens")
    def tokens():
        if handed:  # as the SDK does: the acquired tokens first, generated ones after
            fresh = sdk.generate_tokens_for_cookieless_session(
                {"session_reference_token": session.session_reference_token}
            )
        else:
            fresh = session
        handed.append(fresh.api_token)
        keys = ("api_token", "api_token_ttl", "navigation_token", "navigation_token_ttl", "session_reference_token_ttl")
        return jsonify({key: getattr(fresh, key) for key in keys})

    src = f"/embed/looks/1?embed_domain={origin}&sdk=3&embed_navigation_token={session.navigation_token}"
    iframe = (
        f"{emulator.url}/login/embed/{quote(src, safe='')}?embed_authentication_token={session.authentication_token}"
    )

    @host.get("/")
    def index():
        return HOST_PAGE.replace("IFRAME_URL", iframe)

    loads = []
    original = embed_pages.content
    monkeypatch.setattr(embed_pages, "content", lambda target, viewer: loads.append(target) or original(target, viewer))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        done = subprocess.run(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={tmp_path}",
                "--virtual-time-budget=7000",
                "--dump-dom",
                origin,
            ],
            capture_output=True,
            text=True,
            timeout=90,
        )
    finally:
        server.shutdown()
        emulator.stop()
    log = done.stdout
    assert "syn" in log and "ack" in log, done.stderr[-2000:]
    assert 'event page:changed {"type":"page:changed","page":{"type":"look"' in log
    assert log.count("event session:tokens:request") >= 2 and len(handed) >= 2
    assert '"session:status"' in log and '"expired":false' in log
    assert len(loads) >= 2 and loads[1].startswith("/embed/looks/1")  # the data came again with the new token
