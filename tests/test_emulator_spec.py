"""Every JSON answer of the emulator validates against Looker's official API 4.0 schemas."""

import time

import looker_sdk
import pytest
import requests
from openapi_schema_validator import OAS30ReadValidator

from looker_emulator.state import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

from .helpers import SPEC, EmulatorSdkSettings, validate_against_spec

ORDERS = {"model": "thelook", "view": "orders", "fields": ["orders.status", "orders.count"]}


@pytest.fixture
def sdk(emulator):
    return looker_sdk.init40(config_settings=EmulatorSdkSettings(emulator.url))


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
