"""Drive one endpoint with wrk and read back requests/s and p99, refusing a run that saw any failure."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field

import requests

from .servers import LOAD_CPU

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass
class Target:
    """One request wrk repeats: where, how, and the status every answer must have."""

    url: str
    method: str = "GET"
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200

    def send(self, session: requests.Session | None = None) -> requests.Response:
        """Send the request once, as wrk will."""
        return (session or requests).request(self.method, self.url, data=self.body, headers=self.headers, timeout=30)

    def lua(self) -> str:
        """Return the wrk script that sends this request."""
        lines = [f'wrk.method = "{self.method}"']
        if self.body is not None:
            lines.append(f"wrk.body = [==[{self.body.decode()}]==]")
        lines += [f"wrk.headers[{_lua_string(name)}] = {_lua_string(value)}" for name, value in self.headers.items()]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Run:
    """What one wrk run measured."""

    rps: float
    p99_ms: float


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)([a-z]+)", text).groups()
    return float(number) * UNITS_MS[unit]


def wrk(target: Target, seconds: float, connections: int) -> Run:
    """Run wrk -t2 against the target (on the load core) and return its requests/s and p99 latency."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(target.lua())
    try:
        command = [*LOAD_CPU, "wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script.name]
        out = subprocess.run(
            [*command, target.url], capture_output=True, text=True, timeout=seconds + 60, check=True
        ).stdout
    finally:
        os.unlink(script.name)
    if "Non-2xx" in out or "Socket errors" in out:
        raise SystemExit(f"wrk saw failures against {target.url}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE).group(1))
    return Run(rps, p99)
