"""Rate limits counted in leases: exact per window, shared through a real Redis, one round trip per batch."""

import logging
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from app.config import Settings
from app.security import limits as limits_module
from app.security.counters import RedisCounters
from app.security.limits import COUNTER_PREFIX, LEASE_MAX, RateLimits

WEB = "key:web"


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
        built.append(RateLimits(Settings.from_env(env, check=False), clock=clock, sweep=False))
        return built[-1]  # tests call give_back() themselves instead of a sweeping thread

    yield build
    for limiter in built:
        limiter.close()


def admitted(limiter: RateLimits, key: str = WEB) -> bool:
    return limiter.count(key)[1] is None


def end_window(limiter: RateLimits, clock: Clock, seconds: float, index: int = 0, key: str = WEB) -> None:
    """Move the clock on; in Redis, whose clock does not move, drop the counter as its expiry would."""
    clock.now += seconds
    if isinstance(limiter.counters, RedisCounters):
        limiter.counters.client.delete(limiter.items[index].key_for(COUNTER_PREFIX, key))


def redis_calls(server) -> int:
    """Return how many round trips Redis has answered for counters: script calls, or a direct read or update.

    Commands a script runs are counted by Redis too (its INCRBY, PTTL), so those are not summed here.
    """
    with redis.Redis.from_url(server.url) as client:
        stats = client.info("commandstats")
    trips = ("evalsha", "eval", "ttl", "get", "set", "incr", "expire", "getex", "mget")
    return sum(int(stats.get(f"cmdstat_{name}", {}).get("calls", 0)) for name in trips)


def slowed(limiter: RateLimits) -> list:
    """Make each counter update take a round trip's time, so concurrent requests meet; return the calls."""
    calls, add = [], limiter.counters.add

    def slow_add(*args):
        calls.append(args)
        time.sleep(0.02)  # widens the race, asserts nothing about time
        return add(*args)

    limiter.counters.add = slow_add
    return calls


def test_a_limit_admits_its_amount_then_refuses_until_the_window_ends(limits):
    clock = Clock(120.0)
    limiter = limits("5/minute", clock)
    assert [admitted(limiter) for _ in range(6)] == [True] * 5 + [False]
    rate, refusal = limiter.count(WEB)
    assert rate == (5, 0, 180) and refusal.status == 429  # the window began with the first request
    assert refusal.headers["Retry-After"] == "60"
    clock.now = 150.5
    assert limiter.count(WEB)[1].headers["Retry-After"] == "30"
    end_window(limiter, clock, 29.5)
    assert [admitted(limiter) for _ in range(6)] == [True] * 5 + [False]


def test_callers_and_limits_are_counted_apart(limits):
    clock = Clock(60.0)
    limiter = limits("2/second;3/minute", clock)
    assert [admitted(limiter, WEB) for _ in range(3)] == [True, True, False]  # the per-second limit
    assert [admitted(limiter, "jwt:iss|ann") for _ in range(3)] == [True, True, False]
    end_window(limiter, clock, 1.0, index=0)
    assert [admitted(limiter, WEB) for _ in range(2)] == [True, False]  # now the per-minute limit


@pytest.mark.parametrize("amount", [7, 40, 600])
def test_two_processes_sharing_redis_never_admit_past_the_limit(redis_server, limits, amount):
    clock = Clock(600.0)
    first, second = (limits(f"{amount}/minute", clock, redis_server.url) for _ in range(2))
    answers = [admitted(process) for _ in range(amount) for process in (first, second)]
    # a caller may be refused early by the counts the other process still holds, an eighth of what was left
    assert amount - max(1, amount // 8) <= answers.count(True) <= amount
    if amount < 16:
        assert answers.count(True) == amount  # small limits lease one count at a time: exact


def test_a_caller_met_once_by_many_processes_keeps_its_whole_limit(redis_server, limits):
    clock = Clock(600.0)
    processes = [limits("600/minute", clock, redis_server.url) for _ in range(12)]
    assert all(admitted(process) for process in processes)  # each lends this caller a first lease of one
    busy = processes[0]
    answers = [admitted(busy) for _ in range(600)]
    assert answers.count(True) == 600 - len(processes) and not answers[-1]


def test_without_redis_a_forgotten_caller_keeps_its_count(limits, monkeypatch):
    monkeypatch.setattr(limits_module, "CALLERS_KEPT", 3)
    limiter = limits("600/minute", Clock(600.0))
    assert all(admitted(limiter) for _ in range(64))
    assert all(admitted(limiter, f"jwt:iss|user{n}") for n in range(6))  # push the first caller's lease out
    answers = [admitted(limiter) for _ in range(600)]
    assert answers.count(True) == 600 - 64 and not answers[-1]  # one worker counts exactly, lease or not


def test_a_caller_moving_between_processes_keeps_its_limit(redis_server, limits):
    clock = Clock(600.0)
    first, second = (limits("600/minute", clock, redis_server.url) for _ in range(2))
    assert all(admitted(first) for _ in range(100))  # its lease has grown: counts are held here
    clock.now += 1.5
    assert first.give_back() > 0  # idle for more than a second: the held counts go back
    answers = [admitted(second) for _ in range(600)]
    assert answers.count(True) == 500 and not answers[-1]


def test_a_refused_caller_is_admitted_again_once_held_counts_come_back(redis_server, limits):
    clock = Clock(600.0)
    first, second = (limits("200/minute", clock, redis_server.url) for _ in range(2))
    assert all(admitted(first) for _ in range(20))  # leases of 1, 2, 4, 8, 16: 11 counts still held
    answers = [admitted(second) for _ in range(200)]
    assert answers.count(True) == 169 and not answers[-1]
    clock.now += 1.5
    assert first.give_back() == 11 and second.give_back() == 1  # the one the refusing renewal took, too
    more = [admitted(second) for _ in range(20)]
    assert more.count(True) == 11 and not more[-1]  # 20 + 169 + 11: the whole limit, nothing past it


def test_counts_are_never_given_back_into_a_newer_window(redis_server, limits):
    clock = Clock(600.0)
    first, second = (limits("200/minute", clock, redis_server.url) for _ in range(2))
    assert all(admitted(first) for _ in range(20))  # 11 counts held
    with redis.Redis.from_url(redis_server.url) as client:
        client.flushall()  # the window is lost (a Redis restart without persistence, say)
    answers = [admitted(second) for _ in range(201)]
    assert answers.count(True) == 200  # a new window
    clock.now += 1.5
    assert first.give_back() == 0  # the 11 belonged to the lost window
    assert not admitted(second)


def test_a_forgotten_lease_gives_its_counts_back(redis_server, limits, monkeypatch):
    monkeypatch.setattr(limits_module, "CALLERS_KEPT", 3)
    clock = Clock(600.0)
    limiter = limits("200/minute", clock, redis_server.url)
    assert all(admitted(limiter) for _ in range(20))  # 11 counts held
    assert all(admitted(limiter, f"jwt:iss|user{n}") for n in range(3))  # push that lease out
    assert limiter.give_back() == 11
    answers = [admitted(limiter) for _ in range(200)]
    assert answers.count(True) == 180 and not answers[-1]


@pytest.mark.parametrize("rate", ["5/minute;3/second", "3/second;5/minute", "5/minute;5/minute;3/second"])
def test_a_request_refused_by_a_short_window_takes_nothing_from_a_long_one(limits, rate):
    clock = Clock(600.0)
    limiter = limits(rate, clock)
    assert [admitted(limiter) for _ in range(4)] == [True, True, True, False]
    clock.now += 1.0
    assert [admitted(limiter) for _ in range(3)] == [True, True, False]  # five a minute, whatever the order
    assert limits(rate, clock).count("key:new")[0] == (int(rate[0]),)  # X-RateLimit-Limit: the first written


def test_concurrent_first_requests_share_one_lease_renewal(redis_server, limits):
    limiter = limits("600/minute", Clock(600.0), redis_server.url)
    calls = slowed(limiter)
    start = threading.Barrier(50)

    def ask(_):
        start.wait(10)
        return admitted(limiter)

    with ThreadPoolExecutor(50) as pool:
        assert all(pool.map(ask, range(50)))  # renewals one at a time, not a batch each
    assert len(calls) <= 7  # leases of 1, 2, 4 ... 32 cover fifty requests


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
    growing = math.ceil(math.log2(LEASE_MAX))  # leases of 1, 2, 4 ... before they reach LEASE_MAX
    assert used <= growing + 1000 // LEASE_MAX + 2

    small = limits("3/minute", clock, redis_server.url)
    assert [admitted(small, "key:other") for _ in range(3)] == [True] * 3
    before = redis_calls(redis_server)
    assert not any(admitted(small, "key:other") for _ in range(50))
    assert redis_calls(redis_server) - before == 1  # learning the window is spent; then refused from memory


def test_counts_left_in_a_lease_lapse_with_their_window(redis_server, limits):
    clock = Clock(600.0)
    limiter = limits("1000/minute", clock, redis_server.url)
    assert all(admitted(limiter) for _ in range(10))  # leases of 1, 2, 4 and 8: five counts still held
    end_window(limiter, clock, 60.0)
    assert admitted(limiter)
    with redis.Redis.from_url(redis_server.url) as client:
        (counter,) = client.keys(f"*{COUNTER_PREFIX}*")
        assert int(client.hget(counter, "n")) == 1  # the new window began with a lease of one, not the old five


def test_redis_down_lets_requests_through_logs_once_and_one_request_asks_again(redis_server, limits, caplog):
    clock = Clock(600.0)
    limiter = limits("2/minute", clock, redis_server.url)
    attempts, add = [], limiter.counters.add

    def failing_slowly(*args):
        attempts.append(args)
        clock.now += 0.6  # the failed attempt took a timeout's time
        return add(*args)

    limiter.counters.add = failing_slowly
    redis_server.stop()
    with caplog.at_level(logging.INFO, logger="looker_proxy.limits"):
        assert all(limiter.count(WEB) == ((2,), None) for _ in range(5))  # over 2, but not counted
        assert len(attempts) == 1
        clock.now = 601.5  # a second after the request began, less than a second after its failure
        assert admitted(limiter) and len(attempts) == 1
        clock.now = 601.7
        assert admitted(limiter) and len(attempts) == 2
        redis_server.start()
        limiter.counters.add = add
        clock.now = 603.5  # the last failure ended at 602.3
        assert [admitted(limiter, "key:later") for _ in range(3)] == [True, True, False]  # counting again
    events = [getattr(record, "event", "") for record in caplog.records]
    assert events.count("rate_limit_storage_down") == 1 and events.count("rate_limit_storage_back") == 1


def test_while_redis_is_failing_one_request_probes_and_the_others_pass(redis_server, limits):
    clock = Clock(600.0)
    limiter = limits("2/minute", clock, redis_server.url)
    redis_server.stop()
    assert admitted(limiter)  # the failure that starts the outage
    clock.now = 602.0
    probing, release, add, entered = threading.Event(), threading.Event(), limiter.counters.add, []

    def hanging(*args):
        entered.append(args)
        probing.set()
        release.wait(3)  # a Redis that does not answer
        return add(*args)

    limiter.counters.add = hanging
    with ThreadPoolExecutor(1) as pool:
        probe = pool.submit(admitted, limiter, "key:prober")
        assert probing.wait(10)
        assert all(admitted(limiter, f"key:other{n}") for n in range(8))  # not held behind the probe
        assert all(admitted(limiter, "key:prober") for _ in range(4))  # nor its own caller's other requests
        assert len(entered) == 1
        release.set()
        assert probe.result(10)


def test_a_process_gives_back_idle_counts_on_its_own(redis_server):
    from .helpers import wait_until

    settings = Settings.from_env({"RATE_LIMIT": "600/minute", "REDIS_URL": redis_server.url}, check=False)
    limiter = RateLimits(settings)  # the real clock and the sweeping thread
    try:
        assert all(admitted(limiter) for _ in range(100))  # leases of 1 to 64: 127 counts taken
        with redis.Redis.from_url(redis_server.url) as client:
            (counter,) = client.keys(f"*{COUNTER_PREFIX}*")
            assert int(client.hget(counter, "n")) == 127
            wait_until(lambda: int(client.hget(counter, "n")) == 100, seconds=10)  # the 27 unused ones came back
    finally:
        limiter.close()
