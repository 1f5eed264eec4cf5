"""The report worker's command line: a bad file is refused before anything runs, and serve stops cleanly."""

import os
import signal
import subprocess
import sys
from pathlib import Path

from .helpers import emulator_env

ROOT = Path(__file__).resolve().parents[1]


def test_the_command_refuses_a_bad_file_before_running(emulator, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[reports.x]\ntitle = 1\n")
    done = subprocess.run(
        [sys.executable, "-m", "app.reports", "list"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=_env(emulator, REPORTS_FILE=str(path)),
        timeout=60,
    )
    assert done.returncode == 2 and "report 'x'" in done.stderr and "'title'" in done.stderr


def test_serve_stops_cleanly_on_sigterm(emulator, tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "app.reports", "serve"],
        cwd=ROOT,
        text=True,
        env=_env(emulator, REPORTS_STATE_FILE=str(tmp_path / "s.json")),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout.readline().startswith("Serving 4 report(s)")
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=30)
    assert process.returncode == 0 and "Stopped." in out


def _env(emulator, **extra):
    """Return a report worker's environment: the emulator's settings, little else."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    return {**keep, **emulator_env(emulator), "LOG_LEVEL": "warning", **extra}
