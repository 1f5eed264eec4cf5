"""The result cache: one Looker call per question, stale when Looker fails, never an error stored."""

import threading

import orjson
import pytest

from app.services import services
from looker_emulator.state import Fault

from .helpers import ADMIN_KEY, API_KEY, calls

QUERY = {
    "model": "thelook",
    "view": "orders",
    "fields": ["orders.status", "orders.count"],
    "filters": {"orders.status": "-cancelled", "orders.created_date": "this year"},
}
TTL, STALE = 3600, 86400


@pytest.fixture
def web(cached_app):
    client = cached_app().test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {API_KEY}"
    return client


def run(web, body=None, **headers):
    return web.post("/api/query", json=body or QUERY, headers=headers)


def test_second_identical_request_is_a_hit_without_looker(web, emulator):
    first, second = run(web), run(web)
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("MISS", "HIT")
    assert first.data == second.data and second.content_type == "application/json"
    assert calls(emulator, "run_inline_query") == 1


def test_reordered_filters_spacing_and_limit_type_hit_the_same_entry(web, emulator):
    run(web, {**QUERY, "limit": 500})
    reordered = {
        "filters": dict(reversed(list(QUERY["filters"].items()))),
        "limit": "500",
        **{k: v for k, v in QUERY.items() if k != "filters"},
    }
    spaced = orjson.dumps(reordered, option=orjson.OPT_INDENT_2)
    reply = web.post("/api/query", data=spaced, content_type="application/json")
    assert reply.headers["X-Cache"] == "HIT" and calls(emulator, "run_inline_query") == 1


@pytest.mark.parametrize(
    "change",
    [
        {"fields": ["orders.count", "orders.status"]},
        {"format": "csv"},
        {"limit": 10},
        {"sorts": ["orders.count asc"]},
        {"apply_formatting": True},
        {"filters": {"orders.status": "-cancelled"}},
    ],
)
def test_anything_that_changes_lookers_answer_misses(web, emulator, change):
    run(web)
    assert run(web, {**QUERY, **change}).headers["X-Cache"] == "MISS"
    assert calls(emulator, "run_inline_query") == 2


def test_looks_are_cached_by_id_and_options(web, emulator):
    assert web.get("/api/looks/1").headers["X-Cache"] == "MISS"
    assert web.get("/api/looks/1").headers["X-Cache"] == "HIT"
    assert web.get("/api/looks/1?format=csv").headers["X-Cache"] == "MISS"
    assert calls(emulator, "run_look") == 2


def concurrently(count, action):
    barrier, results = threading.Barrier(count), [None] * count

    def worker(index):
        barrier.wait()
        results[index] = action()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_fifty_concurrent_cold_requests_make_one_looker_call(cached_app, emulator):
    app = cached_app()
    emulator.state.faults.append(Fault(operation="run_inline_query", latency_ms=300))
    replies = concurrently(50, lambda: app.test_client().post("/api/query", json=QUERY, headers={"X-API-Key": API_KEY}))
    assert calls(emulator, "run_inline_query") == 1
    assert {r.status_code for r in replies} == {200} and len({r.data for r in replies}) == 1
    outcomes = [r.headers["X-Cache"] for r in replies]
    assert outcomes.count("MISS") == 1 and set(outcomes) <= {"MISS", "COALESCED", "HIT"}


def test_fifty_requests_during_an_outage_make_one_call_and_all_fail(cached_app, emulator):
    app = cached_app()
    emulator.state.faults.append(Fault(operation="run_inline_query", status=500, latency_ms=300))
    replies = concurrently(50, lambda: app.test_client().post("/api/query", json=QUERY, headers={"X-API-Key": API_KEY}))
    assert calls(emulator, "run_inline_query") == 1
    assert {r.status_code for r in replies} == {502}
    assert all(r.content_type == "application/problem+json" for r in replies)


def test_fifty_requests_during_an_outage_all_get_stale(cached_app, emulator, clock):
    app = cached_app()
    web = app.test_client()
    good = web.post("/api/query", json=QUERY, headers={"X-API-Key": API_KEY})
    clock.advance(TTL + 60)
    emulator.state.faults.append(Fault(operation="run_inline_query", status=503, latency_ms=300))
    replies = concurrently(50, lambda: app.test_client().post("/api/query", json=QUERY, headers={"X-API-Key": API_KEY}))
    assert calls(emulator, "run_inline_query") == 2
    assert {(r.status_code, r.headers["X-Cache"]) for r in replies} == {(200, "STALE")}
    assert {r.data for r in replies} == {good.data}


def test_errors_are_never_stored(web, emulator):
    emulator.state.faults.append(Fault(operation="run_inline_query", status=500, times=1))
    failed = run(web)
    assert failed.status_code == 502 and failed.headers["Cache-Control"] == "no-store"
    again = run(web)
    assert (again.status_code, again.headers["X-Cache"]) == (200, "MISS")
    assert calls(emulator, "run_inline_query") == 2


def test_lookers_own_rejections_are_not_cached_or_replaced_by_stale(web, emulator, clock):
    bad = {**QUERY, "fields": ["orders.nope"]}
    assert run(web, bad).status_code == 422 and run(web, bad).status_code == 422
    assert calls(emulator, "run_inline_query") == 2
    assert run(web).status_code == 200  # a good answer is stored for this query...
    clock.advance(TTL + 10)  # ...and expires, well inside the stale window
    emulator.state.faults.append(Fault(operation="run_inline_query", status=422))
    rejected = run(web)  # Looker's 422 is a real answer: it is passed on, not hidden behind the stale entry
    assert rejected.status_code == 422 and "X-Cache" not in rejected.headers


def test_stale_is_served_inside_the_window_and_not_past_it(web, emulator, clock):
    fresh = run(web)
    emulator.state.faults.append(Fault(operation="run_inline_query", status=503))
    clock.advance(TTL + 10)
    stale = run(web)
    assert (stale.status_code, stale.headers["X-Cache"], stale.data) == (200, "STALE", fresh.data)
    assert stale.headers["Cache-Status"] == "looker-proxy; hit; ttl=-10; fwd=stale; fwd-status=502"
    assert stale.headers["Cache-Control"].startswith("private, max-age=0,")
    clock.advance(STALE)
    late = run(web)
    assert late.status_code == 502


def test_no_cache_fetches_fresh_and_stores_it(web, emulator, clock):
    run(web)
    clock.advance(100)
    refreshed = run(web, **{"Cache-Control": "no-cache"})
    assert refreshed.headers["X-Cache"] == "BYPASS" and refreshed.headers["Age"] == "0"
    after = run(web)
    assert after.headers["X-Cache"] == "HIT" and after.headers["Age"] == "0"
    assert calls(emulator, "run_inline_query") == 2


def test_no_cache_during_an_outage_gets_the_error_not_stale(web, emulator):
    run(web)
    emulator.state.faults.append(Fault(operation="run_inline_query", status=500))
    assert run(web, **{"Cache-Control": "no-cache"}).status_code == 502


def test_cache_headers_follow_rfc_9211_and_count_age(web, clock):
    miss = run(web)
    assert miss.headers["Cache-Status"] == "looker-proxy; fwd=uri-miss; stored"
    assert miss.headers["Cache-Control"] == f"private, max-age={TTL}, stale-if-error={STALE}"
    clock.advance(1200)
    hit = run(web)
    assert hit.headers["Cache-Status"] == f"looker-proxy; hit; ttl={TTL - 1200}"
    assert hit.headers["Age"] == "1200"
    assert hit.headers["Cache-Control"] == f"private, max-age={TTL - 1200}, stale-if-error={STALE}"
    assert hit.headers["ETag"] == miss.headers["ETag"] and hit.headers["ETag"].startswith('"')


def test_matching_if_none_match_is_304_without_a_body(web, emulator):
    etag = run(web).headers["ETag"]
    reply = run(web, **{"If-None-Match": etag})
    assert reply.status_code == 304 and reply.data == b"" and reply.headers["ETag"] == etag
    assert run(web, **{"If-None-Match": '"something-else"'}).status_code == 200
    assert calls(emulator, "run_inline_query") == 1


@pytest.mark.parametrize(
    "validator, status",
    [
        ("{etag}", 304),
        ("W/{etag}", 304),
        ('"other", W/{etag}', 304),
        ("*", 304),
        ('W/"other"', 200),
    ],
)
def test_if_none_match_compares_weakly(web, emulator, validator, status):
    etag = run(web).headers["ETag"]
    reply = run(web, **{"If-None-Match": validator.format(etag=etag)})
    assert reply.status_code == status and (reply.data == b"") == (status == 304)
    assert calls(emulator, "run_inline_query") == 1


def test_the_byte_bound_holds_after_many_large_results(cached_app, emulator):
    app = cached_app(CACHE_MAX_BYTES="60000")
    web = app.test_client()
    cache = services(app).cache
    for limit in range(100, 130):
        body = {"model": "thelook", "view": "users", "fields": ["users.email", "users.name"], "limit": limit}
        reply = web.post("/api/query", json=body, headers={"X-API-Key": API_KEY})
        assert reply.status_code == 200 and len(reply.data) > 5000
        assert cache.memory.size_bytes <= 60000
    assert cache.memory.size_bytes > 0


def test_admin_purges_everything_or_one_model(web, emulator, cached_app):
    run(web)
    finance = {"model": "finance", "view": "revenue", "fields": ["order_items.total_sale_price"]}
    run(web, finance)
    assert web.delete("/api/cache").status_code == 403
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    assert web.delete("/api/cache?model=thelook", headers=admin).status_code == 204
    assert run(web).headers["X-Cache"] == "MISS" and run(web, finance).headers["X-Cache"] == "HIT"
    assert web.delete("/api/cache", headers=admin).status_code == 204
    assert run(web, finance).headers["X-Cache"] == "MISS"
    assert web.delete("/api/cache?model=bad;name", headers=admin).status_code == 400


def test_metrics_count_hits_misses_and_looker_calls(web, emulator):
    run(web)
    run(web)
    emulator.state.faults.append(Fault(operation="run_inline_query", status=500, times=1))
    run(web, {**QUERY, "limit": 7})
    text = web.get("/metrics").get_data(as_text=True)
    assert 'looker_proxy_cache_total{result="hit"} 1.0' in text
    assert 'looker_proxy_cache_total{result="miss"} 1.0' in text
    assert 'looker_proxy_looker_errors_total{status="502"} 1.0' in text
    assert 'looker_proxy_looker_call_seconds_count{operation="run_inline_query"} 2.0' in text
    assert web.get("/metrics", headers={"Authorization": ""}).status_code == 401
