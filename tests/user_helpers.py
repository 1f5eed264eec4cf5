"""Helpers of the emulator's per-user tests: sample queries, embed users made as the proxy makes them."""

from __future__ import annotations

import itertools
import time

from looker_sdk import models40

ITEMS = {
    "model": "thelook",
    "view": "order_items",
    "fields": ["orders.status", "order_items.count", "order_items.total_sale_price"],
    "sorts": ["orders.status"],
}
PRODUCTS = {"model": "thelook", "view": "products", "fields": ["products.category", "products.count"]}
USERS = {"model": "thelook", "view": "users", "fields": ["users.traffic_source", "users.count"]}
ids = itertools.count(1)


def external_id() -> str:
    """Return an external user id no other test uses (the shared emulator keeps its users)."""
    return f"jwt:https://issuer.example/|user-{next(ids)}-{time.monotonic_ns()}"


def embed_user(sdk, ext_id: str, **attributes) -> str:
    """Make or update an embed user the way the proxy would (cookieless acquire) and return its Looker id."""
    sdk.acquire_embed_cookieless_session(
        models40.EmbedCookielessSessionAcquire(
            external_user_id=ext_id,
            models=["thelook"],
            permissions=["access_data", "see_looks", "see_user_dashboards"],
            user_attributes=attributes,
            session_length=600,
        )
    )
    return sdk.user_for_credential("embed", ext_id).id


def as_user(token: str) -> dict:
    return {"headers": {"Authorization": f"Bearer {token}"}}


def user_token(sdk, **attributes) -> str:
    return sdk.login_user(embed_user(sdk, external_id(), **attributes)).access_token


def brand_filter(query: dict, brand: str) -> dict:
    return {**query, "filters": {**query.get("filters", {}), "products.brand": brand}}
