"""/openapi.json describes every route; /docs renders it offline, checked in a real headless Chromium."""

import os
import shutil
import subprocess
import threading

import pytest
from openapi_spec_validator import validate
from werkzeug.serving import make_server

from .helpers import CHROMIUM_FLAGS


def test_openapi_is_valid_3_1_and_needs_no_credentials(app):
    reply = app.test_client().get("/openapi.json")
    document = reply.get_json()
    assert reply.status_code == 200 and document["openapi"] == "3.1.0"
    validate(document)


def test_every_route_is_documented(app):
    document = app.test_client().get("/openapi.json").get_json()
    documented = {(path, method.upper()) for path, ops in document["paths"].items() for method in ops}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "docs.docs_asset"):
            continue
        path = rule.rule.replace("<int(max=9007199254740991):", "{").replace("<", "{").replace(">", "}")
        routed |= {(path, method) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routed == documented


def test_limit_maximum_follows_max_rows(make_app):
    document = make_app(MAX_ROWS="250").test_client().get("/openapi.json").get_json()
    assert document["components"]["schemas"]["QueryRequest"]["properties"]["limit"]["maximum"] == 250


def test_every_operation_documents_its_errors_as_problems(app):
    document = app.test_client().get("/openapi.json").get_json()
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            assert {"405", "500"} <= set(op["responses"]), (method, path)
            for status, answer in op["responses"].items():
                if int(status) >= 400:
                    assert "application/problem+json" in answer["content"], (method, path, status)


def test_docs_page_and_assets_are_served_locally(app):
    web = app.test_client()
    page = web.get("/docs")
    assert page.status_code == 200 and page.content_type == "text/html; charset=utf-8"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert b'src="/docs/docs.js"' in page.data and b"http" not in page.data.split(b"<body>")[1]
    assert web.get("/docs/docs.js").status_code == 200


def test_docs_page_renders_in_headless_chromium(app, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed (CI must install it; see .ci/run)")
        pytest.skip("chromium is not installed")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        done = subprocess.run(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={tmp_path}",
                "--virtual-time-budget=8000",
                "--dump-dom",
                f"http://127.0.0.1:{server.server_port}/docs",
            ],
            capture_output=True,
            text=True,
            timeout=90,
        )
    finally:
        server.shutdown()
    dom = done.stdout
    assert 'data-ready="true"' in dom, done.stderr[-2000:]
    assert "Looker Proxy" in dom and "/api/query_tasks/{task_id}/results" in dom
    assert "Run a Looker query" in dom and "application/problem+json" in dom


def test_the_demo_page_is_served_and_documented_only_when_asked_for(make_app):
    plain, demo = make_app().test_client(), make_app(DEMO_PAGE="true").test_client()
    assert plain.get("/demo/").status_code == 404 and "/demo/" not in plain.get("/openapi.json").get_json()["paths"]
    page = demo.get("/demo/", headers={})  # no credentials: the page is public, its API calls are not
    assert page.status_code == 200 and page.content_type.startswith("text/html")
    assert "/demo/" in demo.get("/openapi.json").get_json()["paths"]
