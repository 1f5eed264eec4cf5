"""The proxy a tutorial gives, as the yardstick the service is measured against: Looker on every request.

One Flask route: read the JSON body, call `sdk.run_inline_query("json", WriteQuery(...))`, `json.loads` the
answer and `jsonify` it back. No cache, no coalescing, no validation beyond what the SDK does. The SDK reads
LOOKERSDK_BASE_URL, LOOKERSDK_CLIENT_ID and LOOKERSDK_CLIENT_SECRET from the environment.
"""

import json

import looker_sdk
from flask import Flask, jsonify, request
from looker_sdk import models40

app = Flask(__name__)
sdk = looker_sdk.init40()


@app.post("/api/query")
def run_query():
    """Ask Looker the posted question and pass its rows back."""
    asked = request.get_json()
    query = models40.WriteQuery(
        model=asked["model"],
        view=asked["view"],
        fields=asked["fields"],
        filters=asked.get("filters"),
        sorts=asked.get("sorts"),
        limit=str(asked.get("limit", 500)),
    )
    rows = json.loads(sdk.run_inline_query("json", query))
    return jsonify(rows)
