"""Named metrics: every period present, real numbers, bad input named, a bad file refused at start."""

import datetime as dt

import pytest

from app import create_app
from app.config import ConfigError, Settings
from app.metrics.catalog import load_catalog

from .helpers import calls, emulator_env, problem


def test_metrics_are_listed(client):
    names = [m["name"] for m in client.get("/api/metrics").get_json()]
    assert names == ["revenue", "orders", "items_sold", "new_users"]


def test_ninety_days_give_ninety_points_of_real_numbers(client, emulator):
    end = emulator.state.today
    start = end - dt.timedelta(days=89)
    body = client.get(f"/api/metrics/revenue?from={start}&to={end}").get_json()
    assert body["metric"] == "revenue" and body["granularity"] == "day" and len(body["points"]) == 90
    assert body["points"][0]["period"] == start.isoformat() and body["points"][-1]["period"] == end.isoformat()
    assert all(isinstance(p["value"], int | float) for p in body["points"])
    assert sum(p["value"] for p in body["points"]) > 0


def test_points_add_up_to_the_query_total(client, emulator):
    points = client.get("/api/metrics/orders?from=2025-01-01&to=2025-12-31&granularity=month").get_json()["points"]
    assert [p["period"] for p in points][:2] == ["2025-01-01", "2025-02-01"] and len(points) == 12
    total = client.post(
        "/api/query",
        json={
            "model": "thelook",
            "view": "orders",
            "fields": ["orders.count"],
            "filters": {"orders.created_date": "2025-01-01 to 2026-01-01"},
        },
    )
    assert sum(p["value"] for p in points) == total.get_json()[0]["orders.count"]


def test_empty_periods_are_zero_filled(client):
    points = client.get("/api/metrics/orders?from=2010-01-01&to=2010-01-10").get_json()["points"]
    assert len(points) == 10 and {p["value"] for p in points} == {0}


def test_metric_results_are_cached(client, emulator):
    client.get("/api/metrics/orders?from=2025-01-01&to=2025-03-31&granularity=week")
    second = client.get("/api/metrics/orders?from=2025-01-01&to=2025-03-31&granularity=week")
    assert second.headers["X-Cache"] == "HIT" and calls(emulator, "run_inline_query") == 1


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2025-02-30", "from"),
        ("to=yesterday", "to"),
        ("from=2025-1-1", "from"),
        ("from=2025-03-01&to=2025-02-01", "to"),
        ("from=2015-01-01&to=2025-01-01", "from"),
        ("granularity=hour", "granularity"),
        ("colour=red", "colour"),
    ],
)
def test_bad_parameters_are_400_naming_them(client, emulator, query, field):
    body = problem(client.get(f"/api/metrics/orders?{query}"), 400, "invalid_request")
    assert body["errors"][0]["field"] == field and calls(emulator, "run_inline_query") == 0


def test_granularities_can_be_limited_per_metric(client):
    problem(client.get("/api/metrics/new_users?granularity=day"), 400, "invalid_request")


def test_unknown_metric_is_404_listing_the_names(client):
    assert "revenue, orders" in problem(client.get("/api/metrics/nope"), 404, "not_found")["detail"]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('[metrics.m]\nlabel = "M"\nmodel = "thelook"\nexplore = "orders"\ntime = "orders.created"\n', "'measure'"),
        (
            '[metrics.m]\nlabel = "M"\nmodel = "thelook"\nexplore = "orders"\nmeasure = "count"\ntime = "orders.c"\n',
            "'measure'",
        ),
        (
            '[metrics.m]\nlabel = "M"\nmodel = "thelook"\nexplore = "orders"\nmeasure = "orders.count"\n'
            'time = "orders.created"\ncolour = "red"\n',
            "'colour'",
        ),
        (
            '[metrics.m]\nlabel = "M"\nmodel = "thelook"\nexplore = "orders"\nmeasure = "orders.count"\n'
            'time = "orders.created"\ngranularities = ["hour"]\n',
            "'granularities'",
        ),
        ("[metrics.m\n", "not valid TOML"),
    ],
)
def test_a_bad_metrics_file_names_file_metric_and_field(tmp_path, text, named):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_catalog(str(path), required=True)
    assert str(path) in str(caught.value) and named in str(caught.value)


def test_a_bad_metrics_file_stops_the_app(emulator, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[metrics.m]\nlabel = "M"\n')
    with pytest.raises(ConfigError, match="metric 'm'"):
        create_app(Settings.from_env(emulator_env(emulator, METRICS_FILE=str(path))))


def test_a_named_metrics_file_must_exist(emulator, tmp_path):
    with pytest.raises(ConfigError, match="METRICS_FILE"):
        create_app(Settings.from_env(emulator_env(emulator, METRICS_FILE=str(tmp_path / "missing.toml"))))
