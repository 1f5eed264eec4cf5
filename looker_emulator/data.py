"""Generate the sample shop (users, products, orders, order items) into an in-memory SQLite database."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3

FIRST = [
    "Ana",
    "Ben",
    "Chloe",
    "Dev",
    "Elif",
    "Femi",
    "Grace",
    "Hiro",
    "Ines",
    "Jon",
    "Kemal",
    "Lena",
    "Mateo",
    "Nadia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
    "Uma",
    "Vik",
    "Wen",
    "Yara",
]
LAST = ["Smith", "García", "Okafor", "Müller", "Kim", "Rossi", "Novak", "Silva", "Chen", "Dubois", "Khan"]
PLACES = [
    ("Austin", "Texas", "USA"),
    ("Seattle", "Washington", "USA"),
    ("Boston", "Massachusetts", "USA"),
    ("Denver", "Colorado", "USA"),
    ("Toronto", "Ontario", "Canada"),
    ("Lyon", "Auvergne", "France"),
    ("Berlin", "Berlin", "Germany"),
    ("São Paulo", "São Paulo", "Brazil"),
    ("Leeds", "England", "UK"),
]
SOURCES = ["Search", "Organic", "Email", "Facebook", "Display"]
CATALOGUE = {
    "Women": {"Dresses": (40, 160), "Tops": (15, 70), "Jeans": (35, 120), "Outerwear": (60, 300)},
    "Men": {"Shirts": (20, 90), "Jeans": (35, 130), "Suits": (150, 600), "Socks": (5, 20)},
}
BRANDS = ["Allegra K", "Levi's", "Carhartt", "Patagonia", "Hanes", "Calvin Klein", "Nike", "Columbia"]
STATUSES = [("complete", 55), ("shipped", 15), ("pending", 10), ("cancelled", 10), ("returned", 10)]

SCHEMA = """
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT, age INTEGER, gender TEXT, city TEXT,
                    state TEXT, country TEXT, traffic_source TEXT, created_at TEXT);
CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT, brand TEXT, category TEXT, department TEXT,
                       retail_price REAL, cost REAL);
CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER, status TEXT, created_at TEXT);
CREATE TABLE order_items (id INTEGER PRIMARY KEY, order_id INTEGER, product_id INTEGER, sale_price REAL);
CREATE INDEX orders_created ON orders(created_at);
CREATE INDEX items_order ON order_items(order_id);
"""


def _timestamp(rng: random.Random, start: dt.datetime, end: dt.datetime) -> str:
    moment = start + dt.timedelta(seconds=rng.randrange(int((end - start).total_seconds())))
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def build_database(
    seed: int = 7, today: dt.date | None = None, users: int = 4000, orders: int = 12000
) -> sqlite3.Connection:
    """Create and fill the sample shop; the same seed and day always give the same rows."""
    today = today or dt.date.today()
    rng = random.Random(seed)
    end = dt.datetime.combine(today, dt.time(23, 59, 59))
    start = end - dt.timedelta(days=3 * 365)
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.executescript(SCHEMA)

    user_rows = []
    for uid in range(1, users + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        city, state, country = rng.choice(PLACES)
        user_rows.append(
            (
                uid,
                f"{first} {last}",
                f"{first.lower()}.{uid}@example.com",
                rng.randint(16, 80),
                rng.choice("FM"),
                city,
                state,
                country,
                rng.choice(SOURCES),
                _timestamp(rng, start, end),
            )
        )
    db.executemany("INSERT INTO users VALUES (?,?,?,?,?,?,?,?,?,?)", user_rows)

    product_rows, pid = [], 0
    for department, categories in CATALOGUE.items():
        for category, (low, high) in categories.items():
            for brand in BRANDS:
                pid += 1
                price = round(rng.uniform(low, high), 2)
                product_rows.append(
                    (
                        pid,
                        f"{brand} {category[:-1] if category.endswith('s') else category}",
                        brand,
                        category,
                        department,
                        price,
                        round(price * rng.uniform(0.35, 0.6), 2),
                    )
                )
    db.executemany("INSERT INTO products VALUES (?,?,?,?,?,?,?)", product_rows)

    statuses, weights = zip(*STATUSES, strict=True)
    order_rows, item_rows, item_id = [], [], 0
    for oid in range(1, orders + 1):
        created = _timestamp(rng, start, end)
        order_rows.append((oid, rng.randint(1, users), rng.choices(statuses, weights)[0], created))
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 4))):
            item_id += 1
            product = rng.choice(product_rows)
            item_rows.append((item_id, oid, product[0], round(product[5] * rng.choice((1, 1, 0.9, 0.8)), 2)))
    db.executemany("INSERT INTO orders VALUES (?,?,?,?)", order_rows)
    db.executemany("INSERT INTO order_items VALUES (?,?,?,?)", item_rows)
    db.commit()
    return db
