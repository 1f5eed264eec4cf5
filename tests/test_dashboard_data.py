"""A whole dashboard in one request: every tile through the cache, filters merged, failures per tile."""

import orjson

from looker_emulator.state import Fault

from .helpers import API_KEY, calls, problem


def test_six_tiles_and_a_filter_load_in_one_request(client, emulator):
    reply = client.get("/api/dashboards/1/data?Status=complete")
    body = reply.get_json()
    assert reply.status_code == 200 and body["title"] == "Business Pulse" and len(body["elements"]) == 6
    tiles = {e["title"]: e for e in body["elements"]}
    assert all("data" in e and set(e) == {"id", "title", "type", "data"} for e in body["elements"])
    assert [r["orders.status"] for r in tiles["Orders by status"]["data"]] == ["complete"]
    assert calls(emulator, "dashboard") == 1 and calls(emulator, "run_inline_query") == 6


def test_filters_reach_only_the_tiles_that_listen(client):
    everything = client.get("/api/dashboards/1/data?Date=this year").get_json()["elements"]
    complete = client.get("/api/dashboards/1/data?Date=this year&Status=complete").get_json()["elements"]
    by_title = {e["title"]: e["data"] for e in everything}
    narrowed = {e["title"]: e["data"] for e in complete}
    assert narrowed["New users by month"] == by_title["New users by month"]  # listens to Date only
    assert (
        narrowed["Total revenue"][0]["order_items.total_sale_price"]
        < by_title["Total revenue"][0]["order_items.total_sale_price"]
    )


def test_defaults_apply_when_no_value_is_given(client):
    tiles = {e["title"]: e["data"] for e in client.get("/api/dashboards/1/data").get_json()["elements"]}
    assert len(tiles["Revenue by month"]) == 12  # the Date default, 12 months


def test_tiles_share_the_query_cache(client, emulator):
    client.get("/api/dashboards/1/data?Status=complete")
    client.get("/api/dashboards/1/data?Status=complete")
    assert calls(emulator, "run_inline_query") == 6
    tile = {
        "model": "thelook",
        "view": "order_items",
        "fields": ["order_items.total_sale_price"],
        "filters": {"orders.created_date": "12 months", "orders.status": "complete"},
    }
    assert client.post("/api/query", json=tile).headers["X-Cache"] == "HIT"


def test_a_failing_tile_carries_its_own_problem(client, emulator):
    emulator.state.faults.append(Fault(operation="run_inline_query", status=500, times=1))
    elements = client.get("/api/dashboards/2/data").get_json()["elements"]
    failed = [e for e in elements if "error" in e]
    assert len(failed) == 1 and failed[0]["error"]["status"] == 502 and failed[0]["error"]["code"] == "looker_error"
    assert sum(1 for e in elements if e.get("data")) == 1 and elements[-1]["data"] is None  # the text tile


def test_identical_tiles_run_once(client, emulator, monkeypatch):
    from app.api import dashboard_data

    plan = {
        "id": "9",
        "title": "Twins",
        "filters": {},
        "tiles": [
            {
                "id": str(i),
                "title": f"t{i}",
                "type": "table",
                "listen": {},
                "query": {
                    "model": "thelook",
                    "view": "orders",
                    "fields": ["orders.count"],
                    "limit": "500",
                    "filters": {},
                },
            }
            for i in range(4)
        ],
    }
    monkeypatch.setattr(dashboard_data, "load_plan", lambda dashboard_id: plan)
    emulator.state.faults.append(Fault(operation="run_inline_query", latency_ms=200))
    elements = client.get("/api/dashboards/9/data").get_json()["elements"]
    assert len({orjson.dumps(e["data"]) for e in elements}) == 1 and calls(emulator, "run_inline_query") == 1


def test_unknown_filter_names_are_400(client, emulator):
    body = problem(client.get("/api/dashboards/1/data?Region=EU"), 400, "invalid_request")
    assert "Date, Status" in body["detail"] and body["errors"][0]["field"] == "Region"
    assert calls(emulator, "run_inline_query") == 0


def test_unknown_dashboard_is_404(client):
    problem(client.get("/api/dashboards/999/data"), 404, "not_found")


def test_disallowed_tiles_fail_alone(make_app):
    web = make_app(ALLOWED_MODELS="finance").test_client()
    elements = web.get("/api/dashboards/2/data", headers={"X-API-Key": API_KEY}).get_json()["elements"]
    assert {e["error"]["status"] for e in elements if "error" in e} == {403}
