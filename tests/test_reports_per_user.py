"""A report may run as a per-user identity: a brand's weekly report holds only that brand's rows."""

import datetime as dt

from app.config import Settings
from app.looker.client import LookerClient
from app.looker.users import UserSessions
from app.metrics.catalog import Catalog
from app.reports.config import load_reports
from app.reports.data import fetch
from app.reports.runner import as_identity

from .helpers import calls, emulator_env

REPORTS = """
[reports.brand_weekly]
title = "Weekly, one brand"
schedule = "0 8 * * 1"
format = "csv"
query = { model = "thelook", view = "order_items", fields = ["products.brand", "order_items.count"] }
user_attributes = { brand = "Calvin Klein" }
email = { to = ["ops@example.com"] }

[reports.all_brands]
title = "Weekly, every brand"
schedule = "0 8 * * 1"
format = "csv"
query = { model = "thelook", view = "order_items", fields = ["products.brand", "order_items.count"] }
email = { to = ["ops@example.com"] }
"""


def test_a_report_with_user_attributes_holds_only_that_users_rows(emulator, tmp_path):
    path = tmp_path / "reports.toml"
    path.write_text(REPORTS)
    reports = load_reports(str(path))
    settings = Settings.from_env(emulator_env(emulator, EMBED_MODELS="thelook"), allow_anonymous=True)
    client = LookerClient(settings, pool_size=2)
    client.users = UserSessions(settings, client)
    today = dt.date(2026, 11, 30)
    one = as_identity(reports["brand_weekly"], lambda: fetch(reports["brand_weekly"], client, Catalog({}), today))
    every = as_identity(reports["all_brands"], lambda: fetch(reports["all_brands"], client, Catalog({}), today))
    assert {row[0] for row in one.rows} == {"Calvin Klein"}
    assert len({row[0] for row in every.rows}) > 1
    assert calls(emulator, "login_user") == 1  # only the report that names attributes acts as a user
