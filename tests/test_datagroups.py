"""Freshness follows Looker's datagroups: over real HTTP to the emulator, across two instances through a real Redis."""

import time

import pytest
import requests
from looker_sdk import models40
from prometheus_client.parser import text_string_to_metric_families

from app import create_app
from app.config import Settings
from app.services import services
from looker_emulator.state import Fault

from .helpers import API_KEY, FakeClock, calls, emulator_env

PERIOD = 60
THELOOK = {"model": "thelook", "view": "orders", "fields": ["orders.status", "orders.count"]}
THELOOK_2 = {"model": "thelook", "view": "orders", "fields": ["orders.created_year", "orders.count"]}
FINANCE = {"model": "finance", "view": "revenue", "fields": ["order_items.total_sale_price"]}
ORDERS_DATAGROUP = "3"  # thelook's orders_datagroup


@pytest.fixture
def clock():
    """A fake clock starting just before now, since Looker's trigger times are real ones."""
    return FakeClock(time.time() - 90)  # a first tick brings it to just before now


def instance(emulator, clock, threaded=False, **extra):
    """Build an app instance; its polls are the test's to run (`tick`) unless `threaded`."""
    env = emulator_env(emulator, **{"DATAGROUP_POLL_SECONDS": PERIOD, **extra})
    app = create_app(Settings.from_env(env), clock=clock)
    services(app).datagroups.background = threaded
    web = app.test_client()
    web.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {API_KEY}"
    return app, web


def ask(web, body):
    return web.post("/api/query", json=body).headers.get("X-Cache")


def tick(clock, *apps):
    """One poll period: every instance's poller runs once, then the clock moves on a period."""
    for app in apps:
        services(app).datagroups.poll_once()
    clock.advance(PERIOD)


def test_a_datagroup_update_makes_that_models_entries_miss_on_both_instances(
    emulator, redis_server, quiet_datagroups, clock
):
    (a, web_a), (b, web_b) = (instance(emulator, clock, REDIS_URL=redis_server.url) for _ in range(2))
    tick(clock, a, b)
    assert [ask(web_a, THELOOK), ask(web_a, THELOOK_2), ask(web_a, FINANCE)] == ["MISS", "MISS", "MISS"]
    assert [ask(web_b, THELOOK), ask(web_b, FINANCE)] == ["HIT", "HIT"]  # shared through Redis
    quiet_datagroups.update_datagroup(ORDERS_DATAGROUP, models40.WriteDatagroup(triggered_at=int(time.time())))
    tick(clock, a, b)  # one period: the instance that polls for all, and the one that reads what it found
    assert (ask(web_a, THELOOK), ask(web_b, THELOOK_2)) == ("MISS", "MISS")
    assert (ask(web_a, FINANCE), ask(web_b, FINANCE)) == ("HIT", "HIT")  # another model is untouched
    assert (ask(web_b, THELOOK), ask(web_a, THELOOK_2)) == ("HIT", "HIT")  # refetched after the trigger
    assert calls(emulator, "run_inline_query") == 5


def test_looks_follow_the_datagroups_of_every_model(emulator, quiet_datagroups, clock):
    app, web = instance(emulator, clock)
    tick(clock, app)
    assert [web.get("/api/looks/1").headers["X-Cache"] for _ in range(2)] == ["MISS", "HIT"]
    quiet_datagroups.update_datagroup("1", models40.WriteDatagroup(stale_before=int(time.time())))  # finance's
    tick(clock, app)
    assert web.get("/api/looks/1").headers["X-Cache"] == "MISS"


def test_a_stale_entry_after_a_trigger_is_served_at_once_under_swr(emulator, quiet_datagroups, clock):
    app, web = instance(emulator, clock, CACHE_SWR_SECONDS=3600)
    tick(clock, app)
    ask(web, THELOOK)
    quiet_datagroups.update_datagroup(ORDERS_DATAGROUP, models40.WriteDatagroup(triggered_at=int(time.time())))
    tick(clock, app)
    reply = web.post("/api/query", json=THELOOK)
    assert reply.headers["X-Cache"] == "STALE"
    assert reply.headers["Cache-Status"].startswith("looker-proxy; hit; fwd=stale")
    assert services(app).cache.refresher.drain(10)
    assert ask(web, THELOOK) == "HIT" and calls(emulator, "run_inline_query") == 2


def test_a_reload_that_changes_the_data_ends_freshness_of_the_models_it_triggers(emulator, quiet_datagroups, clock):
    app, web = instance(emulator, clock)
    tick(clock, app)
    ask(web, THELOOK), ask(web, FINANCE)
    try:
        reply = requests.post(f"{emulator.url}/__emulator/reload", json={"seed": 8}, timeout=30).json()
        assert {"1", "3"} <= set(reply["triggered"])  # revenue and orders changed with the data
        tick(clock, app)
        assert (ask(web, THELOOK), ask(web, FINANCE)) == ("MISS", "MISS")
    finally:
        assert requests.post(f"{emulator.url}/__emulator/reload", json={}, timeout=30).ok


@pytest.mark.parametrize(
    ("shared", "expected"),
    [(True, 3), (False, 6)],
    ids=["one poll per period for all through redis", "one poll per period per instance"],
)
def test_the_pollers_call_rate_is_one_per_period(emulator, redis_server, quiet_datagroups, clock, shared, expected):
    extra = {"REDIS_URL": redis_server.url} if shared else {}
    apps = [instance(emulator, clock, **extra)[0] for _ in range(2)]
    for _ in range(3):
        tick(clock, *apps)
    assert calls(emulator, "all_datagroups") == expected
    assert all(services(app).datagroups.triggers == services(apps[0]).datagroups.triggers for app in apps)


def test_the_worker_starts_one_poller_with_its_first_request(emulator, quiet_datagroups, clock):
    app, web = instance(emulator, clock, threaded=True)
    poller = services(app).datagroups
    assert poller._thread is None and calls(emulator, "all_datagroups") == 0  # nothing at create_app
    for _ in range(10):
        ask(web, THELOOK)
    assert poller.polled.wait(10)
    poller.stop()
    assert not poller._thread.is_alive() and calls(emulator, "all_datagroups") == 1


def test_polling_off_makes_no_datagroup_calls(emulator, clock):
    app, web = instance(emulator, clock, threaded=True, DATAGROUP_POLL_SECONDS=0)
    for _ in range(5):
        ask(web, THELOOK)
    assert services(app).datagroups._thread is None and calls(emulator, "all_datagroups") == 0


def test_a_failing_poll_is_logged_once_keeps_the_triggers_and_fails_no_request(
    emulator, quiet_datagroups, clock, caplog
):
    app, web = instance(emulator, clock)
    tick(clock, app)
    known = dict(services(app).datagroups.triggers)
    emulator.state.faults.append(Fault(operation="all_datagroups", status=500, body="html"))
    for _ in range(3):
        tick(clock, app)
        assert ask(web, THELOOK) in ("MISS", "HIT")
    failures = [r for r in caplog.records if getattr(r, "event", "") == "datagroups_failed"]
    assert len(failures) == 1 and services(app).datagroups.triggers == known
    emulator.state.faults.clear()
    assert services(app).datagroups.poll_once() and not services(app).datagroups.failing


def test_metrics_show_the_last_poll_and_each_models_last_trigger(emulator, quiet_datagroups, clock):
    app, web = instance(emulator, clock)
    moment = int(time.time())
    quiet_datagroups.update_datagroup(ORDERS_DATAGROUP, models40.WriteDatagroup(triggered_at=moment))
    polled_at = clock()
    tick(clock, app)
    samples = {
        (sample.name, sample.labels.get("model")): sample.value
        for family in text_string_to_metric_families(web.get("/metrics").get_data(as_text=True))
        for sample in family.samples
    }
    assert samples[("looker_proxy_datagroup_last_poll_timestamp_seconds", None)] == polled_at
    assert samples[("looker_proxy_datagroup_triggered_timestamp_seconds", "thelook")] == moment


def test_a_new_instance_serves_what_redis_holds_before_asking_looker(emulator, redis_server, quiet_datagroups, clock):
    first, web_first = instance(emulator, clock, REDIS_URL=redis_server.url)
    ask(web_first, THELOOK)
    newcomer, web_new = instance(emulator, clock, REDIS_URL=redis_server.url)
    assert ask(web_new, THELOOK) == "HIT" and calls(emulator, "run_inline_query") == 1
