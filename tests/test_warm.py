"""python -m app warm: named dashboards land in Redis, so a new instance serves them without asking Looker."""

import time

import pytest
from looker_sdk import models40

from app import create_app
from app.__main__ import main
from app.config import Settings

from .helpers import API_KEY, calls, emulator_env


def set_env(monkeypatch, env: dict) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def test_warm_fills_the_shared_cache_and_asks_only_for_what_is_not_fresh(
    emulator, redis_server, quiet_datagroups, monkeypatch, capsys
):
    env = emulator_env(emulator, REDIS_URL=redis_server.url, DATAGROUP_POLL_SECONDS=60)
    set_env(monkeypatch, env)
    assert main(["warm", "--dashboards", "1,2"]) == 0
    out = capsys.readouterr().out
    assert "dashboard 1 (Business Pulse):" in out and "dashboard 2 (Catalogue):" in out and " 0 failed" in out
    warmed = calls(emulator, "run_inline_query")
    assert warmed > 0 and calls(emulator, "all_datagroups") == 1

    viewer = create_app(Settings.from_env(env)).test_client()  # an instance that just started
    viewer.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {API_KEY}"
    assert viewer.get("/api/dashboards/1/data").status_code == 200
    assert calls(emulator, "run_inline_query") == warmed  # every tile came from Redis

    assert main(["warm", "--dashboards", "1,2"]) == 0  # nothing triggered: nothing to ask
    assert calls(emulator, "run_inline_query") == warmed
    quiet_datagroups.update_datagroup("3", models40.WriteDatagroup(triggered_at=int(time.time())))
    assert main(["warm", "--dashboards", "1,2"]) == 0
    assert calls(emulator, "run_inline_query") > warmed  # thelook's tiles were fetched again


@pytest.mark.parametrize(
    ("redis", "args", "status", "said"),
    [
        (False, ["warm", "--dashboards", "1"], 2, "REDIS_URL is not set"),
        (True, ["warm", "--dashboards", "999"], 1, "dashboard 999: 404"),
    ],
    ids=["without redis", "an unknown dashboard"],
)
def test_warm_refuses_or_fails_loudly(emulator, redis_server, monkeypatch, capsys, redis, args, status, said):
    set_env(monkeypatch, emulator_env(emulator, **({"REDIS_URL": redis_server.url} if redis else {})))
    assert main(args) == status
    captured = capsys.readouterr()
    assert said in captured.out + captured.err


def test_warm_needs_dashboards(emulator, monkeypatch):
    set_env(monkeypatch, emulator_env(emulator))
    with pytest.raises(SystemExit) as exited:
        main(["warm"])
    assert exited.value.code == 2
