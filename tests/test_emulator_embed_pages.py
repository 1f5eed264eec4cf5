"""Embed pages show real data: dashboard filter defaults and URL filters, Looks and explores with theirs."""

import secrets
import time
from urllib.parse import urlsplit

import looker_sdk
import pytest
import requests

from looker_emulator import embed, embed_pages
from looker_emulator.content import DASHBOARDS, LOOKS
from looker_emulator.state import DEFAULT_EMBED_SECRET

from .helpers import EmulatorSdkSettings

USER = {
    "external_user_id": "viewer-1",
    "permissions": ["access_data", "see_looks", "see_user_dashboards"],
    "models": ["thelook"],
    "session_length": 600,
    "user_attributes": {"region": "north", "brand": "Calvin Klein"},
}
NARROWED = ("order_items", "products")  # explores whose access_filter shows this user only its brand's rows


@pytest.fixture
def sdk(emulator):
    return looker_sdk.init40(config_settings=EmulatorSdkSettings(emulator.url))


def _open(emulator, target: str) -> requests.Response:
    values = {**USER, "nonce": secrets.token_hex(16), "time": int(time.time())}
    url = embed.signed_url(DEFAULT_EMBED_SECRET, urlsplit(emulator.url).netloc, target, values, scheme="http")
    return requests.get(url)


def _tile(spec: dict, title: str, values: dict[str, str]) -> dict:
    tile = next(t for t in spec["elements"] if t["title"] == title)
    base = LOOKS[tile["look_id"]]["query"] if tile.get("look_id") else tile["query"]
    query = {**base, "filters": dict(base.get("filters") or {})}
    for name, field in tile.get("listen", {}).items():
        if values.get(name):
            query["filters"][field] = values[name]
    if query["view"] in NARROWED:
        query["filters"]["products.brand"] = USER["user_attributes"]["brand"]
    return query


def test_dashboard_tiles_use_the_filter_defaults(emulator, sdk):
    page = _open(emulator, "/embed/dashboards/1")
    assert page.status_code == 200
    defaults = {"Date": "12 months", "Status": ""}
    for title in ("Total revenue", "Orders by status", "New users by month"):
        assert sdk.run_inline_query("html", _tile(DASHBOARDS["1"], title, defaults)) in page.text
    all_time = sdk.run_inline_query("html", DASHBOARDS["1"]["elements"][3]["query"])
    assert all_time not in page.text  # the default Date filter narrowed the total


def test_dashboard_url_filters_reach_the_tiles_that_listen(emulator, sdk):
    page = _open(emulator, "/embed/dashboards/1?Date=7%20days&Status=complete&embed_domain=http://x&sdk=3")
    values = {"Date": "7 days", "Status": "complete"}
    for title in ("Total revenue", "Revenue by department", "Top brands", "Revenue by month", "New users by month"):
        assert sdk.run_inline_query("html", _tile(DASHBOARDS["1"], title, values)) in page.text, title
    assert "<li data-filter='Status'>Status: complete</li>" in page.text


def test_a_look_embed_shows_its_data_with_url_filters(emulator, sdk):
    page = _open(emulator, "/embed/looks/1?f[orders.status]=complete")
    expected = {**LOOKS["1"]["query"], "filters": {"orders.status": "complete"}}
    assert page.status_code == 200 and "Orders by status" in page.text
    assert sdk.run_inline_query("html", expected) in page.text
    assert sdk.run_inline_query("html", LOOKS["1"]["query"]) not in page.text


def test_an_explore_embed_runs_the_urls_query(emulator, sdk):
    target = (
        "/embed/explore/thelook/orders?fields=orders.status,orders.count"
        "&f[orders.status]=-cancelled&sorts=orders.count+desc&limit=2"
    )
    page = _open(emulator, target)
    query = {
        "model": "thelook",
        "view": "orders",
        "fields": ["orders.status", "orders.count"],
        "filters": {"orders.status": "-cancelled"},
        "sorts": ["orders.count desc"],
        "limit": "2",
    }
    assert page.status_code == 200 and sdk.run_inline_query("html", query) in page.text


def test_an_explore_embed_opens_a_saved_query_by_qid(emulator, sdk):
    saved = sdk.create_query({"model": "thelook", "view": "users", "fields": ["users.traffic_source", "users.count"]})
    page = _open(emulator, f"/embed/explore/thelook/users?qid={saved.slug}")
    assert sdk.run_inline_query("html", {"model": "thelook", "view": "users", "fields": saved.fields}) in page.text


def test_an_explore_embed_without_fields_lists_them(emulator):
    page = _open(emulator, "/embed/explore/thelook/orders")
    assert page.status_code == 200 and "<li>orders.status</li>" in page.text and "<table>" not in page.text


def test_unknown_content_is_404_and_bad_fields_show_lookers_error(emulator):
    assert _open(emulator, "/embed/dashboards/99").status_code == 404
    page = _open(emulator, "/embed/explore/thelook/orders?fields=orders.nope")
    assert page.status_code == 200 and "class='looker-error'" in page.text


def test_a_database_failure_shows_in_the_tiles_not_as_a_500(emulator):
    page = _open(emulator, "/embed/dashboards/1?Date=9999999999%20days")
    assert page.status_code == 200 and page.text.count("SQL Error:") == 6  # every tile listens to Date


def test_every_query_of_a_page_goes_through_one_function(emulator, monkeypatch):
    seen = []
    original = embed_pages.run_embed_query

    def spy(query, viewer):
        seen.append((query["view"], viewer["external_user_id"], viewer["user_attributes"]))
        return original(query, viewer)

    monkeypatch.setattr(embed_pages, "run_embed_query", spy)
    assert _open(emulator, "/embed/dashboards/1").status_code == 200
    assert len(seen) == 6 and {who for _, who, _ in seen} == {"viewer-1"}
    assert seen[0][2] == USER["user_attributes"]
    _open(emulator, "/embed/looks/2")
    _open(emulator, "/embed/explore/thelook/orders?fields=orders.count")
    assert len(seen) == 8
