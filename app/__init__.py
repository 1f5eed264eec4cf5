"""Looker Proxy: a JSON API in front of Looker. `create_app` reads as the service's table of contents."""

from __future__ import annotations

import time

from flask import Flask

from . import auth, cache, errors, guard, hit_path, logs, telemetry
from . import looker as looker_client
from .catalog import load_catalog
from .config import Settings
from .redis_store import RedisStore

MAX_BODY_BYTES = 64 * 1024


def load_settings(env=None) -> Settings:
    """Read the settings and check the files they name; raise ConfigError naming the first problem."""
    settings = Settings.from_env(env)
    load_catalog(settings.metrics_file, settings.metrics_file_required)
    return settings


def create_app(settings: Settings | None = None, *, clock=time.time) -> Flask:
    """Build the service; no network call and no Looker login happen here."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY_BYTES, JSON_SORT_KEYS=False)
    app.json.sort_keys = False
    app.extensions["settings"] = settings
    app.extensions["clock"] = clock
    app.extensions["catalog"] = load_catalog(settings.metrics_file, settings.metrics_file_required)

    logs.init_app(app)
    auth.init_app(app, settings)
    guard.init_app(app, settings)  # after auth: limits are counted per authenticated caller
    errors.init_app(app)
    telemetry.init_app(app)
    looker_client.init_app(app, settings)
    shared = (
        RedisStore(
            settings.redis_url,
            namespace=settings.looker_base_url,
            lifetime=settings.cache_ttl + settings.cache_stale_seconds,
        )
        if settings.redis_url
        else None
    )
    cache.init_app(app, settings, clock, shared)

    from .api import dashboard_data, dashboards, demo, docs, embed, health, looks, metrics, models, ops, query, tasks

    for blueprint in (
        health.bp,
        query.bp,
        tasks.bp,
        looks.bp,
        dashboards.bp,
        dashboard_data.bp,
        models.bp,
        embed.bp,
        metrics.bp,
        ops.bp,
        docs.bp,
        demo.bp,
    ):
        app.register_blueprint(blueprint)
    hit_path.init_app(app)  # fresh hits of POST /api/query skip Flask's request machinery
    return app
