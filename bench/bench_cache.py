"""Cache benchmark: every cached answer a real caller asks for, side by side in one run, against bare Flask.

    python -m bench.bench_cache [--seconds 3] [--rounds 3] [--connections 32] [--looker-ms 200]

Needs wrk (apt-get install wrk) and redis-server. Starts, all on 127.0.0.1 under gunicorn.conf.py (gthread,
WEB_CONCURRENCY workers, 2 by default) and pinned to core 0 with wrk on core 1: the emulator (with
--looker-ms of query latency), a redis-server, the service, the service with REDIS_URL, the naive proxy
(bench/naive_proxy.py) and a bare Flask app (bench/bare_app.py) with one route per measured answer
serving the same status, bytes and content type. Then, in interleaved rounds (the order rotating, each row
next to its own reference run), wrk -t2 -c<connections> on each row and its reference, and prints a table
of requests/s ratios (median of the rounds, their range), p99 latencies, and the Looker calls seen during
timed runs (0 means every timed answer was a hit). Last, a cold 6-tile dashboard against one Looker call.
It stops if wrk sees a non-2xx/3xx answer. It is not part of the test suite.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import requests

from app.demo import free_port
from looker_emulator.state import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

from . import report
from .cold import cold_dashboards, one_looker_call_ms
from .load import Target, wrk
from .rows import JWT_SECRET, ORIGIN, QUERY, Row, add_validators, rows
from .servers import SERVER_CPU, Fleet, gunicorn, redis_command

WARM_CONNECTIONS = 16  # one connection each: kept-alive ones can all land on one worker and leave another cold
IGNORED_CALLS = ("all_datagroups", "datagroup")  # the datagroup poll runs on its own clock, not per request


def _calls(emulator: str) -> dict[str, int]:
    return requests.get(f"{emulator}/__emulator/calls", timeout=10).json()


def settle(emulator: str) -> None:
    """Wait until the emulator stops seeing calls: a slow server keeps answering queued requests after wrk ends."""
    deadline, last = time.monotonic() + 15, None
    while time.monotonic() < deadline:
        now = _calls(emulator)
        if now == last:
            return
        last = now
        time.sleep(0.3)


def _looker_calls(before: dict, after: dict) -> Counter:
    return Counter({op: n - before.get(op, 0) for op, n in after.items() if op not in IGNORED_CALLS})


def _answer(reply: requests.Response) -> tuple:
    return reply.status_code, reply.headers.get("Content-Type"), reply.content


def check(row: Row, session: requests.Session) -> tuple | str:
    """Return the answer a warm row gives every time, or why it does not qualify as a fresh hit."""
    replies = [row.measured.send(session) for _ in range(6)]
    answers = {_answer(reply) for reply in replies}
    if len(answers) != 1:
        return "answers differ between requests"
    status = replies[0].status_code
    if status != row.measured.status:
        return f"answered {status}, not {row.measured.status}"
    if any(reply.headers.get("X-Cache", "HIT") != "HIT" for reply in replies):
        return "not a cache hit"
    if "Origin" in row.measured.headers and replies[0].headers.get("Access-Control-Allow-Origin") != ORIGIN:
        return "no CORS headers for a listed origin"
    return answers.pop()


def bare_spec(answers: dict[str, tuple], methods: dict[str, str], folder: Path) -> tuple[dict, dict[str, str]]:
    """Return the bare app's routes (one per distinct answer) and which route stands for each row."""
    spec, route_of = {}, {}
    for name, (status, content_type, body) in answers.items():
        digest = hashlib.sha256(repr((methods[name], status, content_type)).encode() + body).hexdigest()[:12]
        route = f"r{digest}"
        route_of[name] = route
        if route not in spec:
            body_file = folder / f"{route}.body"
            body_file.write_bytes(body)
            spec[route] = {
                "method": methods[name],
                "status": status,
                "content_type": content_type,
                "headers": {},
                "body_file": str(body_file) if body else None,
            }
    return spec, route_of


def measure_rounds(table: list[Row], references: dict[str, Target], args, emulator: str) -> dict[str, dict[str, list]]:
    """Run every row next to its reference, `args.rounds` times, rotating the order; return the runs."""
    runs = {row.name: {"measured": [], "reference": [], "looker": Counter()} for row in table}
    for index in range(args.rounds):
        shift = index % len(table)
        for position, row in enumerate(table[shift:] + table[:shift]):
            pair = [("measured", row.measured), ("reference", references[row.name])]
            for side, target in pair if (index + position) % 2 == 0 else reversed(pair):
                before = _calls(emulator)
                run = wrk(target, args.seconds, args.connections)
                if row.name == "naive" and side == "measured":  # the naive proxy calls Looker every time
                    settle(emulator)
                else:
                    runs[row.name]["looker"] += _looker_calls(before, _calls(emulator))
                runs[row.name][side].append(run)
        print(f"round {index + 1}/{args.rounds} done", file=sys.stderr, flush=True)
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=3, help="length of each wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; medians and ranges are reported")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--looker-ms", type=int, default=200, help="the emulator's latency per Looker query")
    parser.add_argument("--cold-samples", type=int, default=3, help="fresh services timed on a cold dashboard")
    parser.add_argument("--metric", default="revenue")
    args = parser.parse_args()
    load_before = os.getloadavg()
    started = time.monotonic()

    base_env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "WEB_CONCURRENCY")}
    emulator_port, redis_port = free_port(), free_port()
    emulator = f"http://127.0.0.1:{emulator_port}"
    looker_env = {
        **base_env,
        "LOOKERSDK_BASE_URL": emulator,
        "LOOKERSDK_CLIENT_ID": DEFAULT_CLIENT_ID,
        "LOOKERSDK_CLIENT_SECRET": DEFAULT_CLIENT_SECRET,
    }
    service_env = {
        **looker_env,
        "ALLOW_ANONYMOUS": "true",
        "JWT_SECRET": JWT_SECRET,
        "CORS_ORIGINS": ORIGIN,
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "info"),
        "RATE_LIMIT": "100000000/minute",  # limiting stays on (its cost counts) but never trips
    }
    fleet = Fleet()
    folder = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        emulator_args = ["-m", "looker_emulator", "--port", str(emulator_port), "--latency-ms", str(args.looker_ms)]
        fleet.start([sys.executable, *emulator_args], base_env, probe=f"{emulator}/api/4.0/versions")
        fleet.start(redis_command(redis_port), base_env, port=redis_port)
        bases = {}
        for name, extra, app in (
            ("service", {}, None),
            ("redis", {"REDIS_URL": f"redis://127.0.0.1:{redis_port}/0"}, None),
            ("naive", {}, "bench.naive_proxy:app"),
        ):
            port = free_port()
            bases[name] = f"http://127.0.0.1:{port}"
            env = {**service_env, **extra, "PORT": str(port)}  # gunicorn.conf.py reads the service's settings
            fleet.start(gunicorn(app), env, probe=f"{bases[name]}/healthz")
        table = rows(bases["service"], bases["redis"], bases["naive"], args.metric)
        session = requests.Session()
        for row in table:  # the first asks are misses: they fill the cache
            row.measured.send(session).raise_for_status()
        add_validators(table, next(r for r in table if r.name == "query").measured.send(session).headers["ETag"])
        for row in table:  # every worker's cache and memos fill: new connections reach each worker, then wrk
            for _ in range(WARM_CONNECTIONS):
                row.measured.send()
            wrk(row.measured, 1, args.connections)

        answers, skipped = {}, {}
        for row in table:
            outcome = check(row, session)
            (answers if isinstance(outcome, tuple) else skipped)[row.name] = outcome
        skipped.pop("naive", None)
        answers.pop("naive", None)
        measured = [row for row in table if row.name not in skipped]
        spec, route_of = bare_spec(answers, {row.name: row.measured.method for row in table}, folder)
        (folder / "spec.json").write_text(json.dumps(spec))
        bare_port = free_port()
        bare = f"http://127.0.0.1:{bare_port}"
        fleet.start(
            gunicorn("bench.bare_app:app"),
            {**service_env, "PORT": str(bare_port), "BENCH_BARE_SPEC": str(folder / "spec.json")},
            probe=f"{bare}/",
        )
        references = {}
        for row in measured:
            if row.reference == "hit":
                references[row.name] = next(r for r in table if r.name == "query").measured
                continue
            target = row.measured
            references[row.name] = Target(
                f"{bare}/bare/{route_of[row.name]}", target.method, target.body, dict(target.headers), target.status
            )
            assert _answer(references[row.name].send(session)) == answers[row.name], row.name
            wrk(references[row.name], 1, args.connections)

        print(
            f"wrk -t2 -c{args.connections} -d{args.seconds}s x {args.rounds} interleaved rounds; "
            f"servers pinned to core 0 and wrk to core 1: {bool(SERVER_CPU)}; gunicorn.conf.py for every server "
            f"(gthread, WEB_CONCURRENCY={os.environ.get('WEB_CONCURRENCY', '2')}); Looker latency {args.looker_ms} ms",
            flush=True,
        )
        runs = measure_rounds(measured, references, args, emulator)
        print()
        print(report.throughput_table(measured, runs, {n: len(a[2]) for n, a in answers.items()}))
        for name, why in skipped.items():
            print(f"- {name}: not measured, {why}")

        import looker_sdk

        from app.config import Settings
        from app.looker.transport import SdkSettings

        sdk = looker_sdk.init40(config_settings=SdkSettings(Settings.from_env(service_env)))
        sdk.me()
        one_call = one_looker_call_ms(sdk, QUERY, 5)
        cold = cold_dashboards(fleet, service_env, emulator, args.looker_ms, args.cold_samples)
        print()
        print(report.cold_table(cold, one_call, args.looker_ms))
    finally:
        fleet.stop()
        shutil.rmtree(folder, ignore_errors=True)
    load_after = os.getloadavg()
    print(
        f"\nwhole run {time.monotonic() - started:.0f} s; load average (1/5/15 min) "
        f"{'/'.join(f'{x:.1f}' for x in load_before)} before, {'/'.join(f'{x:.1f}' for x in load_after)} after "
        f"on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
