"""Exactly once: which (report, slot, destination) were sent, in Redis or in a local file written atomically."""

from __future__ import annotations

import fcntl
import json
import os
import time
from pathlib import Path

import redis

CLAIM_SECONDS = 900  # a sender that died mid-send frees its claim after this
KEEP_SECONDS = 90 * 86400


class FileLedger:
    """A JSON file, read and rewritten under an exclusive lock, replaced atomically."""

    def __init__(self, path: str):
        self.path = Path(path)
        self.lock_path = self.path.with_suffix(self.path.suffix + ".lock")

    def _update(self, change):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # a second serve process waits here
            try:
                state = json.loads(self.path.read_text()) if self.path.exists() else {}
            except json.JSONDecodeError:
                state = {}
            now = time.time()
            state = {k: v for k, v in state.items() if v.get("until", now + 1) > now}
            result = change(state, now)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(state, sort_keys=True))
            os.replace(tmp, self.path)
            return result

    def claim(self, key: str) -> bool:
        """Take the right to send `key`; False when it was sent, or another sender holds it."""

        def change(state, now):
            if key in state:
                return False
            state[key] = {"state": "sending", "until": now + CLAIM_SECONDS}
            return True

        return self._update(change)

    def done(self, key: str) -> None:
        self._update(lambda state, now: state.__setitem__(key, {"state": "sent", "until": now + KEEP_SECONDS}))

    def release(self, key: str) -> None:
        self._update(lambda state, now: state.pop(key, None))


class RedisLedger:
    """The same, in Redis, so every process and machine agrees."""

    def __init__(self, url: str):
        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)

    def claim(self, key: str) -> bool:
        return bool(self.client.set("lp:reports:" + key, "sending", nx=True, ex=CLAIM_SECONDS))

    def done(self, key: str) -> None:
        self.client.set("lp:reports:" + key, "sent", ex=KEEP_SECONDS)

    def release(self, key: str) -> None:
        self.client.delete("lp:reports:" + key)
