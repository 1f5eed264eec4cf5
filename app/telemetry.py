"""Prometheus counters for the cache and Looker: one registry per app, summed over gunicorn's workers.

Under gunicorn, gunicorn.conf.py sets PROMETHEUS_MULTIPROC_DIR before anything imports prometheus_client, so
every worker writes its values there and /metrics reports the sum over workers, whichever one answers.
"""

from __future__ import annotations

import os

from .cache.entry import STATUSES

# prometheus_client is imported inside Telemetry, not here: it fixes its storage (memory or the multiprocess
# folder) when first imported, and `python -m app` imports this package before gunicorn.conf.py sets the folder.


class Telemetry:
    """What operators watch: cache outcomes, refreshes, datagroups, coalesced waits, Looker latency and errors."""

    def __init__(self):
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry()
        self.cache = Counter(
            "looker_proxy_cache_total",
            "Cached requests by outcome (hit, miss, stale, coalesced, bypass)",
            ["result"],
            registry=self.registry,
        )
        self.coalesced = Counter(
            "looker_proxy_coalesced_waits_total",
            "Requests that waited for an identical request already asking Looker",
            registry=self.registry,
        )
        self.looker_seconds = Histogram(
            "looker_proxy_looker_call_seconds",
            "Looker call latency",
            ["operation"],
            registry=self.registry,
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
        )
        self.looker_errors = Counter(
            "looker_proxy_looker_errors_total",
            "Failed Looker calls by the status we answered",
            ["status"],
            registry=self.registry,
        )
        self.cache_bytes = Gauge(
            "looker_proxy_cache_bytes",
            "Bytes of bodies in the in-process caches",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.datagroup_polled = Gauge(
            "looker_proxy_datagroup_last_poll_timestamp_seconds",
            "When Looker's datagroups were last read (UNIX time)",
            registry=self.registry,
            multiprocess_mode="max",
        )
        self.datagroup_triggered = Gauge(
            "looker_proxy_datagroup_triggered_timestamp_seconds",
            "Latest trigger of any datagroup of a model (Looker's triggered_at or stale_before, UNIX time)",
            ["model"],
            registry=self.registry,
            multiprocess_mode="max",
        )
        self.datagroup_errors = Counter(
            "looker_proxy_datagroup_poll_errors_total",
            "Failed reads of Looker's datagroups",
            registry=self.registry,
        )
        self.refreshes = Counter(
            "looker_proxy_cache_refreshes_total",
            "Background refreshes of stale entries (stale-while-revalidate) by result",
            ["result"],
            registry=self.registry,
        )
        self.outcomes = {
            name: self.cache.labels(name.lower())  # labelled once, not per request
            for name in STATUSES
        }

    def exposition(self) -> bytes:
        """Return the counters in Prometheus text: every worker's, summed, under gunicorn."""
        from prometheus_client import CollectorRegistry, generate_latest, multiprocess

        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)
