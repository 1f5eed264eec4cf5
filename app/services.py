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

from .cache.datagroups import DatagroupPoller
from .cache.keys import Memo, ParsedQueries
from .cache.redis_store import RedisStore
from .cache.store import ResultCache
from .config import Settings
from .frontdoor.state import add_looker_ms
from .looker.client import LookerClient
from .looker.cookieless import CookielessSessions
from .looker.cookieless_store import MemorySessions, RedisSessions
from .looker.readiness import Readiness
from .looker.users import UserSessions
from .metrics.catalog import Catalog, load_catalog
from .security.identity import TokenVerifier
from .security.limits import RateLimits
from .telemetry import Telemetry

KEY = "looker_proxy"
META_TTL = 60  # model and explore descriptions change with LookML deploys; a minute is fresh enough
META_MAX_BYTES = 16 * 1024 * 1024
ASSEMBLED_ENTRIES = 256
RENDER_JOBS_MAX_BYTES = 1024 * 1024  # a job record is about 60 bytes


@dataclass
class Services:
    """Everything one app shares between its requests."""

    settings: Settings
    clock: Callable[[], float]
    telemetry: Telemetry
    looker: LookerClient
    cache: ResultCache  # query results, Looks, tiles, metrics
    meta_cache: ResultCache  # models, explores, dashboard plans, a Look's model
    render_jobs: ResultCache  # the Looker render task of each distinct render in flight (renders' single-flight)
    limits: RateLimits
    verifier: TokenVerifier
    catalog: Catalog
    queries: ParsedQueries  # validated query bodies and Look parameters, by their raw bytes
    assembled: Memo  # whole answers built from cached entries (dashboards, metric series)
    readiness: Readiness
    datagroups: DatagroupPoller  # ends freshness of a model's results when Looker's data changes
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
            lifetime=settings.cache_ttl + max(settings.cache_stale_seconds, settings.cache_swr_seconds),
        )
        if settings.redis_url
        else None
    )
    if settings.user_attributes:
        looker.users = UserSessions(settings, looker, clock)
    wait = settings.looker_timeout + 1
    cache = ResultCache(
        settings.cache_ttl,
        settings.cache_stale_seconds,
        settings.cache_max_bytes,
        wait,
        clock,
        shared=shared,
        telemetry=telemetry,
        swr_seconds=settings.cache_swr_seconds,
    )
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
        cache=cache,
        meta_cache=ResultCache(META_TTL, settings.cache_stale_seconds, META_MAX_BYTES, wait, clock),
        render_jobs=ResultCache(
            settings.render_timeout,
            0,  # a render past RENDER_TIMEOUT is failed, never stood in for
            RENDER_JOBS_MAX_BYTES,
            wait,
            clock,
            shared=RedisStore(
                settings.redis_url,
                namespace=settings.looker_base_url + " render jobs",
                lifetime=settings.render_timeout,
            )
            if settings.redis_url
            else None,
        ),
        limits=RateLimits(settings),
        verifier=TokenVerifier(settings),
        catalog=load_catalog(settings.metrics_file, settings.metrics_file_required),
        queries=ParsedQueries(),
        assembled=Memo(ASSEMBLED_ENTRIES),
        readiness=Readiness(looker, clock),
        datagroups=DatagroupPoller(
            lambda: looker.call("Looker's datagroups", lambda sdk: sdk.all_datagroups()),
            cache,
            settings.datagroup_poll_seconds,
            clock,
            shared=shared,
            telemetry=telemetry,
        ),
        cookieless=CookielessSessions(settings, looker, sessions),
    )


def init_app(app: Flask, parts: Services) -> None:
    """Keep the app's services under its one extension key."""
    app.extensions[KEY] = parts


def services(app: Flask | None = None) -> Services:
    """Return the services of the given app, or of the current one."""
    return (app or current_app).extensions[KEY]
