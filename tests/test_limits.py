"""Rate limits counted in leases: exact per window, shared through a real Redis, one round trip per batch."""

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from app.config import Settings
from app.security.limits import LEASE_MAX, RateLimits


class Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def limits():
    """Build RateLimits on an injected clock; close their Redis connections afterwards."""
    built = []

    def build(rate: str, clock: Clock, redis_url: str = "") -> RateLimits:
        env = {"RATE_LIMIT": rate, **({"REDIS_URL": redis_url} if redis_url else {})}
        built.append(RateLimits(Settings.from_env(env, check=False), clock=clock))
        return built[-1]

    yield build
    for limiter in built:
        pool = getattr(limiter.storage.storage, "connection_pool", None)  # Redis; memory has none
        if pool is not None:
            pool.disconnect()


def admitted(limiter: RateLimits, key: str = "key:web") -> bool:
    return limiter.count(key)[1] is None


def redis_calls(server) -> int:
    """Return how many scripts the real Redis has run (the counters' INCRBY + EXPIRE)."""
    with redis.Redis.from_url(server.url) as client:
        stats = client.info("commandstats")
    return sum(stats.get(name, {}).get("calls", 0) for name in ("cmdstat_evalsha", "cmdstat_eval"))


def test_a_limit_admits_its_amount_then_refuses_until_the_window_ends(limits):
    clock = Clock(120.0)
    limiter = limits("5/minute", clock)
    assert [admitted(limiter) for _ in range(6)] == [True] * 5 + [False]
    rate, refusal = limiter.count("key:web")
    assert rate == (5, 0, 180) and refusal.status == 429
    assert refusal.headers["Retry-After"] == "60"
    clock.now = 150.5
    assert limiter.count("key:web")[1].headers["Retry-After"] == "30"
    clock.now = 180.0  # the next window
    assert [admitted(limiter) for _ in range(6)] == [True] * 5 + [False]


def test_callers_and_limits_are_counted_apart(limits):
    limiter = limits("2/second;3/minute", Clock(60.0))
    assert [admitted(limiter, "key:web") for _ in range(3)] == [True, True, False]  # the per-second limit
    assert [admitted(limiter, "jwt:iss|ann") for _ in range(3)] == [True, True, False]
    limiter.clock.now = 61.0
    assert [admitted(limiter, "key:web") for _ in range(2)] == [True, False]  # now the per-minute limit


@pytest.mark.parametrize("amount", [7, 40, 200])
def test_two_processes_sharing_redis_never_admit_past_the_limit(redis_server, limits, amount):
    clock = Clock(600.0)
    first, second = (limits(f"{amount}/minute", clock, redis_server.url) for _ in range(2))
    answers = [admitted(process) for _ in range(amount) for process in (first, second)]
    # a caller may be refused early by the counts the other process still holds, an eighth of what was left
    assert amount - max(1, amount // 8) <= answers.count(True) <= amount
    if amount < 16:
        assert answers.count(True) == amount  # small limits lease one count at a time: exact


def slowed(limiter: RateLimits) -> list:
    """Make each counter update take a round trip's time, so concurrent requests meet; return the calls."""
    calls, incr = [], limiter.storage.incr

    def slow_incr(*args, **kw):
        calls.append(args)
        time.sleep(0.02)  # widens the race, asserts nothing about time
        return incr(*args, **kw)

    limiter.storage.incr = slow_incr
    return calls


def test_concurrent_first_requests_share_one_lease_renewal(limits):
    limiter = limits("600/minute", Clock(600.0))
    calls = slowed(limiter)
    start = threading.Barrier(50)

    def ask(_):
        start.wait(10)
        return admitted(limiter)

    with ThreadPoolExecutor(50) as pool:
        assert all(pool.map(ask, range(50)))  # one batch of 64 for all of them, not 64 each
    assert len(calls) == 1


def test_concurrent_bursts_on_two_processes_within_the_limit_are_all_admitted(redis_server, limits):
    clock = Clock(600.0)
    processes = [limits("100/minute", clock, redis_server.url) for _ in range(2)]
    for process in processes:
        slowed(process)
    start = threading.Barrier(16)

    def burst(number):
        start.wait(10)
        return [admitted(processes[number % 2]) for _ in range(5)]

    with ThreadPoolExecutor(16) as pool:
        answers = [answer for answers in pool.map(burst, range(16)) for answer in answers]
    assert answers.count(True) == 80  # each process renews one lease at a time and uses it before the next


def test_hits_ask_redis_once_per_batch_and_not_at_all_once_refused(redis_server, limits):
    clock = Clock(600.0)
    limiter = limits("100000/minute", clock, redis_server.url)
    before = redis_calls(redis_server)
    assert all(admitted(limiter) for _ in range(1000))
    used = redis_calls(redis_server) - before
    assert 1000 // LEASE_MAX <= used <= 1000 // LEASE_MAX + 2  # a lease per 64 (a first script call may retry)

    small = limits("3/minute", clock, redis_server.url)
    assert [admitted(small, "key:other") for _ in range(3)] == [True] * 3
    before = redis_calls(redis_server)
    assert not any(admitted(small, "key:other") for _ in range(50))
    assert redis_calls(redis_server) - before == 1  # learning the window is spent; then refused from memory


def test_counts_left_in_a_lease_lapse_with_their_window(redis_server, limits):
    clock = Clock(659.5)
    limiter = limits("1000/minute", clock, redis_server.url)
    assert admitted(limiter)
    clock.now = 660.0
    assert admitted(limiter)
    with redis.Redis.from_url(redis_server.url) as client:
        counters = {key.decode().rsplit("/", 1)[1]: int(client.get(key)) for key in client.keys("*lp-limits*")}
    assert counters == {"10": LEASE_MAX, "11": LEASE_MAX}  # the second window took its own lease


def test_redis_down_lets_requests_through_logs_once_and_asks_again_a_second_later(redis_server, limits, caplog):
    clock = Clock(600.0)
    limiter = limits("2/minute", clock, redis_server.url)
    attempts = []
    incr = limiter.storage.incr
    limiter.storage.incr = lambda *args, **kw: attempts.append(args) or incr(*args, **kw)
    redis_server.stop()
    with caplog.at_level(logging.INFO, logger="looker_proxy.limits"):
        assert all(limiter.count("key:web") == ((2,), None) for _ in range(5))  # over 2, but not counted
        assert len(attempts) == 1
        clock.now = 601.5
        assert admitted(limiter) and len(attempts) == 2
    warnings = [r for r in caplog.records if getattr(r, "event", "") == "rate_limit_storage_down"]
    assert len(warnings) == 1
