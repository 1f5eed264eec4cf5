"""The front end is part of the project's checks: the package's type check, its tests, and the demo in Chromium.

Run when `clients/node_modules` exists (`npm ci` in clients/; `.ci/run` does it). Without Node or the
installed packages these are skipped locally and fail under `CI=true`.
"""

import os
import shutil
import subprocess
import sys

import pytest

from .helpers import ROOT

CLIENTS = ROOT / "clients"


def _npm() -> str:
    npm = shutil.which("npm")
    missing = "npm is not installed" if npm is None else None
    if npm and not (CLIENTS / "node_modules").is_dir():
        missing = "clients/node_modules is missing (run npm ci in clients/)"
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing}; CI must install the front end's packages (see .ci/run)")
        pytest.skip(missing)
    return npm


@pytest.mark.parametrize(
    "script",
    [
        "check",  # type-check both workspaces, types match /openapi.json, the committed demo build is fresh
        "test",  # the client against python -m app --demo, and the hooks in jsdom
        "test:browser",  # the demo page in headless Chromium, embed included
    ],
)
def test_front_end_script_passes(script):
    npm = _npm()
    env = {**os.environ, "PYTHON": sys.executable}
    run = subprocess.run(
        [npm, "run", script], cwd=CLIENTS, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert run.returncode == 0, f"npm run {script} failed:\n{run.stdout[-6000:]}\n{run.stderr[-3000:]}"
