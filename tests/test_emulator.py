"""The emulator through the real looker_sdk: every endpoint, answers checked against the data and the spec."""

import datetime as dt
import json
import threading
import time
from urllib.parse import parse_qs, quote, urlsplit

import looker_sdk
import orjson
import pytest
import requests
from looker_sdk import models40
from looker_sdk.error import SDKError
from openapi_schema_validator import OAS30ReadValidator

from looker_emulator import embed
from looker_emulator.filters import date_range
from looker_emulator.state import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_EMBED_SECRET

from .helpers import SPEC, EmulatorSdkSettings, validate_against_spec

ORDERS = {"model": "thelook", "view": "orders", "fields": ["orders.status", "orders.count"]}


@pytest.fixture
def sdk(emulator):
    return looker_sdk.init40(config_settings=EmulatorSdkSettings(emulator.url))


def rows(sdk, query: dict, fmt: str = "json"):
    return orjson.loads(sdk.run_inline_query(fmt, query))


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


# ---- embedding -------------------------------------------------------------------------------------------
VECTOR = {
    "nonce": "abc123",
    "time": 1561486800,
    "session_length": 3600,
    "external_user_id": "user1",
    "permissions": ["access_data", "see_looks", "see_user_dashboards"],
    "models": ["powered_by", "thelook"],
    "group_ids": [1, 2, 3],
    "external_group_id": "group1",
    "user_attributes": {"locale": "en_US"},
    "access_filters": {"powered_by": {"products.brand": "Allegra K"}},
}


def _sign(values: dict) -> str:
    params = {k: json.dumps(v, separators=(",", ":")) for k, v in values.items()}
    return embed.signature("hunter2", "test.looker.com", embed.embed_path("/embed/dashboards/1"), params)


def test_embed_signature_matches_lookers_published_vectors():
    assert _sign(VECTOR) == "jcMKWo4eb4Y34CV7dpC6hAgi8oM="
    short = {k: v for k, v in VECTOR.items() if k not in ("group_ids", "external_group_id", "user_attributes")}
    assert _sign({**short, "access_filters": {}}) == "RXMPyKsQerTI/fbPIwgoTqUsvio="


def test_sso_url_opens_once_and_shows_the_dashboard(emulator, sdk):
    url = sdk.create_sso_embed_url(
        models40.EmbedSsoParams(
            target_url=f"{emulator.url}/embed/dashboards/1",
            external_user_id="u1",
            models=["thelook"],
            permissions=["access_data", "see_user_dashboards"],
            session_length=600,
        )
    ).url
    assert urlsplit(url).path == "/login/embed/" + quote("/embed/dashboards/1", safe="")
    page = requests.get(url)
    assert page.status_code == 200 and "Business Pulse" in page.text and "<table>" in page.text
    assert requests.get(url).status_code == 401  # the nonce is single use
    query = parse_qs(urlsplit(url).query)
    query["external_user_id"] = ['"someone-else"']
    forged = url.split("?")[0] + "?" + "&".join(f"{k}={quote(v[0])}" for k, v in query.items())
    assert requests.get(forged).status_code == 401


def test_sso_url_needs_models_and_permissions(sdk):
    with pytest.raises(SDKError, match="Validation Failed"):
        sdk.create_sso_embed_url({"target_url": "http://x/embed/dashboards/1", "external_user_id": "u"})


def test_locally_signed_url_with_the_emulator_secret_opens(emulator):
    host = urlsplit(emulator.url).netloc
    values = {
        "nonce": "n-1",
        "time": int(time.time()),
        "session_length": 600,
        "external_user_id": "u2",
        "permissions": ["access_data"],
        "models": ["thelook"],
    }
    url = embed.signed_url(DEFAULT_EMBED_SECRET, host, "/embed/dashboards/2", values, scheme="http")
    assert "Catalogue" in requests.get(url).text


def test_cookieless_sessions(sdk):
    session = sdk.acquire_embed_cookieless_session(
        {"external_user_id": "u", "session_length": 600, "models": ["thelook"], "permissions": ["access_data"]}
    )
    assert session.authentication_token and session.session_reference_token_ttl > 0
    fresh = sdk.generate_tokens_for_cookieless_session(
        {
            "session_reference_token": session.session_reference_token,
            "navigation_token": session.navigation_token,
            "api_token": session.api_token,
        }
    )
    assert fresh.api_token != session.api_token
    sdk.delete_embed_cookieless_session(session.session_reference_token)


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


# ---- every JSON answer validates against the official spec ----------------------------------------------
def test_every_json_answer_matches_the_official_schemas(emulator, sdk):
    base = f"{emulator.url}/api/4.0"
    login = requests.post(
        f"{base}/login", data={"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET}
    )
    validate_against_spec("/login", "post", "200", login.json())
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    query = requests.post(f"{base}/queries", json=ORDERS, headers=headers).json()
    task = requests.post(
        f"{base}/query_tasks", json={"query_id": query["id"], "result_format": "json"}, headers=headers
    ).json()
    sso = requests.post(
        f"{base}/embed/sso_url",
        headers=headers,
        json={
            "target_url": f"{emulator.url}/embed/dashboards/1",
            "models": ["thelook"],
            "permissions": ["access_data"],
        },
    )
    session = requests.post(f"{base}/embed/cookieless_session/acquire", headers=headers, json={}).json()
    checks = [
        ("/user", "get", "200", requests.get(f"{base}/user", headers=headers)),
        ("/versions", "get", "200", requests.get(f"{base}/versions")),
        ("/lookml_models", "get", "200", requests.get(f"{base}/lookml_models", headers=headers)),
        (
            "/lookml_models/{lookml_model_name}",
            "get",
            "200",
            requests.get(f"{base}/lookml_models/thelook", headers=headers),
        ),
        (
            "/lookml_models/{lookml_model_name}/explores/{explore_name}",
            "get",
            "200",
            requests.get(f"{base}/lookml_models/thelook/explores/order_items", headers=headers),
        ),
        ("/queries", "post", "200", requests.post(f"{base}/queries", json=ORDERS, headers=headers)),
        ("/queries/{query_id}", "get", "200", requests.get(f"{base}/queries/{query['id']}", headers=headers)),
        ("/queries/slug/{slug}", "get", "200", requests.get(f"{base}/queries/slug/{query['slug']}", headers=headers)),
        ("/looks/{look_id}", "get", "200", requests.get(f"{base}/looks/2", headers=headers)),
        ("/dashboards/{dashboard_id}", "get", "200", requests.get(f"{base}/dashboards/1", headers=headers)),
        ("/dashboards/{dashboard_id}", "get", "200", requests.get(f"{base}/dashboards/2", headers=headers)),
        (
            "/query_tasks/{query_task_id}",
            "get",
            "200",
            requests.get(f"{base}/query_tasks/{task['id']}", headers=headers),
        ),
        ("/query_tasks", "post", "200", None),
        ("/embed/sso_url", "post", "200", sso),
        (
            "/embed/cookieless_session/generate_tokens",
            "put",
            "200",
            requests.put(
                f"{base}/embed/cookieless_session/generate_tokens",
                headers=headers,
                json={"session_reference_token": session["session_reference_token"]},
            ),
        ),
        ("/datagroups", "get", "200", requests.get(f"{base}/datagroups", headers=headers)),
        ("/datagroups/{datagroup_id}", "get", "200", requests.get(f"{base}/datagroups/1", headers=headers)),
        ("/datagroups/{datagroup_id}", "get", "404", requests.get(f"{base}/datagroups/999", headers=headers)),
        (
            "/datagroups/{datagroup_id}",
            "patch",
            "200",
            requests.patch(f"{base}/datagroups/1", json={"stale_before": int(time.time())}, headers=headers),
        ),
        (
            "/datagroups/{datagroup_id}",
            "patch",
            "422",
            requests.patch(f"{base}/datagroups/1", json={"triggered_at": int(time.time()) + 3600}, headers=headers),
        ),
        ("/looks/{look_id}", "get", "404", requests.get(f"{base}/looks/999", headers=headers)),
        ("/dashboards/{dashboard_id}", "get", "404", requests.get(f"{base}/dashboards/999", headers=headers)),
        (
            "/lookml_models/{lookml_model_name}",
            "get",
            "404",
            requests.get(f"{base}/lookml_models/none", headers=headers),
        ),
        (
            "/queries/run/{result_format}",
            "post",
            "422",
            requests.post(f"{base}/queries/run/json", json={**ORDERS, "fields": ["x.y"]}, headers=headers),
        ),
        (
            "/queries/run/{result_format}",
            "post",
            "400",
            requests.post(f"{base}/queries/run/pdf", json=ORDERS, headers=headers),
        ),
    ]
    validate_against_spec("/query_tasks", "post", "200", task)
    validate_against_spec("/embed/cookieless_session/acquire", "post", "200", session)
    for path, method, status, reply in checks:
        if reply is None:
            continue
        assert str(reply.status_code) == status, (path, reply.text)
        validate_against_spec(path, method, status, reply.json())
    bi = requests.post(f"{base}/queries/run/json_bi", json={**ORDERS, "pivots": ["orders.status"]}, headers=headers)
    # The spec types json_bi rows as strings (its generic "any result" typing); Looker sends row objects, and
    # so does the emulator. Everything else of the body is checked against the official schema.
    body = bi.json()
    OAS30ReadValidator({"$ref": "#/components/schemas/JsonBiMetadata", "components": SPEC["components"]}).validate(
        body["metadata"]
    )
    assert set(body) == {"metadata", "rows"} and all(isinstance(row, dict) for row in body["rows"])


def test_render_task_answers_match_the_official_schemas(emulator, sdk):
    base = f"{emulator.url}/api/4.0"
    token = requests.post(
        f"{base}/login", data={"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    dashboard = requests.post(
        f"{base}/render_tasks/dashboards/1/pdf",
        params={"width": 800, "height": 600, "pdf_paper_size": "a4", "pdf_landscape": "true"},
        json={"dashboard_style": "tiled", "dashboard_filters": "Status=complete"},
        headers=headers,
    )
    look = requests.post(f"{base}/render_tasks/looks/2/png", params={"width": 400, "height": 300}, headers=headers)
    validate_against_spec("/render_tasks/dashboards/{dashboard_id}/{result_format}", "post", "200", dashboard.json())
    validate_against_spec("/render_tasks/looks/{look_id}/{result_format}", "post", "200", look.json())
    deadline = time.monotonic() + 10
    while sdk.render_task(look.json()["id"]).status != "success" and time.monotonic() < deadline:
        time.sleep(0.02)
    task = requests.get(f"{base}/render_tasks/{look.json()['id']}", headers=headers)
    validate_against_spec("/render_tasks/{render_task_id}", "get", "200", task.json())
    assert task.json()["status"] == "success" and task.json()["finalized_at"]
    bad = requests.post(f"{base}/render_tasks/looks/2/pdf", params={"width": 1, "height": 1}, headers=headers)
    validate_against_spec("/render_tasks/looks/{look_id}/{result_format}", "post", "422", bad.json())
    missing = requests.get(f"{base}/render_tasks/none", headers=headers)
    validate_against_spec("/render_tasks/{render_task_id}", "get", "404", missing.json())
    results = SPEC["paths"]["/render_tasks/{render_task_id}/results"]["get"]["responses"]
    gone = requests.get(f"{base}/render_tasks/none/results", headers=headers)
    OAS30ReadValidator({**results["404"]["content"]["image/png"]["schema"], "components": SPEC["components"]}).validate(
        gone.json()
    )
    assert "202" in results and set(results["200"]["content"]) == {"image/png", "image/jpeg", "application/pdf"}
