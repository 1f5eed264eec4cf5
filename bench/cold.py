"""Time a cold 6-tile dashboard against one Looker call: plan, then every tile at once, is two round trips.

Each sample starts a fresh service (one worker, so the login done before timing is the worker's own), logs it
in to Looker through /readyz, then times the first GET /api/dashboards/1/data (plan and six tiles unknown),
and a second one with new filter values (plan known, six tiles unknown). Looker's dashboard call gets the
same latency as a query here, as a real Looker's would; the emulator adds it to queries only by default.
"""

from __future__ import annotations

import statistics
import time

import requests

from app.demo import free_port

from .servers import Fleet, gunicorn

DASHBOARD = "1"
TILES = 6


def _timed_get(url: str) -> float:
    started = time.perf_counter()
    reply = requests.get(url, timeout=60)
    elapsed = (time.perf_counter() - started) * 1000
    reply.raise_for_status()
    elements = reply.json()["elements"]
    assert len(elements) == TILES and not any("error" in e for e in elements), reply.text[:500]
    return elapsed


def cold_dashboards(fleet: Fleet, env: dict, emulator: str, looker_ms: int, samples: int) -> dict[str, list[float]]:
    """Return the cold and new-filter times (ms) of `samples` fresh services."""
    fault = requests.post(f"{emulator}/__emulator/faults", json={"operation": "dashboard", "latency_ms": looker_ms})
    fault.raise_for_status()
    timings: dict[str, list[float]] = {"cold": [], "new filters": []}
    try:
        for index in range(samples):
            port = free_port()
            service = f"http://127.0.0.1:{port}"
            process = fleet.start(
                gunicorn(), {**env, "PORT": str(port), "WEB_CONCURRENCY": "1"}, probe=f"{service}/healthz"
            )
            try:
                requests.get(f"{service}/readyz", timeout=30).raise_for_status()
                timings["cold"].append(_timed_get(f"{service}/api/dashboards/{DASHBOARD}/data"))
                months = f"{index + 2} months"  # a Date no sample asked before: all six tiles are new questions
                timings["new filters"].append(
                    _timed_get(f"{service}/api/dashboards/{DASHBOARD}/data?Date={months.replace(' ', '+')}")
                )
            finally:
                fleet.stop_one(process)
    finally:
        requests.delete(f"{emulator}/__emulator/faults").raise_for_status()
        if looker_ms:  # clearing removed the emulator's own query latency too; put it back
            requests.post(
                f"{emulator}/__emulator/faults", json={"operation": "queries", "latency_ms": looker_ms}
            ).raise_for_status()
    return timings


def one_looker_call_ms(sdk, query: dict, count: int) -> float:
    """Return the median time of a new inline query called straight through the SDK."""
    times = []
    for index in range(count):
        started = time.perf_counter()
        sdk.run_inline_query("json", {**query, "limit": str(700 + index)})
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)
