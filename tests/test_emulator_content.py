"""The emulator's Looks, dashboards and query tasks through the real looker_sdk."""

import time

import looker_sdk
import orjson
import pytest
import requests
from looker_sdk import models40
from looker_sdk.error import SDKError

from .helpers import EmulatorSdkSettings, rows

ORDERS = {"model": "thelook", "view": "orders", "fields": ["orders.status", "orders.count"]}


@pytest.fixture
def sdk(emulator):
    return looker_sdk.init40(config_settings=EmulatorSdkSettings(emulator.url))


# ---- looks and dashboards --------------------------------------------------------------------------------
def test_looks_and_their_formats(sdk):
    look = sdk.look("1")
    assert look.title == "Orders by status" and look.query.model == "thelook"
    assert orjson.loads(sdk.run_look("1", "json")) == rows(
        sdk,
        {
            "model": "thelook",
            "view": "orders",
            "fields": ["orders.status", "orders.count"],
            "sorts": ["orders.count desc"],
        },
    )
    assert sdk.run_look("1", "png").startswith(b"\x89PNG")
    assert sdk.run_look("1", "jpg").startswith(b"\xff\xd8")
    assert sdk.run_look("1", "xlsx").startswith(b"PK")
    with pytest.raises(SDKError, match="Not found"):
        sdk.look("999")


def test_dashboards_with_filters_and_listeners(sdk):
    board = sdk.dashboard("1")
    assert [f.name for f in board.dashboard_filters] == ["Date", "Status"]
    assert len(board.dashboard_elements) == 6
    listens = {
        e.title: [(x.dashboard_filter_name, x.field) for x in e.result_maker.filterables[0].listen]
        for e in board.dashboard_elements
    }
    assert listens["Orders by status"] == [("Date", "orders.created_date"), ("Status", "orders.status")]
    assert listens["New users by month"] == [("Date", "users.created_date")]
    assert sdk.dashboard("2").dashboard_filters == []
    with pytest.raises(SDKError, match="Not found"):
        sdk.dashboard("999")


# ---- query tasks -----------------------------------------------------------------------------------------
def wait_for(sdk, task_id, seconds=5):
    deadline = time.monotonic() + seconds
    while (status := sdk.query_task(task_id).status) not in ("complete", "error", "killed"):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return status


def test_query_tasks_run_and_return_results(sdk):
    query = sdk.create_query(ORDERS)
    task = sdk.create_query_task(
        models40.WriteCreateQueryTask(query_id=query.id, result_format=models40.ResultFormat.json)
    )
    assert wait_for(sdk, task.id) == "complete"
    assert orjson.loads(sdk.query_task_results(task.id)) == rows(sdk, ORDERS)
    multi = sdk.query_task_multi_results(task.id)
    assert multi[task.id]["status"] == "complete"


def test_running_task_results_are_202_and_a_kill_stops_it(emulator, sdk):
    from looker_emulator.state import Fault

    emulator.state.faults.append(Fault(operation="query_task_execution", latency_ms=400, times=1))
    query = sdk.create_query(ORDERS)
    task = sdk.create_query_task({"query_id": query.id, "result_format": "csv"})
    token = sdk.auth.token.access_token
    reply = requests.get(
        f"{emulator.url}/api/4.0/query_tasks/{task.id}/results", headers={"Authorization": f"Bearer {token}"}
    )
    assert reply.status_code == 202
    sdk.kill_query(task.id)
    assert sdk.query_task(task.id).status == "killed"
    reply = requests.get(
        f"{emulator.url}/api/4.0/query_tasks/{task.id}/results", headers={"Authorization": f"Bearer {token}"}
    )
    assert reply.status_code == 404


def test_unknown_task_is_404(sdk):
    with pytest.raises(SDKError, match="Not found"):
        sdk.query_task("nope")
