"""Cache benchmark, side by side in one run under the same gunicorn settings (gunicorn.conf.py).

    python bench/bench_cache.py [--seconds 5] [--connections 32] [--looker-ms 50]

Measures (needs wrk: apt-get install wrk):
  1. cache-hit throughput of POST /api/query against a bare Flask endpoint returning the same bytes;
  2. the same hit answered by the Flask route instead of the hit path (a ?format= query string sends it there);
  3. the 304 path (If-None-Match) against the same bare endpoint;
  4. the latency a miss adds over calling looker_sdk directly against the emulator.
Prints the figures and their ratios. Everything runs on 127.0.0.1 and stops at the end.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from app.demo import free_port
from looker_emulator.state import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

ROOT = Path(__file__).resolve().parents[1]

# On Linux, servers share core 0 and wrk gets core 1, so the two never fight over a core mid-run.
SERVER_CPU = ["taskset", "-c", "0"] if shutil.which("taskset") and (os.cpu_count() or 1) > 1 else []
LOAD_CPU = ["taskset", "-c", "1"] if SERVER_CPU else []
QUERY = {
    "model": "thelook",
    "view": "order_items",
    "fields": ["products.brand", "products.category", "order_items.count", "order_items.total_sale_price"],
    "limit": 200,
}
WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = [[%s]]
wrk.headers["Content-Type"] = "application/json"
%s
"""


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{url} did not come up") from None
            time.sleep(0.1)


def start(args: list[str], env: dict, probe: str) -> subprocess.Popen:
    process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until_up(probe, process)
    return process


def wrk(url: str, seconds: int, connections: int, body: str, extra_header: str = "") -> tuple[float, str]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % (body, extra_header))
    command = [*LOAD_CPU, "wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script.name, url]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30).stdout
    os.unlink(script.name)
    if "Non-2xx" in out or "Socket errors" in out:
        raise SystemExit(f"wrk saw failures against {url}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE).group(1)
    return rps, p99


def interleaved_medians_ms(actions, count: int) -> list[float]:
    """Time each action `count` times, taking turns (and swapping who goes first), so drift affects them alike."""
    timings = [[] for _ in actions]
    for index in range(count):
        turns = list(zip(actions, timings, strict=True))
        for action, times in turns if index % 2 == 0 else reversed(turns):
            started = time.perf_counter()
            action(index)
            times.append((time.perf_counter() - started) * 1000)
    return [statistics.median(times) for times in timings]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds; medians are reported")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--looker-ms", type=int, default=50)
    parser.add_argument("--misses", type=int, default=40)
    args = parser.parse_args()
    import orjson

    emulator_port, service_port, bare_port = free_port(), free_port(), free_port()
    base_env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    looker_url = f"http://127.0.0.1:{emulator_port}"
    service_env = {
        **base_env,
        "LOOKERSDK_BASE_URL": looker_url,
        "LOOKERSDK_CLIENT_ID": DEFAULT_CLIENT_ID,
        "LOOKERSDK_CLIENT_SECRET": DEFAULT_CLIENT_SECRET,
        "ALLOW_ANONYMOUS": "true",
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "info"),
        "RATE_LIMIT": "100000000/minute",
    }  # limiting stays on (its cost counts) but never trips
    processes = []
    body_file = tempfile.NamedTemporaryFile(delete=False, suffix=".json")
    try:
        processes.append(
            start(
                [
                    sys.executable,
                    "-m",
                    "looker_emulator",
                    "--port",
                    str(emulator_port),
                    "--latency-ms",
                    str(args.looker_ms),
                ],
                base_env,
                f"{looker_url}/api/4.0/versions",
            )
        )
        service = f"http://127.0.0.1:{service_port}"
        processes.append(
            start(
                [*SERVER_CPU, sys.executable, "-m", "gunicorn"],
                {**service_env, "PORT": str(service_port)},
                f"{service}/healthz",
            )
        )
        body = orjson.dumps(QUERY).decode()
        first = requests.post(f"{service}/api/query", data=body, headers={"Content-Type": "application/json"})
        first.raise_for_status()
        body_file.write(first.content)
        body_file.close()
        bare = f"http://127.0.0.1:{bare_port}"
        processes.append(
            start(
                [*SERVER_CPU, sys.executable, "-m", "gunicorn", "bench.bare_app:app"],
                {**service_env, "PORT": str(bare_port), "BENCH_BODY_FILE": body_file.name},
                f"{bare}/",
            )
        )
        etag = first.headers["ETag"].replace('"', '\\"')
        inm = f'wrk.headers["If-None-Match"] = "{etag}"'
        print(
            f"payload {len(first.content)} bytes; wrk -t2 -c{args.connections} -d{args.seconds}s x {args.rounds} "
            f"interleaved rounds (medians, ratios paired by round); servers pinned: {bool(SERVER_CPU)}; "
            f"gunicorn.conf.py for both (gthread, WEB_CONCURRENCY={os.environ.get('WEB_CONCURRENCY', '2')})"
        )
        targets = {
            "bare": (f"{bare}/api/query", ""),
            "hit": (f"{service}/api/query", ""),
            "route": (f"{service}/api/query?format=json", ""),
            "304": (f"{service}/api/query", inm),
        }
        runs = {name: [] for name in targets}
        for url, header in targets.values():  # a short warm-up each, not counted: every worker's cache and memo fill
            wrk(url, 1, args.connections, body, header)
        for url in (targets["hit"][0], targets["route"][0]):  # what is timed below is a hit, whichever worker answers
            checks = [requests.post(url, data=body, headers={"Content-Type": "application/json"}) for _ in range(10)]
            assert all(c.headers["X-Cache"] == "HIT" and c.content == first.content for c in checks), url
        for round_index in range(args.rounds):  # interleaved, the order rotating, so drift hits all alike
            names = list(targets)
            for name in names[round_index % len(names) :] + names[: round_index % len(names)]:
                url, header = targets[name]
                runs[name].append(wrk(url, args.seconds, args.connections, body, header))
        labels = {
            "bare": "bare Flask, same bytes",
            "hit": "cache hit (200)",
            "route": "cache hit, Flask route",
            "304": "If-None-Match (304)",
        }
        for name, label in labels.items():
            rates = [r for r, _ in runs[name]]
            line = f"{label:<28}{statistics.median(rates):>8.0f} req/s"
            if name != "bare":  # each round's figure over the bare endpoint's in the same round
                ratios = sorted(r / b for r, (b, _) in zip(rates, runs["bare"], strict=True))
                line += f"   ratio {statistics.median(ratios):.2f}x (rounds {ratios[0]:.2f}-{ratios[-1]:.2f})"
            print(f"{line}   p99 {'/'.join(p for _, p in runs[name])}")

        import looker_sdk

        from app.config import Settings
        from app.looker.transport import SdkSettings

        settings = Settings.from_env(service_env)
        sdk = looker_sdk.init40(config_settings=SdkSettings(settings))
        sdk.me()
        session = requests.Session()

        def direct(index):
            sdk.run_inline_query("json", {**QUERY, "limit": str(300 + index)})

        def through_service(index):
            reply = session.post(
                f"{service}/api/query", json={**QUERY, "limit": 300 + index}, headers={"Cache-Control": "no-cache"}
            )
            assert reply.status_code == 200 and reply.headers["X-Cache"] in ("MISS", "BYPASS")

        through_service(0)
        sdk_ms, miss_ms = interleaved_medians_ms([direct, through_service], args.misses)
        print(f"{'miss, SDK direct':<28}{sdk_ms:>10.1f} ms median ({args.looker_ms} ms Looker latency)")
        print(
            f"{'miss, through the service':<28}{miss_ms:>10.1f} ms median   adds "
            f"{(miss_ms - sdk_ms):.1f} ms ({(miss_ms / sdk_ms - 1) * 100:.1f}%)"
        )
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        os.unlink(body_file.name)


if __name__ == "__main__":
    main()
