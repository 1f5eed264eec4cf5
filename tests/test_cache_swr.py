"""Stale-while-revalidate: served at once, one background refresh, failures kept out, the window respected."""

import threading

import pytest

from app.cache.refresh import Refresher
from app.services import services
from looker_emulator.state import Fault

from .helpers import API_KEY, calls

QUERY = {"model": "thelook", "view": "orders", "fields": ["orders.status", "orders.count"]}
TTL, SWR = 3600, 600
ASKS = {  # what each cached endpoint asks Looker, and how a test sends it
    "query": ("run_inline_query", lambda web, **h: web.post("/api/query", json=QUERY, headers=h)),
    "look": ("run_look", lambda web, **h: web.get("/api/looks/1", headers=h)),
}


class HeldRefresher(Refresher):
    """A refresher whose jobs wait until the test runs them, so a burst meets exactly the refresh it started."""

    def __init__(self):
        super().__init__()
        self.jobs = []

    def submit(self, job) -> bool:
        self.jobs.append(job)
        return True

    def run_all(self) -> None:
        jobs, self.jobs = self.jobs, []
        for job in jobs:
            job()


@pytest.fixture
def swr_app(cached_app):
    def build(**extra):
        app = cached_app(CACHE_TTL=TTL, CACHE_SWR_SECONDS=SWR, **extra)
        web = app.test_client()
        web.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {API_KEY}"
        return app, web

    return build


def held(app) -> HeldRefresher:
    cache = services(app).cache
    cache.refresher = HeldRefresher()
    return cache.refresher


@pytest.mark.parametrize("endpoint", list(ASKS))
def test_a_burst_after_expiry_is_served_stale_at_once_with_one_refresh(swr_app, emulator, clock, endpoint):
    operation, ask = ASKS[endpoint]
    app, web = swr_app()
    refresher = held(app)
    first = ask(web)
    clock.advance(TTL + 10)
    burst = [ask(web) for _ in range(20)]
    assert {(r.status_code, r.headers["X-Cache"]) for r in burst} == {(200, "STALE")}
    assert {r.data for r in burst} == {first.data} and {r.headers["Age"] for r in burst} == {str(TTL + 10)}
    assert len(refresher.jobs) == 1 and calls(emulator, operation) == 1  # nobody waited for Looker
    refresher.run_all()  # outside any request, as the pool runs it
    assert calls(emulator, operation) == 2
    after = ask(web)
    assert (after.headers["X-Cache"], after.headers["Age"]) == ("HIT", "0")


def test_stale_answers_say_so_in_rfc_headers(swr_app, clock):
    app, web = swr_app()
    held(app)
    ASKS["query"][1](web)
    clock.advance(TTL + 25)
    reply = ASKS["query"][1](web)
    assert reply.headers["Cache-Status"] == "looker-proxy; hit; fwd=stale; ttl=-25"
    assert reply.headers["Age"] == str(TTL + 25)
    assert reply.headers["Cache-Control"] == f"private, max-age=0, stale-if-error=86400, stale-while-revalidate={SWR}"


def test_the_real_pool_refreshes_once_for_a_concurrent_burst(swr_app, emulator, clock):
    app, web = swr_app()
    ASKS["query"][1](web)
    clock.advance(TTL + 1)
    emulator.state.faults.append(Fault(operation="run_inline_query", latency_ms=300, times=1))
    statuses = []
    threads = [
        threading.Thread(target=lambda: statuses.append(ASKS["query"][1](web).headers["X-Cache"])) for _ in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count("STALE") >= 1 and set(statuses) <= {"STALE", "HIT"}
    assert services(app).cache.refresher.drain(10)
    assert calls(emulator, "run_inline_query") == 2
    assert ASKS["query"][1](web).headers["X-Cache"] == "HIT"


def test_a_failed_refresh_keeps_the_stale_answer_and_stores_nothing(swr_app, emulator, clock):
    app, web = swr_app()
    refresher = held(app)
    first = ASKS["query"][1](web)
    clock.advance(TTL + 5)
    emulator.state.faults.append(Fault(operation="run_inline_query", status=500, body="html"))
    assert ASKS["query"][1](web).headers["X-Cache"] == "STALE"
    refresher.run_all()  # Looker fails: nothing is stored
    again = ASKS["query"][1](web)
    assert (again.headers["X-Cache"], again.headers["Age"], again.data) == ("STALE", str(TTL + 5), first.data)
    assert again.headers["ETag"] == first.headers["ETag"]
    assert len(refresher.jobs) == 1  # the next stale answer starts the next attempt
    emulator.state.reset()
    refresher.run_all()
    assert ASKS["query"][1](web).headers["X-Cache"] == "HIT"


@pytest.mark.parametrize(
    ("stale_seconds", "fault", "status", "x_cache"),
    [
        ("86400", None, 200, "MISS"),  # past the window the caller waits for Looker
        ("86400", 500, 200, "STALE"),  # ...and stale-if-error stands in when Looker fails
        ("0", 500, 502, None),  # ...unless it is off: the error
    ],
    ids=["looker answers", "stale if error", "no stale if error"],
)
def test_past_the_window_the_caller_waits_and_stale_if_error_decides(
    swr_app, emulator, clock, stale_seconds, fault, status, x_cache
):
    app, web = swr_app(CACHE_STALE_SECONDS=stale_seconds)
    refresher = held(app)
    ASKS["query"][1](web)
    clock.advance(TTL + SWR + 1)
    if fault:
        emulator.state.faults.append(Fault(operation="run_inline_query", status=fault, body="html"))
    reply = ASKS["query"][1](web)
    assert reply.status_code == status and reply.headers.get("X-Cache") == x_cache
    assert calls(emulator, "run_inline_query") == 2 and refresher.jobs == []
    if x_cache == "STALE":
        assert "fwd-status=" in reply.headers["Cache-Status"]


@pytest.mark.parametrize("control", ["no-cache", "max-age=0"])
def test_a_caller_refusing_stored_answers_still_waits_for_looker(swr_app, emulator, clock, control):
    app, web = swr_app()
    refresher = held(app)
    ASKS["query"][1](web)
    clock.advance(TTL + 1)
    reply = ASKS["query"][1](web, **{"Cache-Control": control})
    waited = {"no-cache": "BYPASS", "max-age=0": "MISS"}[control]  # no-cache asks Looker whatever is stored
    assert (reply.headers["X-Cache"], reply.headers["Age"]) == (waited, "0")
    assert calls(emulator, "run_inline_query") == 2 and refresher.jobs == []


def test_without_swr_an_expired_entry_waits_for_looker(cached_app, emulator, clock):
    web = cached_app(CACHE_TTL=TTL).test_client()
    web.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {API_KEY}"
    ASKS["query"][1](web)
    clock.advance(TTL + 1)
    assert ASKS["query"][1](web).headers["X-Cache"] == "MISS"
    assert "stale-while-revalidate" not in ASKS["query"][1](web).headers["Cache-Control"]


def test_the_pool_is_bounded_and_close_drops_what_waits():
    refresher = Refresher(workers=1, backlog=2)
    started, release, ran = threading.Event(), threading.Event(), []

    def blocker():
        started.set()
        release.wait(10)
        ran.append("blocker")

    assert refresher.submit(blocker) and started.wait(10)
    assert refresher.submit(lambda: ran.append("queued 1")) and refresher.submit(lambda: ran.append("queued 2"))
    assert refresher.submit(lambda: ran.append("refused")) is False  # the backlog is full
    refresher.close(timeout=0)
    release.set()
    refresher._threads[0].join(10)
    assert ran == ["blocker"] and not refresher._threads[0].is_alive()
    assert refresher.submit(lambda: None) is False  # stopped


def test_a_browser_reload_still_gets_a_fresh_entry(swr_app, emulator):
    app, web = swr_app()
    ASKS["query"][1](web)
    reply = ASKS["query"][1](web, **{"Cache-Control": "max-age=0"})  # what a browser sends on reload
    assert reply.headers["X-Cache"] == "HIT"
