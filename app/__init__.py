"""Looker Proxy: a JSON API in front of Looker. `create_app` reads as the service's table of contents."""

from __future__ import annotations

import time

from flask import Flask

from . import auth, errors, logs
from . import looker as looker_client
from .config import Settings

MAX_BODY_BYTES = 64 * 1024


def create_app(settings: Settings | None = None, *, clock=time.monotonic) -> Flask:
    """Build the service; no network call and no Looker login happen here."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY_BYTES, JSON_SORT_KEYS=False)
    app.json.sort_keys = False
    app.extensions["settings"] = settings
    app.extensions["clock"] = clock

    logs.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    looker_client.init_app(app, settings)

    from .api import dashboards, health, looks, query

    for blueprint in (health.bp, query.bp, looks.bp, dashboards.bp):
        app.register_blueprint(blueprint)
    return app
