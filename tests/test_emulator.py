"""The emulator through the real looker_sdk: every endpoint, answers checked against the data and the spec."""

import datetime as dt
import threading

import looker_sdk
import orjson
import pytest
import requests
from looker_sdk import models40
from looker_sdk.error import SDKError

from looker_emulator.filters import date_range
from looker_emulator.state import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

from .helpers import EmulatorSdkSettings, rows

ORDERS = {"model": "thelook", "view": "orders", "fields": ["orders.status", "orders.count"]}


@pytest.fixture
def sdk(emulator):
    return looker_sdk.init40(config_settings=EmulatorSdkSettings(emulator.url))


# ---- session ---------------------------------------------------------------------------------------------
def test_login_by_form_or_query_string_and_both_auth_schemes(emulator):
    form = requests.post(
        f"{emulator.url}/api/4.0/login", data={"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET}
    ).json()
    query = requests.post(
        f"{emulator.url}/api/4.0/login", params={"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET}
    ).json()
    assert form["expires_in"] == 3600 and form["token_type"] == "Bearer"
    for scheme, token in (("Bearer", form["access_token"]), ("token", query["access_token"])):
        assert requests.get(f"{emulator.url}/api/4.0/user", headers={"Authorization": f"{scheme} {token}"}).ok


def test_bad_credentials_are_404_as_in_looker(emulator):
    sdk = looker_sdk.init40(config_settings=EmulatorSdkSettings(emulator.url, secret="wrong"))
    with pytest.raises(SDKError, match="Not found"):
        sdk.me()


def test_both_logout_paths_end_the_session(emulator, sdk):
    sdk.me()
    sdk.logout()
    token = sdk.auth.token.access_token
    assert requests.get(f"{emulator.url}/api/4.0/user", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    sdk.auth.token = type(sdk.auth.token)()
    sdk.me()
    sdk.auth.logout()  # DELETE /api/logout, the unversioned path
    assert sdk.auth.token.access_token in (None, "")


def test_no_token_is_401(emulator):
    reply = requests.get(f"{emulator.url}/api/4.0/user")
    assert reply.status_code == 401 and reply.json()["message"] == "Requires authentication."


# ---- models ----------------------------------------------------------------------------------------------
def test_models_and_explores(sdk):
    models = {m.name: m for m in sdk.all_lookml_models()}
    assert set(models) == {"thelook", "finance"}
    assert [e.name for e in sdk.lookml_model("thelook").explores] == ["order_items", "orders", "users", "products"]
    explore = sdk.lookml_model_explore("thelook", "order_items")
    dimensions = {d.name for d in explore.fields.dimensions}
    measures = {m.name for m in explore.fields.measures}
    assert {"orders.created_date", "orders.created_week", "orders.created_quarter", "users.age_tier"} <= dimensions
    assert {"order_items.total_sale_price", "users.count", "orders.customer_count"} <= measures


def test_unknown_model_and_explore_are_404(sdk):
    for call in (lambda: sdk.lookml_model("nope"), lambda: sdk.lookml_model_explore("thelook", "nope")):
        with pytest.raises(SDKError, match="Not found"):
            call()


# ---- queries and their semantics -------------------------------------------------------------------------
def test_totals_by_status_add_up_to_the_total(sdk):
    by_status = rows(sdk, ORDERS)
    total = rows(sdk, {**ORDERS, "fields": ["orders.count"]})[0]["orders.count"]
    assert sum(r["orders.count"] for r in by_status) == total == 12000
    revenue = rows(
        sdk,
        {"model": "thelook", "view": "order_items", "fields": ["products.department", "order_items.total_sale_price"]},
    )
    overall = rows(sdk, {"model": "thelook", "view": "order_items", "fields": ["order_items.total_sale_price"]})
    assert sum(r["order_items.total_sale_price"] for r in revenue) == pytest.approx(
        overall[0]["order_items.total_sale_price"], rel=1e-9
    )


def test_filters_narrow_rows(sdk):
    assert [r["orders.status"] for r in rows(sdk, {**ORDERS, "filters": {"orders.status": "complete"}})] == ["complete"]
    others = {r["orders.status"] for r in rows(sdk, {**ORDERS, "filters": {"orders.status": "-complete,-pending"}})}
    assert others == {"shipped", "returned", "cancelled"}
    wildcard = {r["orders.status"] for r in rows(sdk, {**ORDERS, "filters": {"orders.status": "%ed"}})}
    assert wildcard == {"shipped", "returned", "cancelled"}
    big = rows(sdk, {**ORDERS, "filters": {"orders.count": ">1500"}})
    assert {r["orders.status"] for r in big} == {"complete", "shipped"}
    ages = rows(
        sdk,
        {
            "model": "thelook",
            "view": "users",
            "fields": ["users.age", "users.count"],
            "filters": {"users.age": "[20,30)"},
            "limit": "100",
        },
    )
    assert {r["users.age"] for r in ages} == set(range(20, 30))


def test_relative_date_filters_respect_the_calendar(sdk, emulator):
    today = emulator.state.today
    days = rows(
        sdk,
        {
            "model": "thelook",
            "view": "orders",
            "fields": ["orders.created_date", "orders.count"],
            "filters": {"orders.created_date": "7 days"},
        },
    )
    assert days and all(
        today - dt.timedelta(days=6) <= dt.date.fromisoformat(r["orders.created_date"]) <= today for r in days
    )
    months = rows(
        sdk,
        {
            "model": "thelook",
            "view": "orders",
            "fields": ["orders.created_month", "orders.count"],
            "filters": {"orders.created_date": "last 3 months"},
        },
    )
    assert len(months) == 3 and today.strftime("%Y-%m") not in {r["orders.created_month"] for r in months}


@pytest.mark.parametrize(
    ("expression", "start", "end"),
    [
        ("7 days", "2026-11-22", "2026-11-29"),
        ("last 3 months", "2026-08-01", "2026-11-01"),
        ("this year", "2026-01-01", "2027-01-01"),
        ("last week", "2026-11-16", "2026-11-23"),
        ("2026-01-01 to 2026-02-01", "2026-01-01", "2026-02-01"),
        ("2025", "2025-01-01", "2026-01-01"),
        ("3 months ago for 2 months", "2026-08-01", "2026-10-01"),
        ("before 2026-01-01", None, "2026-01-01"),
        ("after 2026-11-01", "2026-11-01", None),
        ("yesterday", "2026-11-27", "2026-11-28"),
    ],
)
def test_date_expressions(expression, start, end):
    got = date_range(expression, dt.date(2026, 11, 28))
    assert tuple(d.isoformat() if d else None for d in got) == (start, end)


def test_sorts_limit_and_default_sort(sdk):
    ascending = rows(sdk, {**ORDERS, "sorts": ["orders.count asc"], "limit": 2})
    assert len(ascending) == 2 and ascending[0]["orders.count"] <= ascending[1]["orders.count"]
    default = rows(sdk, ORDERS)
    assert [r["orders.count"] for r in default] == sorted((r["orders.count"] for r in default), reverse=True)


def test_pivots_in_json_bi(sdk):
    body = rows(
        sdk,
        {
            "model": "thelook",
            "view": "orders",
            "pivots": ["orders.status"],
            "limit": "3",
            "fields": ["orders.created_year", "orders.status", "orders.count"],
        },
        "json_bi",
    )
    keys = [p["key"] for p in body["metadata"]["pivots"]]
    assert keys == sorted(keys) and "complete" in keys
    assert all(set(r["orders.count"]) == set(keys) for r in body["rows"])
    assert body["metadata"]["fields"]["pivots"][0]["name"] == "orders.status"


@pytest.mark.parametrize(
    ("fmt", "content_type", "check"),
    [
        ("csv", "text/csv; charset=utf-8", lambda b: b.startswith("Orders Status,Orders Count")),
        ("txt", "text/plain; charset=utf-8", lambda b: "\t" in b),
        ("html", "text/html; charset=utf-8", lambda b: b.startswith("<table>")),
        ("md", "text/markdown; charset=utf-8", lambda b: b.startswith("| Orders Status")),
        ("sql", "text/plain; charset=utf-8", lambda b: b.startswith("SELECT")),
        ("json_detail", "application/json; charset=utf-8", lambda b: "data" in orjson.loads(b)),
    ],
)
def test_text_formats_carry_utf8(emulator, sdk, fmt, content_type, check):
    assert check(sdk.run_inline_query(fmt, ORDERS))
    token = sdk.auth.token.access_token
    reply = requests.post(
        f"{emulator.url}/api/4.0/queries/run/{fmt}", json=ORDERS, headers={"Authorization": f"Bearer {token}"}
    )
    assert reply.headers["Content-Type"] == content_type


def test_unknown_format_is_400(sdk):
    with pytest.raises(SDKError, match="Unknown result format"):
        sdk.run_inline_query("pdf", ORDERS)


def test_unknown_field_is_422_with_errors(sdk):
    with pytest.raises(SDKError) as caught:
        sdk.run_inline_query("json", {**ORDERS, "fields": ["orders.nope"]})
    assert caught.value.message == "Validation Failed" and caught.value.errors[0].field == "fields"


def test_bad_filter_is_422(sdk):
    with pytest.raises(SDKError, match="Validation Failed"):
        sdk.run_inline_query("json", {**ORDERS, "filters": {"orders.created_date": "next blue moon"}})


def test_saved_queries_are_deduplicated_and_runnable(sdk):
    first = sdk.create_query(models40.WriteQuery(**ORDERS, limit="10"))
    again = sdk.create_query(models40.WriteQuery(**ORDERS, limit="10"))
    assert first.id == again.id and first.slug
    assert sdk.query(first.id).fields == ORDERS["fields"]
    assert sdk.query_for_slug(first.slug).id == first.id
    assert orjson.loads(sdk.run_query(first.id, "json")) == rows(sdk, {**ORDERS, "limit": "10"})


# ---- test controls ---------------------------------------------------------------------------------------
def test_controls_count_calls_and_inject_faults(emulator, sdk):
    sdk.run_inline_query("json", ORDERS)
    assert requests.get(f"{emulator.url}/__emulator/calls").json()["run_inline_query"] == 1
    requests.post(
        f"{emulator.url}/__emulator/faults", json={"operation": "run_inline_query", "status": 500, "times": 1}
    )
    with pytest.raises(SDKError):
        sdk.run_inline_query("json", ORDERS)
    sdk.run_inline_query("json", ORDERS)
    requests.post(f"{emulator.url}/__emulator/revoke_tokens")
    with pytest.raises(SDKError, match="Requires authentication"):
        sdk.me()
    requests.post(f"{emulator.url}/__emulator/reset")
    assert requests.get(f"{emulator.url}/__emulator/calls").json() == {}


def test_concurrent_queries_are_served(sdk):
    sdk.me()
    results, barrier = [], threading.Barrier(8)

    def run():
        barrier.wait()
        results.append(rows(sdk, ORDERS))

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8 and all(r == results[0] for r in results)
