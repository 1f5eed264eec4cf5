"""The parts of one app (Looker client, caches, limits, telemetry...), built once and reached one way.

`create_app` builds a `Services` eagerly and keeps it under one extension key; everything else reaches it
through `services()`. Nothing here calls the network: the Looker client logs in, and Redis connects, on
first use in the worker (gunicorn forks after the app is built).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import orjson
from flask import Flask, current_app

from .cache.keys import ParsedQueries
from .cache.redis_store import RedisStore
from .cache.store import ResultCache
from .config import Settings
from .logs import add_looker_ms
from .looker.client import LookerClient
from .looker.cookieless import CookielessSessions
from .looker.cookieless_store import MemorySessions, RedisSessions
from .looker.readiness import Readiness
from .metrics.catalog import Catalog, load_catalog
from .security.identity import TokenVerifier
from .security.limits import RateLimits
from .telemetry import Telemetry

KEY = "looker_proxy"
META_TTL = 60  # model and explore descriptions change with LookML deploys; a minute is fresh enough
META_MAX_BYTES = 16 * 1024 * 1024


@dataclass
class Services:
    """Everything one app shares between its requests."""

    settings: Settings
    clock: Callable[[], float]
    telemetry: Telemetry
    looker: LookerClient
    cache: ResultCache  # query results, Looks, tiles, metrics
    meta_cache: ResultCache  # models, explores, dashboard plans, a Look's model
    limits: RateLimits
    verifier: TokenVerifier
    catalog: Catalog
    queries: ParsedQueries  # validated query bodies, by raw bytes
    readiness: Readiness
    cookieless: CookielessSessions  # embed sessions' reference tokens, per (caller, User-Agent)

    @cached_property
    def openapi(self) -> bytes:
        """Return the OpenAPI document, built on first request."""
        from .openapi import build

        return orjson.dumps(build(self.settings))


def build_services(settings: Settings, clock: Callable[[], float]) -> Services:
    """Build the parts of one app from its settings; no network call happens here."""
    telemetry = Telemetry()
    looker = LookerClient(
        settings, pool_size=settings.threads + 8, telemetry=telemetry, clock=clock, on_call=add_looker_ms
    )
    shared = (
        RedisStore(
            settings.redis_url,
            namespace=settings.looker_base_url,
            lifetime=settings.cache_ttl + settings.cache_stale_seconds,
        )
        if settings.redis_url
        else None
    )
    wait = settings.looker_timeout + 1
    sessions = (
        RedisSessions(settings.redis_url, namespace=settings.looker_base_url)
        if settings.redis_url
        else MemorySessions(clock)
    )
    return Services(
        settings=settings,
        clock=clock,
        telemetry=telemetry,
        looker=looker,
        cache=ResultCache(
            settings.cache_ttl,
            settings.cache_stale_seconds,
            settings.cache_max_bytes,
            wait,
            clock,
            shared=shared,
            telemetry=telemetry,
        ),
        meta_cache=ResultCache(META_TTL, settings.cache_stale_seconds, META_MAX_BYTES, wait, clock),
        limits=RateLimits(settings),
        verifier=TokenVerifier(settings),
        catalog=load_catalog(settings.metrics_file, settings.metrics_file_required),
        queries=ParsedQueries(),
        readiness=Readiness(looker, clock),
        cookieless=CookielessSessions(settings, looker, sessions),
    )


def init_app(app: Flask, parts: Services) -> None:
    """Keep the app's services under its one extension key."""
    app.extensions[KEY] = parts


def services(app: Flask | None = None) -> Services:
    """Return the services of the given app, or of the current one."""
    return (app or current_app).extensions[KEY]
