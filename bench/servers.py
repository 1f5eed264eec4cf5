"""Start and stop the benchmark's servers, each pinned where the measurement needs it, all on loopback."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
# On Linux, servers share core 0 and wrk gets core 1, so load and servers never fight over a core mid-run.
SERVER_CPU = ["taskset", "-c", "0"] if shutil.which("taskset") and (os.cpu_count() or 1) > 1 else []
LOAD_CPU = ["taskset", "-c", "1"] if SERVER_CPU else []


def gunicorn(app: str | None = None) -> list[str]:
    """Return the command that runs `app` (default: the service) under gunicorn.conf.py, pinned to core 0."""
    return [*SERVER_CPU, sys.executable, "-m", "gunicorn", *([app] if app else [])]


class Fleet:
    """The processes one run started; `stop` ends them all, whatever happened."""

    def __init__(self):
        self.processes: list[subprocess.Popen] = []

    def start(self, args: list[str], env: dict, probe: str | None = None, port: int | None = None):
        """Start a process and wait until `probe` answers over HTTP (or `port` accepts connections)."""
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.processes.append(process)
        deadline = time.monotonic() + 60
        while not _answers(probe, port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{' '.join(args)} did not come up")
            time.sleep(0.1)
        return process

    def stop_one(self, process: subprocess.Popen) -> None:
        """Stop one process this fleet started."""
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        self.processes.remove(process)

    def stop(self) -> None:
        """Stop every process still running, newest first."""
        for process in reversed(list(self.processes)):
            self.stop_one(process)


def _answers(probe: str | None, port: int | None) -> bool:
    try:
        if probe is not None:
            requests.get(probe, timeout=1)
        else:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except (requests.RequestException, OSError):
        return False


def redis_command(port: int) -> list[str]:
    """Return the command for a throwaway redis-server on `port`: no persistence, pinned with the servers."""
    return [*SERVER_CPU, "redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
