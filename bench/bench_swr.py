"""Stale-while-revalidate benchmark: the burst right after an entry expires, while Looker is slow.

    python bench/bench_swr.py [--looker-ms 800] [--burst 64] [--threads 16]

Starts the emulator with that latency on every query and two services under gunicorn.conf.py (one worker
each, so one in-process cache), one with CACHE_SWR_SECONDS and one without, both with CACHE_TTL=2. For each:
one request fills the cache, a burst of hits is timed, then the entry is left to expire and the same burst
is timed again. Prints p50 and p99 per burst and what X-Cache said. Everything runs on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.demo import free_port  # noqa: E402
from bench.bench_cache import QUERY, SERVER_CPU, start  # noqa: E402
from looker_emulator.state import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET  # noqa: E402

TTL = 2


def burst(url: str, count: int, threads: int) -> tuple[list[float], Counter]:
    """Send `count` identical queries from `threads` threads at once; return each latency (ms) and the X-Cache tally."""
    local = threading.local()
    gate = threading.Barrier(threads)

    def one(index: int) -> tuple[float, str]:
        if not hasattr(local, "session"):
            local.session = requests.Session()
            gate.wait()  # every thread starts together: a burst, not a trickle
        started = time.perf_counter()
        reply = local.session.post(url, json=QUERY, timeout=30)
        reply.raise_for_status()
        return (time.perf_counter() - started) * 1000, reply.headers["X-Cache"]

    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(one, range(count)))
    return [ms for ms, _ in results], Counter(status for _, status in results)


def p(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(share * 100) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--looker-ms", type=int, default=800)
    parser.add_argument("--burst", type=int, default=64)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()
    base_env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    emulator_port = free_port()
    looker_url = f"http://127.0.0.1:{emulator_port}"
    service_env = {
        **base_env,
        "LOOKERSDK_BASE_URL": looker_url,
        "LOOKERSDK_CLIENT_ID": DEFAULT_CLIENT_ID,
        "LOOKERSDK_CLIENT_SECRET": DEFAULT_CLIENT_SECRET,
        "ALLOW_ANONYMOUS": "true",
        "LOG_LEVEL": "warning",
        "RATE_LIMIT": "100000000/minute",
        "CACHE_TTL": str(TTL),
        "DATAGROUP_POLL_SECONDS": "0",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": str(args.threads),
    }
    processes = []
    try:
        emulator = [sys.executable, "-m", "looker_emulator", "--port", str(emulator_port)]
        processes.append(
            start([*emulator, "--latency-ms", str(args.looker_ms)], base_env, f"{looker_url}/api/4.0/versions")
        )
        print(f"Looker latency {args.looker_ms} ms; bursts of {args.burst} requests from {args.threads} threads")
        for label, swr in (("SWR on", "600"), ("SWR off", "0")):
            port = free_port()
            service = f"http://127.0.0.1:{port}"
            env = {**service_env, "PORT": str(port), "CACHE_SWR_SECONDS": swr}
            processes.append(start([*SERVER_CPU, sys.executable, "-m", "gunicorn"], env, f"{service}/healthz"))
            url = f"{service}/api/query?format=json"  # the route, where stale-while-revalidate is decided
            requests.post(url, json=QUERY, timeout=30).raise_for_status()
            burst(url, args.threads, args.threads)  # warm-up of the worker's threads, not counted
            hits, hit_tally = burst(url, args.burst, args.threads)
            time.sleep(TTL + 0.5)  # the entry expires (a benchmark may wait; tests move a clock instead)
            after, tally = burst(url, args.burst, args.threads)
            for name, times, said in (("hit burst", hits, hit_tally), ("burst after expiry", after, tally)):
                figures = f"p50 {p(times, 0.5):7.1f} ms   p99 {p(times, 0.99):7.1f} ms"
                print(f"{label:<8} {name:<20} {figures}   {dict(said)}")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
