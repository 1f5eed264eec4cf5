"""The emulator's login_user tokens and user attributes: expiry, revocation, defaults, and their schemas."""

from urllib.parse import quote

import looker_sdk
import orjson
import pytest
import requests
from looker_sdk import models40
from looker_sdk.error import SDKError

from .helpers import EmulatorSdkSettings, validate_against_spec
from .user_helpers import ITEMS, as_user, brand_filter, embed_user, external_id, ids

pytestmark = pytest.mark.filterwarnings("ignore:login_user behavior changed:UserWarning")


# ---- tokens: expiry, revocation, logout ------------------------------------------------------------------------
def test_a_user_token_expires_after_its_ttl(own_emulator, clock):
    sdk = looker_sdk.init40(config_settings=EmulatorSdkSettings(own_emulator.url))
    token = sdk.login_user(embed_user(sdk, external_id(), brand="Nike"))
    assert token.expires_in == 60
    headers = {"Authorization": f"Bearer {token.access_token}"}
    assert requests.get(f"{own_emulator.url}/api/4.0/user", headers=headers).status_code == 200
    clock.advance(61)
    reply = requests.post(f"{own_emulator.url}/api/4.0/queries/run/json", json=ITEMS, headers=headers)
    assert reply.status_code == 401 and reply.json()["message"] == "Requires authentication."
    assert sdk.me().id == "1"  # the service account's token (3600 s) is still good


def test_revoking_a_users_tokens_leaves_others_working(emulator, sdk):
    first, second = (embed_user(sdk, external_id(), brand="Nike") for _ in range(2))
    tokens = {user: sdk.login_user(user).access_token for user in (first, second)}
    assert requests.post(f"{emulator.url}/__emulator/users/{first}/revoke_tokens").status_code == 204
    run = f"{emulator.url}/api/4.0/queries/run/json"
    assert requests.post(run, json=ITEMS, headers={"Authorization": f"Bearer {tokens[first]}"}).status_code == 401
    assert requests.post(run, json=ITEMS, headers={"Authorization": f"Bearer {tokens[second]}"}).status_code == 200
    assert sdk.me().id == "1"
    assert requests.post(f"{emulator.url}/__emulator/users/999999/revoke_tokens").status_code == 404


def test_logout_with_a_user_token_ends_only_that_token(emulator, sdk):
    user_id = embed_user(sdk, external_id(), brand="Nike")
    kept, ended = sdk.login_user(user_id).access_token, sdk.login_user(user_id).access_token
    assert kept != ended  # Looker makes a new token on every login_user call
    assert requests.delete(f"{emulator.url}/api/4.0/logout", headers={"Authorization": f"Bearer {ended}"}).ok
    me = f"{emulator.url}/api/4.0/user"
    assert requests.get(me, headers={"Authorization": f"Bearer {ended}"}).status_code == 401
    assert requests.get(me, headers={"Authorization": f"Bearer {kept}"}).status_code == 200


# ---- user attributes: values, defaults, the unset case ---------------------------------------------------------
def test_no_value_and_no_default_sees_no_rows_and_a_default_fills_in(own_emulator):
    sdk = looker_sdk.init40(config_settings=EmulatorSdkSettings(own_emulator.url))
    user_id = embed_user(sdk, external_id())
    token = sdk.login_user(user_id).access_token
    mine = lambda: sdk.run_inline_query("json", ITEMS, transport_options=as_user(token))  # noqa: E731
    assert orjson.loads(mine()) == []
    brand = next(a for a in sdk.all_user_attributes() if a.name == "brand")
    sdk.update_user_attribute(
        brand.id, models40.WriteUserAttribute(name="brand", label="Brand", type="string", default_value="Hanes")
    )
    assert mine() == sdk.run_inline_query("json", brand_filter(ITEMS, "Hanes"))
    value = sdk.set_user_attribute_user_value(user_id, brand.id, models40.WriteUserAttributeWithValue(value="Nike"))
    assert (value.value, value.source) == ("Nike", "User")
    assert mine() == sdk.run_inline_query("json", brand_filter(ITEMS, "Nike"))
    sdk.delete_user_attribute_user_value(user_id, brand.id)
    assert mine() == sdk.run_inline_query("json", brand_filter(ITEMS, "Hanes"))
    assert {v.name: v.source for v in sdk.user_attribute_user_values(user_id)}["brand"] == "Default"


def test_attribute_values_list_own_default_and_unset(own_emulator):
    sdk = looker_sdk.init40(config_settings=EmulatorSdkSettings(own_emulator.url))
    user_id = embed_user(sdk, external_id(), brand="Nike")
    values = {v.name: v for v in sdk.user_attribute_user_values(user_id)}
    assert values["brand"].value == "Nike" and values["first_name"].value == "Embed" and "region" not in values
    unset = {v.name: v.value for v in sdk.user_attribute_user_values(user_id, include_unset=True)}
    assert unset["region"] is None
    region = next(a.id for a in sdk.all_user_attributes() if a.name == "region")
    only = sdk.user_attribute_user_values(
        user_id, user_attribute_ids=models40.DelimSequence([region]), include_unset=True
    )
    assert [v.name for v in only] == ["region"]


def test_create_user_attribute_needs_a_new_name_and_label(own_emulator):
    sdk = looker_sdk.init40(config_settings=EmulatorSdkSettings(own_emulator.url))
    made = sdk.create_user_attribute(models40.WriteUserAttribute(name="tenant", label="Tenant", type="string"))
    assert sdk.user_attribute(made.id).name == "tenant" and made.is_system is False
    for bad in (
        {"name": "tenant", "label": "Other", "type": "string"},
        {"name": "Bad Name", "label": "X", "type": "string"},
        {"name": "x", "label": "X", "type": "colour"},
        {"label": "Y"},
    ):
        with pytest.raises(SDKError, match="Validation Failed"):
            sdk.create_user_attribute(bad)


def test_explores_report_their_access_filters(sdk):
    assert [(a.field, a.user_attribute) for a in sdk.lookml_model_explore("thelook", "order_items").access_filters] == [
        ("products.brand", "brand")
    ]
    assert sdk.lookml_model_explore("thelook", "products").access_filters[0].user_attribute == "brand"
    assert sdk.lookml_model_explore("thelook", "orders").access_filters == []


# ---- every new answer validates against the official spec ------------------------------------------------------
def test_every_user_answer_matches_the_official_schemas(emulator, sdk):
    base = f"{emulator.url}/api/4.0"
    admin = {"Authorization": f"Bearer {sdk.auth._get_token({}).access_token}"}
    ext_id = external_id()
    made = requests.post(f"{base}/users/embed_user", json={"external_user_id": ext_id}, headers=admin)
    user_id = made.json()["id"]
    login = requests.post(f"{base}/login/{user_id}", headers=admin)
    mine = {"Authorization": f"Bearer {login.json()['access_token']}"}
    attribute = requests.post(
        f"{base}/user_attributes",
        json={"name": f"team_{next(ids)}", "label": f"Team {ext_id}", "type": "string"},
        headers=admin,
    )
    attribute_id = attribute.json()["id"]
    embed_user(sdk, ext_id, brand="Nike")
    checks = [
        ("/users/embed_user", "post", "200", made),
        ("/login/{user_id}", "post", "200", login),
        ("/user_attributes", "post", "200", attribute),
        ("/user_attributes", "get", "200", requests.get(f"{base}/user_attributes", headers=mine)),
        ("/user_attributes/{user_attribute_id}", "get", "200", requests.get(f"{base}/user_attributes/6", headers=mine)),
        (
            "/user_attributes/{user_attribute_id}",
            "patch",
            "200",
            requests.patch(f"{base}/user_attributes/{attribute_id}", json={"default_value": "a"}, headers=admin),
        ),
        ("/users/{user_id}", "get", "200", requests.get(f"{base}/users/{user_id}", headers=admin)),
        ("/users/{user_id}", "get", "200", requests.get(f"{base}/users/1", headers=admin)),
        ("/user", "get", "200", requests.get(f"{base}/user", headers=mine)),
        (
            "/users/credential/{credential_type}/{credential_id}",
            "get",
            "200",
            requests.get(f"{base}/users/credential/embed/{quote(ext_id, safe='')}", headers=admin),
        ),
        (
            "/users/{user_id}/attribute_values",
            "get",
            "200",
            requests.get(f"{base}/users/{user_id}/attribute_values?include_unset=true", headers=mine),
        ),
        (
            "/users/{user_id}/attribute_values/{user_attribute_id}",
            "patch",
            "200",
            requests.patch(f"{base}/users/{user_id}/attribute_values/7", json={"value": "EU"}, headers=admin),
        ),
        (
            "/lookml_models/{lookml_model_name}/explores/{explore_name}",
            "get",
            "200",
            requests.get(f"{base}/lookml_models/thelook/explores/products", headers=mine),
        ),
        ("/login/{user_id}", "post", "404", requests.post(f"{base}/login/999999", headers=admin)),
        ("/login/{user_id}", "post", "403", requests.post(f"{base}/login/1", headers=mine)),
        ("/users/{user_id}", "get", "404", requests.get(f"{base}/users/1", headers=mine)),
        (
            "/user_attributes",
            "post",
            "422",
            requests.post(
                f"{base}/user_attributes", json={"name": "brand", "label": "B", "type": "string"}, headers=admin
            ),
        ),
        (
            "/users/credential/{credential_type}/{credential_id}",
            "get",
            "404",
            requests.get(f"{base}/users/credential/embed/nobody", headers=admin),
        ),
    ]
    for path, method, status, reply in checks:
        assert str(reply.status_code) == status, (path, reply.text)
        validate_against_spec(path, method, status, reply.json())
    deleted = requests.delete(f"{base}/users/{user_id}/attribute_values/7", headers=admin)
    assert deleted.status_code == 204 and not deleted.content
