"""Per-user data in the emulator through the real looker_sdk: embed users, attributes, login_user, access filters."""

import time

import looker_sdk
import orjson
import pytest
import requests
from looker_sdk import models40
from looker_sdk.error import SDKError

from looker_emulator import embed
from looker_emulator.state import DEFAULT_EMBED_SECRET

from .helpers import EmulatorSdkSettings
from .user_helpers import ITEMS, PRODUCTS, USERS, as_user, brand_filter, embed_user, external_id, user_token

pytestmark = pytest.mark.filterwarnings("ignore:login_user behavior changed:UserWarning")


# ---- the key behaviour: a brand user gets exactly the service account's rows for that brand ------------------
@pytest.mark.parametrize("fmt", ["json", "csv", "txt"])
@pytest.mark.parametrize("query", [ITEMS, PRODUCTS], ids=["order_items", "products"])
def test_brand_user_gets_exactly_the_brand_filtered_answer(sdk, query, fmt):
    token = user_token(sdk, brand="Calvin Klein")
    mine = sdk.run_inline_query(fmt, query, transport_options=as_user(token))
    assert mine == sdk.run_inline_query(fmt, brand_filter(query, "Calvin Klein"))
    assert mine != sdk.run_inline_query(fmt, query)


def test_json_bi_differs_from_the_filtered_answer_only_in_the_filters_the_query_names(sdk):
    token = user_token(sdk, brand="Calvin Klein")
    mine = orjson.loads(sdk.run_inline_query("json_bi", ITEMS, transport_options=as_user(token)))
    theirs = orjson.loads(sdk.run_inline_query("json_bi", brand_filter(ITEMS, "Calvin Klein")))
    assert mine["rows"] == theirs["rows"] and mine["metadata"]["sql"] == theirs["metadata"]["sql"]
    assert theirs["metadata"].pop("filters") == {"products.brand": "Calvin Klein"}
    assert mine["metadata"].pop("filters") in ({}, None)
    assert mine == theirs


def test_two_brands_see_different_rows_that_add_up_to_the_whole(sdk):
    total = {"model": "thelook", "view": "order_items", "fields": ["order_items.count"]}
    brands = ["Allegra K", "Levi's", "Carhartt", "Patagonia", "Hanes", "Calvin Klein", "Nike", "Columbia"]
    counts = {
        brand: orjson.loads(
            sdk.run_inline_query("json", total, transport_options=as_user(user_token(sdk, brand=brand)))
        )
        for brand in brands
    }
    assert counts["Nike"] != counts["Calvin Klein"]
    everything = orjson.loads(sdk.run_inline_query("json", total))[0]["order_items.count"]
    assert sum(rows[0]["order_items.count"] for rows in counts.values()) == everything


def test_a_user_filter_on_another_brand_finds_nothing(sdk):
    token = user_token(sdk, brand="Calvin Klein")
    asked = brand_filter(ITEMS, "Nike")
    assert orjson.loads(sdk.run_inline_query("json", asked, transport_options=as_user(token))) == []


def test_explores_without_an_access_filter_are_not_narrowed(sdk):
    token = user_token(sdk, brand="Calvin Klein")
    assert sdk.run_inline_query("json", USERS, transport_options=as_user(token)) == sdk.run_inline_query("json", USERS)


def test_a_list_of_values_sees_each_brand(sdk):
    token = user_token(sdk, brand="Nike, Hanes")
    brands = {"model": "thelook", "view": "products", "fields": ["products.brand"]}
    rows = orjson.loads(sdk.run_inline_query("json", brands, transport_options=as_user(token)))
    assert sorted(r["products.brand"] for r in rows) == ["Hanes", "Nike"]


def test_the_sql_shows_the_access_filter(sdk):
    token = user_token(sdk, brand="Nike")
    assert "products.brand = 'Nike'" in sdk.run_inline_query("sql", ITEMS, transport_options=as_user(token))


# ---- every way a query runs applies the filter ------------------------------------------------------------------
def test_saved_queries_looks_tasks_and_dashboard_tiles_run_as_the_user(sdk):
    token = user_token(sdk, brand="Nike")
    saved = sdk.create_query(models40.WriteQuery(**ITEMS))
    expected = sdk.run_inline_query("json", brand_filter(ITEMS, "Nike"))
    assert sdk.run_query(saved.id, "json", transport_options=as_user(token)) == expected
    top_brands = orjson.loads(sdk.run_look("3", "json", transport_options=as_user(token)))
    assert [r["products.brand"] for r in top_brands] == ["Nike"]
    task_spec = models40.WriteCreateQueryTask(query_id=saved.id, result_format=models40.ResultFormat.json)
    task = sdk.create_query_task(task_spec, transport_options=as_user(token))
    deadline = time.monotonic() + 5
    while sdk.query_task(task.id).status != "complete" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert sdk.query_task_results(task.id) == expected  # a task runs as the user who created it, whoever reads it
    tile = next(e for e in sdk.dashboard("1").dashboard_elements if e.title == "Total revenue")
    mine = orjson.loads(sdk.run_query(tile.query_id, "json", transport_options=as_user(token)))
    everyone = orjson.loads(sdk.run_query(tile.query_id, "json"))
    assert 0 < mine[0]["order_items.total_sale_price"] < everyone[0]["order_items.total_sale_price"]


def test_signed_embed_url_makes_the_embed_user_and_its_page_shows_only_its_rows(emulator, sdk):
    ext_id = external_id()
    url = sdk.create_sso_embed_url(
        models40.EmbedSsoParams(
            target_url=f"{emulator.url}/embed/dashboards/1",
            external_user_id=ext_id,
            models=["thelook"],
            permissions=["access_data", "see_user_dashboards"],
            user_attributes={"brand": "Nike"},
            first_name="Ada",
        )
    ).url
    page = requests.get(url).text
    assert "Nike" in page and "Calvin Klein" not in page
    user = sdk.user_for_credential("embed", ext_id)
    assert user.first_name == "Ada" and user.credentials_embed[0].external_user_id == ext_id


def test_a_locally_signed_url_updates_the_same_embed_user(emulator, sdk):
    ext_id = external_id()
    first = embed_user(sdk, ext_id, brand="Nike")
    host = emulator.url.removeprefix("http://")
    values = {
        "nonce": f"n-{ext_id}",
        "time": int(time.time()),
        "session_length": 600,
        "external_user_id": ext_id,
        "permissions": ["access_data"],
        "models": ["thelook"],
        "user_attributes": {"brand": "Hanes"},
    }
    requests.get(embed.signed_url(DEFAULT_EMBED_SECRET, host, "/embed/dashboards/2", values, scheme="http"))
    assert sdk.user_for_credential("embed", ext_id).id == first
    values = {v.name: v.value for v in sdk.user_attribute_user_values(first)}
    assert values["brand"] == "Hanes"


# ---- embed users: made, found, updated -------------------------------------------------------------------------
def test_a_second_acquire_updates_the_attributes_of_the_same_user(sdk):
    ext_id = external_id()
    user_id = embed_user(sdk, ext_id, brand="Nike")
    token = sdk.login_user(user_id).access_token
    assert embed_user(sdk, ext_id, brand="Hanes") == user_id
    assert sdk.run_inline_query("json", ITEMS, transport_options=as_user(token)) == sdk.run_inline_query(
        "json", brand_filter(ITEMS, "Hanes")
    )  # the token lives on; the new value applies to its next query


def test_an_acquire_with_a_live_session_leaves_the_user_as_it_was(sdk):
    ext_id = external_id()
    user_id = embed_user(sdk, ext_id, brand="Nike")
    session = sdk.acquire_embed_cookieless_session({"external_user_id": ext_id, "user_attributes": {"brand": "Nike"}})
    sdk.acquire_embed_cookieless_session(
        {
            "external_user_id": ext_id,
            "user_attributes": {"brand": "Hanes"},
            "session_reference_token": session.session_reference_token,
        }
    )
    assert {v.name: v.value for v in sdk.user_attribute_user_values(user_id)}["brand"] == "Nike"


def test_create_embed_user_is_found_by_its_credential_and_used_once(sdk):
    ext_id = external_id()
    made = sdk.create_embed_user(models40.CreateEmbedUserRequest(external_user_id=ext_id))
    assert sdk.user_for_credential("embed", ext_id).id == made.id == sdk.user(made.id).id
    with pytest.raises(SDKError, match="already exists"):
        sdk.create_embed_user(models40.CreateEmbedUserRequest(external_user_id=ext_id))
    token = sdk.login_user(made.id).access_token
    with pytest.raises(SDKError, match="not found"):  # no embed session gave it a model yet
        sdk.run_inline_query("json", ITEMS, transport_options=as_user(token))


def test_unknown_credential_and_user_are_404(sdk):
    for call in (
        lambda: sdk.user_for_credential("embed", "nobody"),
        lambda: sdk.user("999999"),
        lambda: sdk.login_user("999999"),
    ):
        with pytest.raises(SDKError, match="Not found"):
            call()


def test_me_answers_the_user_of_the_token(sdk):
    user_id = embed_user(sdk, external_id(), brand="Nike")
    token = sdk.login_user(user_id).access_token
    assert sdk.me(transport_options=as_user(token)).id == user_id
    assert sdk.me().display_name == "Emulator Service"


def test_sudo_with_the_sdks_own_login_user_runs_as_the_user(emulator):
    service = looker_sdk.init40(config_settings=EmulatorSdkSettings(emulator.url))
    user_id = embed_user(service, external_id(), brand="Columbia")
    sudo = looker_sdk.init40(config_settings=EmulatorSdkSettings(emulator.url))
    sudo.auth.login_user(user_id)
    assert sudo.me().id == user_id
    assert sudo.run_inline_query("json", PRODUCTS) == service.run_inline_query(
        "json", brand_filter(PRODUCTS, "Columbia")
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda sdk: sdk.login_user("1"),
        lambda sdk: sdk.create_embed_user(models40.CreateEmbedUserRequest(external_user_id="x")),
        lambda sdk: sdk.set_user_attribute_user_value("1", "6", models40.UserAttributeWithValue(value="Nike")),
        lambda sdk: sdk.user_for_credential("embed", "x"),
    ],
    ids=["login_user", "create_embed_user", "set_value", "user_for_credential"],
)
def test_a_user_token_cannot_do_admin_work(sdk, call):
    sudo = looker_sdk.init40(config_settings=EmulatorSdkSettings(sdk.auth.settings.base_url))
    sudo.auth.login_user(embed_user(sdk, external_id(), brand="Nike"))
    with pytest.raises(SDKError, match="needs an admin"):
        call(sudo)
