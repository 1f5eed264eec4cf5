"""The baseline for the cache benchmark: a bare Flask endpoint returning fixed bytes, nothing else."""

import os
from pathlib import Path

from flask import Flask, Response

BODY = Path(os.environ["BENCH_BODY_FILE"]).read_bytes()
app = Flask(__name__)


@app.post("/api/query")
def bare_query():
    """Return the same bytes the service's cache hit returns."""
    return Response(BODY, content_type="application/json")
