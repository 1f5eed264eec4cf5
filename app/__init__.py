"""Looker Proxy: a JSON API in front of Looker. `create_app` reads as the service's table of contents."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Flask

from . import errors, routing, services
from .cache import datagroups
from .config import Settings
from .frontdoor import door
from .metrics.catalog import load_catalog
from .security import body

MAX_BODY_BYTES = 64 * 1024


def load_settings(env=None) -> Settings:
    """Read the settings and check the files they name; raise ConfigError naming the first problem."""
    settings = Settings.from_env(env)
    load_catalog(settings.metrics_file, settings.metrics_file_required)
    return settings


def create_app(
    settings: Settings | None = None, *, clock: Callable[[], float] = time.time, fast_answers: bool = True
) -> Flask:
    """Build the service; no network call and no Looker login happen here.

    `fast_answers=False` (tests only) sends every request through its route, to prove both give one answer.
    """
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY_BYTES)
    app.json.sort_keys = False
    parts = services.build_services(settings, clock)
    services.init_app(app, parts)

    errors.init_app(app)
    routing.init_app(app)  # before the blueprints: their rules take the map's converters and slash rules
    datagroups.init_app(app, parts.datagroups)  # polling starts with the worker's first request, not here

    from .api import BLUEPRINTS, FAST_ANSWERS

    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    if settings.demo_page:
        from .api import demo

        app.register_blueprint(demo.bp)
    body.wrap(app, MAX_BODY_BYTES)  # a chunked body gets a size, so past 64 KiB it is 413 like any other
    door.wrap(app, parts, FAST_ANSWERS if fast_answers else {})  # every request passes it; fresh hits skip Flask
    return app
