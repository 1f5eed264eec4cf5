"""Per-user data: each JWT caller sees only its rows, decided by Looker, and nothing cached crosses identities."""

import threading

import jwt
import orjson
import pytest
import requests

from looker_emulator.state import Fault

from .helpers import API_KEY, calls, problem, wait_complete, wait_until

SECRET = "per-user-jwt-secret-0123456789abcdef"
BRANDS = {"ck": "Calvin Klein", "levis": "Levi's"}
BY_BRAND = {
    "model": "thelook",
    "view": "order_items",
    "fields": ["products.category", "order_items.count", "order_items.total_sale_price"],
    "sorts": ["products.category"],
}


def token(sub: str, brand: str | None = "Calvin Klein", iss: str = "shop", **claims) -> str:
    body = {"sub": sub, "iss": iss, "exp": 4_000_000_000, **claims}
    if brand is not None:
        body["brand"] = brand
    return jwt.encode(body, SECRET, algorithm="HS256")


@pytest.fixture
def app(cached_app):
    return cached_app(JWT_SECRET=SECRET, USER_ATTRIBUTES="brand=brand", EMBED_MODELS="thelook")


def ask(app, who: str, body=None, path="/api/query", **headers):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {who}", **headers}
    if body is not None:
        return client.post(path, json=body, headers=headers)
    return client.get(path, headers=headers)


def test_a_brand_sees_exactly_what_the_service_account_sees_with_that_brand_filter(app, sdk):
    mine = ask(app, token("u1", "Calvin Klein"), BY_BRAND)
    filtered = {**BY_BRAND, "filters": {"products.brand": "Calvin Klein"}}
    assert mine.status_code == 200 and orjson.loads(mine.data) == orjson.loads(sdk.run_inline_query("json", filtered))
    everyone = ask(app, API_KEY, BY_BRAND)  # an API key is the service account: every brand
    assert orjson.loads(everyone.data) != orjson.loads(mine.data)


def test_two_brands_get_different_rows_and_never_each_others_cache(app, emulator):
    ck, levis = token("u1", BRANDS["ck"]), token("u2", BRANDS["levis"])
    first = ask(app, ck, BY_BRAND)
    other = ask(app, levis, BY_BRAND)
    assert (first.headers["X-Cache"], other.headers["X-Cache"]) == ("MISS", "MISS")
    assert first.data != other.data and first.headers["ETag"] != other.headers["ETag"]
    assert ask(app, ck, BY_BRAND).headers["X-Cache"] == "HIT"
    replay = ask(app, levis, BY_BRAND, If_None_Match=first.headers["ETag"])  # another's validator is no match
    assert replay.status_code == 200 and replay.data == other.data
    assert calls(emulator, "run_inline_query") == 2


def test_a_burst_of_identical_cold_requests_from_two_identities_stays_apart(app, emulator):
    ck, levis = token("u1", BRANDS["ck"]), token("u2", BRANDS["levis"])
    results: dict[str, list[bytes]] = {ck: [], levis: []}
    emulator.state.faults.append(Fault(operation="queries", latency_ms=150))

    def one(who):
        results[who].append(ask(app, who, BY_BRAND).data)

    threads = [threading.Thread(target=one, args=(who,)) for _ in range(5) for who in (ck, levis)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results[ck])) == 1 and len(set(results[levis])) == 1 and results[ck][0] != results[levis][0]
    assert calls(emulator, "run_inline_query") == 2  # one per identity: coalesced within, never across


def test_a_missing_claim_is_403_naming_it_with_no_looker_call(app, emulator):
    reply = ask(app, token("u3", brand=None), BY_BRAND)
    assert "'brand' claim" in problem(reply, 403, "forbidden")["detail"]
    assert sum(emulator.state.calls.values()) == 0


def test_nested_claims_are_reached_by_a_dotted_path(cached_app, sdk):
    app = cached_app(JWT_SECRET=SECRET, USER_ATTRIBUTES="brand=org.brand", EMBED_MODELS="thelook")
    reply = ask(app, token("u4", brand=None, org={"brand": "Calvin Klein"}), BY_BRAND)
    filtered = {**BY_BRAND, "filters": {"products.brand": "Calvin Klein"}}
    assert orjson.loads(reply.data) == orjson.loads(sdk.run_inline_query("json", filtered))


def test_one_looker_user_and_token_per_identity_and_a_changed_claim_updates_it(app, emulator):
    ck = token("u1", BRANDS["ck"])
    for _ in range(3):
        ask(app, ck, BY_BRAND)
    ask(app, ck, {**BY_BRAND, "limit": 3})
    assert (calls(emulator, "login_user"), calls(emulator, "acquire_embed_cookieless_session")) == (1, 1)
    moved = ask(app, token("u1", BRANDS["levis"]), BY_BRAND)  # same person, new brand claim
    assert calls(emulator, "acquire_embed_cookieless_session") == 2  # attributes updated before the query
    assert moved.data == ask(app, token("u9", BRANDS["levis"]), BY_BRAND).data


def test_a_revoked_user_token_is_replaced_once_transparently(app, emulator):
    ck = token("u1", BRANDS["ck"])
    assert ask(app, ck, BY_BRAND).status_code == 200
    user_id = emulator.state.users.embed_user("jwt:shop|u1").id
    requests.post(f"{emulator.url}/__emulator/users/{user_id}/revoke_tokens")
    again = ask(app, ck, {**BY_BRAND, "limit": 2})
    assert again.status_code == 200 and calls(emulator, "login_user") == 2


def test_dashboards_metrics_and_tasks_are_kept_per_identity(app, emulator):
    ck, levis = token("u1", BRANDS["ck"]), token("u2", BRANDS["levis"])
    dashboards = [ask(app, who, path="/api/dashboards/1/data") for who in (ck, levis, ck)]
    assert dashboards[0].data != dashboards[1].data and dashboards[2].data == dashboards[0].data
    started = ask(app, ck, BY_BRAND, path="/api/query_tasks")
    task = started.json["id"]
    assert ask(app, levis, path=f"/api/query_tasks/{task}").status_code == 404
    mine = wait_complete(_as(app, ck), task)
    assert mine.status_code == 200 and orjson.loads(mine.data) == orjson.loads(ask(app, ck, BY_BRAND).data)


def test_api_keys_stay_the_service_account(app, emulator):
    assert ask(app, API_KEY, BY_BRAND).status_code == 200
    assert calls(emulator, "login_user") == 0


@pytest.mark.redis
def test_two_instances_share_one_login_per_identity_through_redis(cached_app, redis_server, emulator):
    env = {"JWT_SECRET": SECRET, "USER_ATTRIBUTES": "brand=brand", "EMBED_MODELS": "thelook"}
    first, second = (cached_app(REDIS_URL=redis_server.url, **env) for _ in range(2))
    ck = token("u1", BRANDS["ck"])
    assert ask(first, ck, BY_BRAND).status_code == 200
    assert ask(second, ck, {**BY_BRAND, "limit": 4}).status_code == 200
    assert calls(emulator, "login_user") == 1


def _as(app, who):
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {who}"
    return client


def test_an_embed_url_carries_the_callers_identity_and_attributes(app, emulator):
    reply = ask(app, token("u7", BRANDS["levis"]), {}, path="/api/embed/dashboards/1")
    assert reply.status_code == 200
    assert requests.get(reply.json["url"]).status_code == 200  # the emulator opens it and makes the embed user
    user = emulator.state.users.embed_user("jwt:shop|u7")
    assert user is not None and emulator.state.users.value_for(user, "brand") == BRANDS["levis"]


def test_a_background_refresh_of_a_users_entry_runs_as_that_user(cached_app, clock, emulator):
    app = cached_app(JWT_SECRET=SECRET, USER_ATTRIBUTES="brand=brand", EMBED_MODELS="thelook", CACHE_SWR_SECONDS=600)
    ck = token("u1", BRANDS["ck"])
    first = ask(app, ck, BY_BRAND)
    clock.advance(3601)  # expired, inside the stale-while-revalidate window
    assert ask(app, ck, BY_BRAND).headers["X-Cache"] == "STALE"
    wait_until(lambda: calls(emulator, "run_inline_query") == 2)  # the one background refresh asked Looker
    wait_until(lambda: ask(app, ck, BY_BRAND).headers["X-Cache"] == "HIT")
    again = ask(app, ck, BY_BRAND)
    assert again.headers["X-Cache"] == "HIT" and again.data == first.data  # still Calvin Klein's rows only


def test_a_claim_changed_back_to_an_earlier_value_updates_the_looker_user_again(app, emulator):
    # The Looker user jwt:shop|u1 holds one set of attribute values; a token made while it held Calvin Klein
    # must not be reused after it was moved to Levi's and back, or Calvin Klein's caller sees Levi's rows.
    ask(app, token("u1", BRANDS["ck"]), BY_BRAND)
    ask(app, token("u1", BRANDS["levis"]), {**BY_BRAND, "limit": 7})
    back = ask(app, token("u1", BRANDS["ck"]), {**BY_BRAND, "limit": 8})
    assert calls(emulator, "acquire_embed_cookieless_session") == 3
    assert orjson.loads(back.data) == orjson.loads(ask(app, token("u9", BRANDS["ck"]), {**BY_BRAND, "limit": 8}).data)


@pytest.mark.parametrize("claim", ["%", "-Nike", "Nike,Calvin Klein", "NULL", "Calvin_Klein"])
def test_a_claim_is_matched_as_text_never_as_a_filter_expression(app, claim):
    reply = ask(app, token("u8", claim), BY_BRAND)
    assert reply.status_code == 200 and orjson.loads(reply.data) == []  # no brand is called that


def test_a_task_id_of_one_claim_value_is_not_the_same_callers_id_under_another(app):
    task = ask(app, token("u1", BRANDS["ck"]), BY_BRAND, path="/api/query_tasks").json["id"]
    assert ask(app, token("u1", BRANDS["levis"]), path=f"/api/query_tasks/{task}").status_code == 404
    assert ask(app, token("u1", BRANDS["ck"]), path=f"/api/query_tasks/{task}").status_code == 200
