"""The cache shared through a real redis-server: across processes, and surviving Redis going away."""

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from app import create_app
from app.config import Settings
from looker_emulator.state import Fault

from .helpers import API_KEY, calls, emulator_env, start_service

ROOT = Path(__file__).resolve().parents[1]
QUERY = {"model": "thelook", "view": "orders", "fields": ["orders.status", "orders.count"]}
HEADERS = {"X-API-Key": API_KEY}


@pytest.fixture
def two_services(emulator, redis_server):
    env = emulator_env(emulator, REDIS_URL=redis_server.url)
    started = [start_service(env) for _ in range(2)]
    yield [base for _, base in started]
    for process, _ in started:
        process.terminate()
        process.wait(timeout=30)


def test_two_processes_share_hits(two_services, emulator):
    first, second = two_services
    a = requests.post(f"{first}/api/query", json=QUERY, headers=HEADERS, timeout=10)
    b = requests.post(f"{second}/api/query", json=QUERY, headers=HEADERS, timeout=10)
    assert (a.headers["X-Cache"], b.headers["X-Cache"]) == ("MISS", "HIT")
    assert a.content == b.content and a.headers["ETag"] == b.headers["ETag"]
    assert calls(emulator, "run_inline_query") == 1


def test_two_processes_coalesce_to_one_looker_call(two_services, emulator):
    emulator.state.faults.append(Fault(operation="run_inline_query", latency_ms=600))
    body = {**QUERY, "limit": 3}
    with ThreadPoolExecutor(max_workers=16) as pool:
        futures = [
            pool.submit(requests.post, f"{base}/api/query", json=body, headers=HEADERS, timeout=20)
            for base in two_services
            for _ in range(8)
        ]
        replies = [f.result() for f in futures]
    assert {r.status_code for r in replies} == {200} and len({r.content for r in replies}) == 1
    assert calls(emulator, "run_inline_query") == 1, [(r.url, r.headers["X-Cache"]) for r in replies]
    assert {r.headers["X-Cache"] for r in replies} <= {"MISS", "COALESCED", "HIT"}


def test_two_processes_share_a_failure_at_once(two_services, emulator):
    emulator.state.faults.append(Fault(operation="run_inline_query", status=500, latency_ms=600))
    body = {**QUERY, "limit": 4}
    with ThreadPoolExecutor(max_workers=16) as pool:
        futures = [
            pool.submit(requests.post, f"{base}/api/query", json=body, headers=HEADERS, timeout=20)
            for base in two_services
            for _ in range(8)
        ]
        replies = [f.result() for f in futures]
    assert {r.status_code for r in replies} == {502}
    assert calls(emulator, "run_inline_query") == 1


def test_redis_going_away_degrades_to_the_local_cache(emulator, redis_server, caplog):
    caplog.set_level(logging.WARNING, logger="looker_proxy.cache")
    app = create_app(Settings.from_env(emulator_env(emulator, REDIS_URL=redis_server.url)))
    web = app.test_client()
    assert web.post("/api/query", json=QUERY, headers=HEADERS).headers["X-Cache"] == "MISS"
    assert web.post("/api/query", json=QUERY, headers=HEADERS).headers["X-Cache"] == "HIT"
    redis_server.stop()
    replies = [web.post("/api/query", json=QUERY, headers=HEADERS) for _ in range(3)]
    assert [r.status_code for r in replies] == [200, 200, 200]
    assert [r.headers["X-Cache"] for r in replies] == ["MISS", "HIT", "HIT"]
    assert calls(emulator, "run_inline_query") == 2
    warnings = [r for r in caplog.records if getattr(r, "event", None) == "redis_down"]
    assert len(warnings) == 1


def test_redis_entries_expire_with_the_stale_window(emulator, redis_server):
    import redis

    app = create_app(
        Settings.from_env(emulator_env(emulator, REDIS_URL=redis_server.url, CACHE_TTL="60", CACHE_STALE_SECONDS="40"))
    )
    app.test_client().post("/api/query", json=QUERY, headers=HEADERS)
    client = redis.Redis.from_url(redis_server.url)
    keys = [k for k in client.keys("lp:*") if b":r:" in k]
    assert len(keys) == 1 and 95_000 <= client.pttl(keys[0]) <= 100_000


def _entry(body=b"[1]"):
    from app.cache.entry import Entry

    return Entry.create(body, "application/json", time.time(), "model:thelook")


def test_a_waiter_takes_the_answer_stored_just_before_the_lock_was_freed(redis_server):
    from app.cache.redis_store import RedisStore

    holder, waiter = (RedisStore(redis_server.url, "ns", 100) for _ in range(2))
    assert holder.coalesce("k", 5, lambda e: True) is None  # holder asks Looker
    holder.put("k", _entry())
    holder.release("k", None)
    assert waiter.coalesce("k", 5, lambda e: True).body == b"[1]"


def test_a_waiter_gets_the_holders_error_instead_of_asking_again(redis_server):
    import threading

    from app.cache.redis_store import RedisStore
    from app.errors import ApiError

    holder, waiter = (RedisStore(redis_server.url, "ns", 100, poll_seconds=0.01) for _ in range(2))
    assert holder.coalesce("k", 5, lambda e: True) is None
    seen, saw_holder = [], threading.Event()
    plain_get = waiter.client.get

    def watching_get(name):
        value = plain_get(name)
        if name.endswith("lock:k") and value is not None:
            saw_holder.set()  # the waiter now knows whose error to wait for
        return value

    waiter.client.get = watching_get
    thread = threading.Thread(target=lambda: seen.append(waiter.coalesce("k", 5, lambda e: True)))
    thread.start()
    assert saw_holder.wait(5)
    holder.release("k", ApiError(503, "Looker is unreachable.", headers={"Retry-After": "5"}))
    thread.join()
    assert isinstance(seen[0], ApiError) and seen[0].status == 503 and seen[0].headers == {"Retry-After": "5"}


def test_metrics_sum_over_gunicorn_workers(emulator):
    import re

    process, base = start_service({**emulator_env(emulator), "WEB_CONCURRENCY": "2"})
    try:
        import requests as http

        statuses = {
            http.post(f"{base}/api/query", json={**QUERY, "limit": n}, headers=HEADERS, timeout=10).status_code
            for n in range(1, 21)
        }
        assert statuses == {200}
        totals = []
        for _ in range(4):  # whichever worker answers the scrape, it reports all 20
            text = http.get(f"{base}/metrics", headers=HEADERS, timeout=10).text
            totals.append(sum(float(v) for v in re.findall(r'looker_proxy_cache_total\{result="miss"\} (\S+)', text)))
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert totals == [20.0] * 4
