"""Freshness that follows Looker's datagroups: when a model's data changes in Looker, its results stop being fresh.

Looker ties its own cache to datagroups: a `sql_trigger` that Looker re-checks, and an admin's `stale_before`.
`all_datagroups` reports, per datagroup, `triggered_at` and `stale_before` (UNIX seconds). Every
DATAGROUP_POLL_SECONDS this poller reads them and tells the cache, per tag, the moment before which entries
are no longer fresh: the latest trigger of any datagroup of that model, plus a small margin because Looker's
times are whole seconds and two machines' clocks differ slightly. Looks are tagged `looks`, because a Look's
model is known only after a Looker call; they follow every model's datagroups (the latest trigger of all),
just as a purge of any model drops them. Looker's times are absolute, so an instance that starts after a
trigger judges entries already in Redis correctly from its first poll on.

With Redis, one process in all polls Looker per period: the period's number names a lock (SET NX), the
winner reads Looker and leaves what it found in Redis, and every other process reads that instead. Without
Redis (or while it is down), each worker process polls Looker itself. Polls run in one background thread per
process, started by the first request the worker serves (never at import: gunicorn forks after the app is
built) and stopped at exit. A failing poll is logged once, keeps the last known triggers, and never touches a
request; the hit path only reads the map the poller replaced.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import orjson
from flask import Flask

from .keys import LOOKS_TAG, model_tag

if TYPE_CHECKING:
    from app.telemetry import Telemetry

    from .redis_store import RedisStore
    from .store import ResultCache

log = logging.getLogger("looker_proxy.datagroups")
MARGIN_SECONDS = 2.0  # Looker's whole seconds, and a little clock skew, are counted against the entry
STATE = "datagroups"
STATE_KEEP_PERIODS = 10
STOP_SECONDS = 5.0


def model_triggers(datagroups: Iterable[Any]) -> dict[str, float]:
    """Return each model's latest trigger: the largest `triggered_at` or `stale_before` of its datagroups."""
    latest: dict[str, float] = {}
    for group in datagroups:
        moments = [t for t in (group.triggered_at, group.stale_before) if t]
        if group.model_name and moments:
            latest[group.model_name] = max(latest.get(group.model_name, 0.0), float(max(moments)))
    return latest


def not_before(triggers: dict[str, float]) -> dict[str, float]:
    """Return, per cache tag, the moment before which its entries are stale; Looks follow every model."""
    tags = {model_tag(model): moment + MARGIN_SECONDS for model, moment in triggers.items()}
    if triggers:
        tags[LOOKS_TAG] = max(triggers.values()) + MARGIN_SECONDS
    return tags


class DatagroupPoller:
    """Read Looker's datagroups once per period (per process, or once in all through Redis) and apply them."""

    def __init__(
        self,
        read: Callable[[], Iterable[Any]],
        cache: ResultCache,
        period: float,
        clock: Callable[[], float],
        shared: RedisStore | None = None,
        telemetry: Telemetry | None = None,
    ):
        self.read, self.cache, self.period, self.clock = read, cache, period, clock
        self.shared, self.telemetry = shared, telemetry
        self.triggers: dict[str, float] = {}  # model -> Looker's latest trigger
        self.last_poll: float | None = None  # when Looker was last read (here or by the process that polled)
        self.failing = False
        self.background = True  # False when the caller drives polls itself with poll_once() (tests, the CLI)
        self.polled = threading.Event()  # set after each poll, so a test can wait for the thread's first one
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # ---- one poll ----------------------------------------------------------------------------------------
    def poll_once(self, from_looker: bool = False) -> bool:
        """Learn the datagroups' triggers (from Looker, or from the process that asked it this period); never raise.

        `from_looker` asks Looker whatever other processes did this period (the warm command must know now).
        """
        try:
            state = None if from_looker else self._shared_state()
            if state is None:
                state = {"polled": self.clock(), "models": model_triggers(self.read())}
                self._publish(state)
        except Exception as exc:  # Looker down, a refusal, a bug: the last known triggers stay
            self._failed(exc)
            return False
        self._apply(state)
        return True

    def _shared_state(self) -> dict | None:
        """Return what another process found this period, or None when this process should ask Looker."""
        if self.shared is None or not self.shared.available():
            return None
        slot = int(self.clock() // self.period)
        won = self.shared.claim(f"{STATE}:{slot}", int(self.period * 2000))
        if won is None or won:  # Redis failed, or this process polls for everyone this period
            return None
        raw = self.shared.get_value(STATE)
        if raw is None:  # the winner has not finished (or Redis failed): keep what we know until next time
            raise LookupError("the datagroups of this period are not in Redis yet")
        return orjson.loads(raw)

    def _publish(self, state: dict) -> None:
        if self.shared is not None and self.shared.available():
            self.shared.put_value(STATE, orjson.dumps(state), int(self.period * STATE_KEEP_PERIODS * 1000))

    def _apply(self, state: dict) -> None:
        self.triggers, self.last_poll = dict(state["models"]), float(state["polled"])
        self.cache.follow_triggers(not_before(self.triggers))
        if self.failing:
            log.info("datagroup polling recovered", extra={"event": "datagroups_recovered"})
            self.failing = False
        if self.telemetry is not None:
            self.telemetry.datagroup_polled.set(self.last_poll)
            for model, moment in self.triggers.items():
                self.telemetry.datagroup_triggered.labels(model).set(moment)

    def _failed(self, exc: Exception) -> None:
        if isinstance(exc, LookupError):  # not a failure: the answer of this period is on its way
            return
        if self.telemetry is not None:
            self.telemetry.datagroup_errors.inc()
        if not self.failing:  # logged once per outage, not once per period
            self.failing = True
            log.warning(
                "reading Looker's datagroups failed; freshness follows the last known triggers and CACHE_TTL",
                extra={"event": "datagroups_failed", "error": type(exc).__name__, "detail": str(exc)[:200]},
            )

    # ---- the background thread ---------------------------------------------------------------------------
    def start(self) -> None:
        """Start polling in this process (once; nothing when DATAGROUP_POLL_SECONDS is 0)."""
        if self._thread is not None or self.period <= 0 or not self.background:
            return
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, name="datagroup-poller", daemon=True)
            self._thread.start()
        atexit.register(self.stop)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.poll_once()
            self.polled.set()
            self._stop.wait(self.period)

    def stop(self, timeout: float = STOP_SECONDS) -> None:
        """Stop the polling thread and wait for a poll in progress to end."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)


def init_app(app: Flask, poller: DatagroupPoller) -> None:
    """Start the poller with the first request this worker serves."""
    app.before_request(poller.start)
