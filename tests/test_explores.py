"""Models and explores, restricted to ALLOWED_MODELS, with helpful 404s."""

import pytest

from .helpers import API_KEY, calls, problem

H = {"X-API-Key": API_KEY}


def test_models_list_allowed_models_with_their_explores(make_app, emulator):
    web = make_app(ALLOWED_MODELS="thelook").test_client()
    models = web.get("/api/models", headers=H).get_json()
    assert [m["name"] for m in models] == ["thelook"]
    assert [e["name"] for e in models[0]["explores"]] == ["order_items", "orders", "users", "products"]
    assert set(models[0]["explores"][0]) == {"name", "label", "description"}


def test_all_models_without_an_allow_list(client):
    assert {m["name"] for m in client.get("/api/models").get_json()} == {"thelook", "finance"}


def test_explore_describes_dimensions_and_measures(client):
    body = client.get("/api/models/thelook/explores/order_items").get_json()
    assert set(body) == {"name", "label", "description", "dimensions", "measures"}
    dims = {d["name"]: d for d in body["dimensions"]}
    assert dims["orders.created_month"]["type"] == "date_month" and "orders.user_id" not in dims  # hidden
    assert set(body["measures"][0]) == {"name", "label", "type", "description"}


def test_metadata_is_cached_briefly(client, emulator):
    client.get("/api/models/thelook/explores/orders")
    second = client.get("/api/models/thelook/explores/orders")
    assert second.headers["X-Cache"] == "HIT" and calls(emulator, "lookml_model_explore") == 1


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("/api/models/nope/explores", "Models you can use: finance, thelook"),
        ("/api/models/thelook/explores/Orders", "Its explores: order_items, orders, users, products"),
    ],
)
def test_wrong_names_are_404_listing_the_right_ones(client, path, says):
    assert says in problem(client.get(path), 404, "not_found")["detail"]


@pytest.mark.parametrize("path", ["/api/models/finance/explores", "/api/models/finance/explores/revenue"])
def test_disallowed_models_are_403_before_looker(make_app, emulator, path):
    web = make_app(ALLOWED_MODELS="thelook").test_client()
    problem(web.get(path, headers=H), 403, "forbidden")
    assert calls(emulator, "lookml_model") + calls(emulator, "lookml_model_explore") == 0


def test_disallowed_model_query_is_403_before_looker(make_app, emulator):
    web = make_app(ALLOWED_MODELS="thelook").test_client()
    body = {"model": "finance", "view": "revenue", "fields": ["order_items.count"]}
    problem(web.post("/api/query", json=body, headers=H), 403, "forbidden")
    assert calls(emulator, "run_inline_query") == 0


def test_look_on_a_disallowed_model_is_403_without_running_it(make_app, emulator):
    web = make_app(ALLOWED_MODELS="thelook").test_client()
    assert web.get("/api/looks/1", headers=H).status_code == 200
    problem(web.get("/api/looks/5", headers=H), 403, "forbidden")
    assert calls(emulator, "run_look") == 1
