"""Looker Proxy: a JSON API in front of Looker. `create_app` reads as the service's table of contents."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Flask

from . import errors, logs, services
from .cache import datagroups, fast_path
from .config import Settings
from .metrics.catalog import load_catalog
from .security import headers, identity, limits

MAX_BODY_BYTES = 64 * 1024


def load_settings(env=None) -> Settings:
    """Read the settings and check the files they name; raise ConfigError naming the first problem."""
    settings = Settings.from_env(env)
    load_catalog(settings.metrics_file, settings.metrics_file_required)
    return settings


def create_app(settings: Settings | None = None, *, clock: Callable[[], float] = time.time) -> Flask:
    """Build the service; no network call and no Looker login happen here."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY_BYTES)
    app.json.sort_keys = False
    parts = services.build_services(settings, clock)
    services.init_app(app, parts)

    logs.init_app(app)
    identity.init_app(app, settings, parts.verifier)
    limits.init_app(app, parts.limits)  # after identity: limits are counted per authenticated caller
    headers.init_app(app, settings)
    errors.init_app(app)
    datagroups.init_app(app, parts.datagroups)  # polling starts with the worker's first request, not here

    from .api import BLUEPRINTS

    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    fast_path.wrap(app, parts)  # fresh hits of POST /api/query skip Flask's request machinery
    return app
