"""Background refreshes for stale-while-revalidate: a few threads, a short queue, and a clean stop.

A stale answer is served at once and the new one is fetched here, outside any request. The pool is small
on purpose: each refresh also takes a Looker slot like any call, so a wave of expiring entries must not
crowd out the requests that are waiting for Looker. When the queue is full a refresh is simply not
scheduled; the entry stays stale and the next request asks again. Threads start on first use, in the
worker (gunicorn forks after the app is built), and stop when the process exits: queued refreshes are
dropped, a running one is given a few seconds to finish.
"""

from __future__ import annotations

import atexit
import contextvars
import logging
import queue
import threading
from collections.abc import Callable

log = logging.getLogger("looker_proxy.cache")
WORKERS = 2
BACKLOG = 32
STOP_SECONDS = 5.0


class Refresher:
    """At most `workers` refreshes at once and `backlog` waiting; more are refused, never queued without bound."""

    def __init__(self, workers: int = WORKERS, backlog: int = BACKLOG):
        self.workers = workers
        self._queue: queue.Queue[Callable[[], None] | None] = queue.Queue(maxsize=backlog)
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._pending = 0  # queued or running
        self._closed = False

    def submit(self, job: Callable[[], None]) -> bool:
        """Queue a refresh; say False when the pool is full or stopped, so the caller can give the slot back.

        The job runs in the caller's context (contextvars copied): its identity, so a per-user entry is
        refreshed as that user and stored under that user's key, never as the service account.
        """
        context = contextvars.copy_context()
        with self._lock:
            if self._closed:
                return False
            try:
                self._queue.put_nowait(lambda: context.run(job))
            except queue.Full:
                return False
            self._pending += 1
            if not self._threads:
                self._start()
        return True

    def _start(self) -> None:
        for number in range(self.workers):
            thread = threading.Thread(target=self._work, name=f"cache-refresh-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)
        atexit.register(self.close)

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            try:
                job()
            except Exception:  # a refresh reports its own failures; this is a bug, and must not kill the thread
                log.exception("background refresh crashed", extra={"event": "refresh_crashed"})
            finally:
                self._done()

    def _done(self) -> None:
        with self._lock:
            self._pending -= 1
            if self._pending == 0:
                self._idle.notify_all()

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until nothing is queued or running; say whether that happened in time (for tests and the CLI)."""
        with self._lock:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def close(self, timeout: float = STOP_SECONDS) -> None:
        """Drop queued refreshes, let running ones finish for up to `timeout` seconds, and stop the threads."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            threads = list(self._threads)
        while True:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                self._done()
        for _ in threads:
            self._queue.put(None)
        for thread in threads:
            thread.join(timeout)
