"""The saved Looks and dashboards the sample instance ships with."""

from __future__ import annotations


def _q(view: str, fields: list[str], model: str = "thelook", **extra) -> dict:
    return {"model": model, "view": view, "fields": fields, **extra}


LOOKS = {
    "1": {
        "title": "Orders by status",
        "description": "How many orders sit in each status",
        "query": _q("orders", ["orders.status", "orders.count"], sorts=["orders.count desc"]),
    },
    "2": {
        "title": "Revenue by month",
        "description": "Item revenue over the last twelve months",
        "query": _q(
            "order_items",
            ["orders.created_month", "order_items.total_sale_price"],
            filters={"orders.created_date": "12 months"},
            sorts=["orders.created_month asc"],
        ),
    },
    "3": {
        "title": "Top brands",
        "description": "The ten brands that sell the most",
        "query": _q(
            "order_items",
            ["products.brand", "order_items.total_sale_price", "order_items.count"],
            sorts=["order_items.total_sale_price desc"],
            limit="10",
        ),
    },
    "4": {
        "title": "Users by traffic source",
        "description": None,
        "query": _q("users", ["users.traffic_source", "users.count"]),
    },
    "5": {
        "title": "Revenue by quarter (finance)",
        "description": "From the finance model",
        "query": _q(
            "revenue",
            ["orders.created_quarter", "order_items.total_sale_price"],
            model="finance",
            sorts=["orders.created_quarter asc"],
        ),
    },
}

DATE_LISTEN = {"Date": "orders.created_date"}

DASHBOARDS = {
    "1": {
        "title": "Business Pulse",
        "description": "Orders, revenue and customers at a glance",
        "filters": [
            {
                "name": "Date",
                "title": "Date",
                "type": "date_filter",
                "default_value": "12 months",
                "model": "thelook",
                "explore": "order_items",
                "dimension": "orders.created_date",
            },
            {
                "name": "Status",
                "title": "Order status",
                "type": "field_filter",
                "default_value": "",
                "model": "thelook",
                "explore": "order_items",
                "dimension": "orders.status",
            },
        ],
        "elements": [
            {"title": "Revenue by month", "look_id": "2", "vis": "looker_line", "listen": DATE_LISTEN},
            {
                "title": "Orders by status",
                "vis": "looker_pie",
                "query": _q("order_items", ["orders.status", "orders.count"]),
                "listen": {"Date": "orders.created_date", "Status": "orders.status"},
            },
            {
                "title": "Revenue by department",
                "vis": "looker_bar",
                "query": _q("order_items", ["products.department", "order_items.total_sale_price"]),
                "listen": {"Date": "orders.created_date", "Status": "orders.status"},
            },
            {
                "title": "Total revenue",
                "vis": "single_value",
                "query": _q("order_items", ["order_items.total_sale_price"]),
                "listen": {"Date": "orders.created_date", "Status": "orders.status"},
            },
            {"title": "Top brands", "look_id": "3", "vis": "looker_column", "listen": DATE_LISTEN},
            {
                "title": "New users by month",
                "vis": "looker_area",
                "query": _q("users", ["users.created_month", "users.count"], sorts=["users.created_month asc"]),
                "listen": {"Date": "users.created_date"},
            },
        ],
    },
    "2": {
        "title": "Catalogue",
        "description": "What the shop sells",
        "filters": [],
        "elements": [
            {
                "title": "Products by category",
                "vis": "looker_bar",
                "query": _q("products", ["products.category", "products.count"]),
            },
            {
                "title": "Price range by department",
                "vis": "table",
                "query": _q(
                    "products",
                    [
                        "products.department",
                        "products.min_retail_price",
                        "products.average_retail_price",
                        "products.max_retail_price",
                    ],
                ),
            },
            {"title": "About", "vis": None, "text": "Prices are list prices before discounts."},
        ],
    },
}
