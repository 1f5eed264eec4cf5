"""The baseline: a bare Flask app with one route per measured path, each returning that path's fixed answer.

BENCH_BARE_SPEC names a JSON file {name: {method, status, content_type, headers, body_file}} written by
bench_cache from the service's own answers, so each bare route serves the same status, bytes and content type
at /bare/<name>. Nothing else runs: no middleware, no hooks, no cache.
"""

import json
import os
from pathlib import Path

from flask import Flask, Response

app = Flask(__name__)


def _route(name: str, spec: dict):
    body = Path(spec["body_file"]).read_bytes() if spec["body_file"] else b""
    status, content_type, headers = spec["status"], spec["content_type"], spec["headers"]

    def answer():
        """Return the fixed answer of one measured path."""
        response = Response(body, status=status, headers=headers, content_type=content_type)
        if content_type is None:
            del response.headers["Content-Type"]
        return response

    app.add_url_rule(f"/bare/{name}", f"bare_{name}", answer, methods=[spec["method"]])


for _name, _spec in json.loads(Path(os.environ["BENCH_BARE_SPEC"]).read_text()).items():
    _route(_name, _spec)
