"""The emulator's datagroups through the real looker_sdk: trigger checks on reload, admin resets, refusals."""

import datetime as dt
import time

import orjson
import pytest
import requests
from looker_sdk import models40
from looker_sdk.error import SDKError

from looker_emulator.compiler import Compiler
from looker_emulator.data import build_database
from looker_emulator.datagroups import Datagroups
from looker_emulator.lookml import load_models

DECLARED = {
    ("finance", "revenue_datagroup"),
    ("thelook", "catalogue_datagroup"),
    ("thelook", "orders_datagroup"),
}
STATUS_COUNTS = {"model": "thelook", "view": "orders", "fields": ["orders.status", "orders.count"]}


@pytest.fixture
def reload(emulator):
    """Post to the reload control, and put the starting data back after the test."""

    def post(body: dict) -> requests.Response:
        return requests.post(f"{emulator.url}/__emulator/reload", json=body, timeout=30)

    yield post
    assert post({}).status_code == 200


def by_name(sdk) -> dict[str, models40.Datagroup]:
    return {group.name: group for group in sdk.all_datagroups()}


def test_the_loader_reads_each_models_datagroups_and_persist_with():
    models = load_models()
    assert models["thelook"].persist_with == "orders_datagroup"
    assert models["finance"].persist_with == "revenue_datagroup"
    orders = models["thelook"].datagroups["orders_datagroup"]
    assert orders.sql_trigger == "SELECT MAX(created_at) FROM orders"
    assert orders.max_cache_age == "24 hours"
    assert {(m.name, d) for m in models.values() for d in m.datagroups} == DECLARED


def test_service_account_reads_every_datagroup_with_the_value_its_trigger_found(sdk):
    groups = by_name(sdk)
    assert {(g.model_name, g.name) for g in groups.values()} == DECLARED
    products = orjson.loads(
        sdk.run_inline_query("json", {"model": "thelook", "view": "products", "fields": ["products.count"]})
    )
    revenue = orjson.loads(
        sdk.run_inline_query(
            "json", {"model": "finance", "view": "revenue", "fields": ["order_items.total_sale_price"]}
        )
    )
    assert groups["catalogue_datagroup"].trigger_value == str(products[0]["products.count"])
    assert float(groups["revenue_datagroup"].trigger_value) == pytest.approx(revenue[0]["order_items.total_sale_price"])
    for group in groups.values():
        assert group.trigger_error is None
        assert group.created_at <= group.triggered_at <= group.trigger_check_at <= time.time()
        assert group.can["update"] is True


def test_one_datagroup_by_id_is_the_listed_one_and_an_unknown_id_is_404(sdk):
    listed = by_name(sdk)["orders_datagroup"]
    assert sdk.datagroup(listed.id) == listed
    with pytest.raises(SDKError, match="Not found"):
        sdk.datagroup("999")


def test_an_update_moves_stale_before_and_triggered_at_and_nothing_else(sdk):
    before = by_name(sdk)["revenue_datagroup"]
    now = int(time.time())
    updated = sdk.update_datagroup(before.id, models40.WriteDatagroup(stale_before=now))
    assert updated.stale_before == now and updated.triggered_at == before.triggered_at
    sdk.update_datagroup(before.id, models40.WriteDatagroup(triggered_at=now - 3600))
    after = sdk.datagroup(before.id)
    assert (after.stale_before, after.triggered_at) == (now, now - 3600)
    assert (after.trigger_value, after.created_at) == (before.trigger_value, before.created_at)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (lambda now: {"stale_before": now + 3600}, "stale_before"),
        (lambda now: {"triggered_at": now + 60, "stale_before": now}, "triggered_at"),
        (lambda now: {"triggered_at": "yesterday"}, "triggered_at"),
        (lambda now: {"stale_before": -1}, "stale_before"),
        (lambda now: {"stale_before": True}, "stale_before"),
    ],
    ids=["stale_before in the future", "triggered_at in the future", "a word", "negative", "a boolean"],
)
def test_an_update_in_the_future_or_not_a_timestamp_is_422_and_changes_nothing(emulator, sdk, body, field):
    before = sdk.datagroup("1")
    token = sdk.auth.token.access_token
    reply = requests.patch(
        f"{emulator.url}/api/4.0/datagroups/1",
        json=body(int(time.time())),
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert reply.status_code == 422
    assert [e["field"] for e in reply.json()["errors"]] == [field]
    assert sdk.datagroup("1") == before


def test_reading_datagroups_needs_a_token(emulator):
    assert requests.get(f"{emulator.url}/api/4.0/datagroups", timeout=10).status_code == 401


def test_a_reload_with_a_new_seed_triggers_the_datagroups_whose_value_changed(sdk, reload):
    hour_ago = int(time.time()) - 3600
    for group in sdk.all_datagroups():
        sdk.update_datagroup(group.id, models40.WriteDatagroup(triggered_at=hour_ago))
    before = by_name(sdk)
    saved = sdk.create_query(models40.WriteQuery(**STATUS_COUNTS))
    rows_before = orjson.loads(sdk.run_query(saved.id, "json"))
    started = int(time.time())

    reply = reload({"seed": 8})

    assert reply.status_code == 200
    after = by_name(sdk)
    changed = {"orders_datagroup", "revenue_datagroup"}
    assert sorted(reply.json()["triggered"]) == sorted(after[name].id for name in changed)
    for name in changed:
        assert after[name].trigger_value != before[name].trigger_value
        assert after[name].triggered_at >= started
    catalogue = after["catalogue_datagroup"]
    assert (catalogue.trigger_value, catalogue.triggered_at) == (before["catalogue_datagroup"].trigger_value, hour_ago)
    assert all(group.trigger_check_at >= started for group in after.values())
    assert orjson.loads(sdk.run_query(saved.id, "json")) != rows_before  # the saved query reads the new data
    assert orjson.loads(sdk.run_inline_query("json", STATUS_COUNTS)) != rows_before


def test_a_reload_with_the_same_seed_checks_every_trigger_and_triggers_none(sdk, reload):
    before = by_name(sdk)
    reply = reload({})
    assert reply.json() == {"seed": 7, "triggered": []}
    after = by_name(sdk)
    for name, group in after.items():
        assert (group.trigger_value, group.triggered_at) == (before[name].trigger_value, before[name].triggered_at)
        assert group.trigger_check_at >= before[name].trigger_check_at


@pytest.mark.parametrize("seed", ["8", 1.5, None, True])
def test_a_reload_seed_must_be_an_integer(reload, seed):
    assert reload({"seed": seed}).status_code == 400


def test_a_failing_trigger_records_its_error_and_keeps_the_last_value():
    today = dt.date(2026, 6, 1)
    clock = iter([1000.0, 1000.0, 1060.0, 1060.0]).__next__
    groups = Datagroups(Compiler(load_models(), build_database(7, today, users=20, orders=40), today), clock=clock)
    first = groups.describe("1")
    assert (first["name"], first["trigger_error"], first["triggered_at"]) == ("revenue_datagroup", None, 1000)
    groups.records["1"].sql_trigger = "SELECT MAX(missing_column) FROM order_items"

    assert groups.check() == []

    failed = groups.describe("1")
    assert "no such column" in failed["trigger_error"]
    assert (failed["trigger_value"], failed["triggered_at"], failed["trigger_check_at"]) == (
        first["trigger_value"],
        1000,
        1060,
    )
