"""What the benchmark measures: each cached answer a real caller asks for, and the request that answers it."""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt
import orjson

from .load import Target

ORIGIN = "http://localhost:5173"  # listed in the service's CORS_ORIGINS
JWT_SECRET = "bench-only-secret-0123456789abcdef-0123456789"  # the services run with it as JWT_SECRET
QUERY = {
    "model": "thelook",
    "view": "order_items",
    "fields": ["products.brand", "products.category", "order_items.count", "order_items.total_sale_price"],
    "limit": 200,
}
BIG_QUERY = {
    "model": "thelook",
    "view": "order_items",
    "fields": ["order_items.id", "order_items.order_id", "products.brand", "order_items.sale_price"],
    "sorts": ["order_items.id"],
    "limit": 5000,
}
JSON = {"Content-Type": "application/json"}


@dataclass
class Row:
    """One line of the table: a request to the service, and what it must reach against its reference."""

    name: str
    label: str
    measured: Target
    goal: float  # the least ratio of requests/s that meets the target
    reference: str = "bare"  # "bare": the bare route serving the same answer; "hit": the service's own hit
    against_reference: bool = False  # the ratio is the reference over the measured (how many times faster)


def bench_token() -> str:
    """Mint the HS256 token a signed-in front end would send (valid for an hour)."""
    return jwt.encode({"sub": "bench-user", "exp": int(time.time()) + 3600}, JWT_SECRET, algorithm="HS256")


def rows(service: str, redis_service: str, naive: str, metric: str) -> list[Row]:
    """Return every row, measured against the services at these base URLs."""
    body, big = orjson.dumps(QUERY), orjson.dumps(BIG_QUERY)

    def query(base: str = service, payload: bytes = body, **headers) -> Target:
        return Target(f"{base}/api/query", "POST", payload, {**JSON, **headers})

    return [
        Row("query", "`POST /api/query` hit, no Origin", query(), 0.8),
        Row("origin", "the same from a browser (`Origin` listed in `CORS_ORIGINS`)", query(Origin=ORIGIN), 0.8),
        Row("look", "`GET /api/looks/1` hit", Target(f"{service}/api/looks/1"), 0.8),
        Row("dashboard", "`GET /api/dashboards/1/data`, warm", Target(f"{service}/api/dashboards/1/data"), 0.8),
        Row("metric", f"`GET /api/metrics/{metric}`, warm", Target(f"{service}/api/metrics/{metric}"), 0.8),
        Row("redis", "`POST /api/query` hit with `REDIS_URL` (two workers)", query(redis_service), 0.8),
        Row("big", "`POST /api/query` hit of a 5,000-row answer", query(payload=big), 0.8),
        Row("jwt", "`POST /api/query` hit, JWT caller (HS256)", query(Authorization=f"Bearer {bench_token()}"), 0.8),
        Row("weak304", '304, weak `If-None-Match` (`W/"…"`)', query(), 0.9),
        Row("strong304", "304, strong `If-None-Match`", query(), 0.9),
        Row(
            "naive",
            "the service's hit over the naive proxy (one repeated query)",
            query(naive),
            20.0,
            reference="hit",
            against_reference=True,
        ),
    ]


def add_validators(table: list[Row], etag: str) -> None:
    """Give the two 304 rows the ETag the service sent, weak and strong, and say they expect 304."""
    for row in table:
        if row.name in ("weak304", "strong304"):
            row.measured.headers["If-None-Match"] = f"W/{etag}" if row.name == "weak304" else etag
            row.measured.status = 304
