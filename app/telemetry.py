"""Prometheus counters for the cache and Looker, one registry per app (and so per worker process)."""

from __future__ import annotations

from flask import Flask
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    """What operators watch: cache outcomes, coalesced waits, Looker latency and errors by status."""

    def __init__(self):
        self.registry = CollectorRegistry()
        self.cache = Counter("looker_proxy_cache_total", "Cached requests by outcome (hit, miss, stale, "
                             "coalesced, bypass)", ["result"], registry=self.registry)
        self.coalesced = Counter("looker_proxy_coalesced_waits_total", "Requests that waited for an identical "
                                 "request already asking Looker", registry=self.registry)
        self.looker_seconds = Histogram("looker_proxy_looker_call_seconds", "Looker call latency", ["operation"],
                                        registry=self.registry,
                                        buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
        self.looker_errors = Counter("looker_proxy_looker_errors_total", "Failed Looker calls by the status we "
                                     "answered", ["status"], registry=self.registry)
        self.cache_bytes = Gauge("looker_proxy_cache_bytes", "Bytes of bodies in the in-process cache",
                                 registry=self.registry)
        self.outcomes = {name: self.cache.labels(name.lower())  # labelled once, not per request
                         for name in ("HIT", "MISS", "STALE", "COALESCED", "BYPASS")}


def init_app(app: Flask) -> Metrics:
    """Give the app its own registry (several apps can live in one test process)."""
    metrics = app.extensions["telemetry"] = Metrics()
    return metrics
