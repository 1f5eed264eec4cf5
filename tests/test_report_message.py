"""A report as its recipient meets it: sent through a real SMTP server, the HTML part drawn in headless Chromium."""

import email.utils
import os
import re
import shutil
import subprocess
from urllib.parse import unquote

import orjson
import pytest
import requests
from PIL import Image

from app.reports.cells import Column, format_number
from app.reports.runner import run_report
from looker_emulator.state import Fault

from .helpers import CHROMIUM_FLAGS
from .test_reports import REPORT, SLOT, inbox, make_deps, reports_file, slack  # noqa: F401 - fixtures

NEW_YORK = REPORT.replace("Europe/London", "America/New_York").replace(
    'link = "https://looker.example.com/looks/2"\n', ""
)
MONEY = re.compile(r"\$\d{1,3}(,\d{3})*\.\d\d")


def _screenshot(html: str, tmp_path) -> Image.Image:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed (CI must install it; see .ci/run)")
        pytest.skip("chromium is not installed")
    page, shot = tmp_path / "mail.html", tmp_path / "mail.png"
    page.write_text(html, encoding="utf-8")
    subprocess.run(
        [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=800,700",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=90,
        check=True,
    )
    if os.environ.get("REPORT_SCREENSHOT_DIR"):  # keep a copy to look at
        shutil.copy(shot, os.path.join(os.environ["REPORT_SCREENSHOT_DIR"], tmp_path.name + ".png"))
    return Image.open(shot).convert("L")


def _look_rows(deps) -> list[dict]:
    raw = deps.client.fetch("Look 2", lambda sdk, options: sdk.run_look("2", "json", transport_options=options))
    return orjson.loads(raw.content)


def test_the_weekly_email_reads_like_a_report(make_deps, inbox, tmp_path, emulator):  # noqa: F811
    deps = make_deps()
    assert run_report(reports_file(tmp_path, NEW_YORK)["weekly"], SLOT, deps).sent == ["email", "slack"]
    message = inbox.messages[0][1]
    assert email.utils.parsedate_to_datetime(message["Date"]) == deps.now()
    assert re.fullmatch(r"<[^@<>\s]+@example\.com>", message["Message-ID"])
    html_part = message.get_body(("html",)).get_content()
    text_part = message.get_body(("plain",)).get_content()
    heads = re.findall(r"<th style='([^']*)'>([^<]*)</th>", html_part)
    assert [label for _, label in heads] == ["Orders Created Month", "Order Items Total Sale Price"]
    assert "text-align:left" in heads[0][0] and "text-align:right" in heads[1][0] and "orders." not in html_part
    money = re.findall(r"<td style='([^']*)'>([^<]*)</td>", html_part)[1::2]
    expected = [f"${row['order_items.total_sale_price']:,.2f}" for row in _look_rows(deps)]
    assert [text for _, text in money] == expected and all("text-align:right" in style for style, _ in money)
    assert "Monday 23 November 2026, 03:00 EST" in html_part and "03:00 EST" in text_part  # 08:00 UTC, local
    link = f"{emulator.url}/looks/2"
    assert f"<a href='{link}'>Open in Looker</a>" in html_part and f"Open in Looker: {link}" in text_part
    page = requests.get(link, timeout=10)
    assert page.status_code == 200 and "Orders Created Month" in page.text
    lines = [line for line in text_part.splitlines() if MONEY.search(line)]
    assert [MONEY.search(line).group() for line in lines] == expected  # the text part has the data too
    assert len({len(line) for line in lines}) == 1 and all(line.endswith(MONEY.search(line).group()) for line in lines)
    assert "Orders Created Month" in text_part
    shot = _screenshot(html_part, tmp_path)
    dark = sum(shot.histogram()[:128])
    assert shot.getextrema()[0] < 64 and dark > 2000  # text was drawn, not a blank page


def test_a_query_report_links_to_its_explore_and_the_page_shows_the_rows(make_deps, inbox, tmp_path, emulator):  # noqa: F811
    text = NEW_YORK.replace(
        "look = 2\n",
        'query = { model = "thelook", view = "orders", fields = ["orders.status", "orders.count"], '
        'filters = { "orders.status" = "complete,shipped" } }\n',
    ).replace('slack = { webhook_env = "TEST_SLACK_WEBHOOK" }\n', "")
    run_report(reports_file(tmp_path, text)["weekly"], SLOT, make_deps())
    html_part = inbox.messages[0][1].get_body(("html",)).get_content()
    link = re.search(r"<a href='([^']*)'>Open in Looker</a>", html_part).group(1).replace("&amp;", "&")
    assert unquote(link).startswith(f"{emulator.url}/explore/thelook/orders?fields=orders.status,orders.count")
    assert "f[orders.status]=complete,shipped" in unquote(link)
    page = requests.get(link, timeout=10).text
    counts = re.findall(r"<td style='text-align:right;[^']*'>([\d,]+)</td>", html_part)
    shown = re.findall(r"<td>(\w+)</td><td>(\d+)</td>", page)
    assert sorted(status for status, _ in shown) == ["complete", "shipped"]
    assert sorted(counts) == sorted(f"{int(n):,}" for _, n in shown)  # the same numbers, with separators


def test_a_metric_report_shows_its_measure_in_the_measure_format(make_deps, inbox, tmp_path):  # noqa: F811
    text = """
[reports.revenue]
title = "Revenue"
schedule = "30 7 * * *"
timezone = "UTC"
format = "html"
metric = { name = "revenue", last_days = 7 }
email = { to = ["cfo@example.com"] }
"""
    run_report(reports_file(tmp_path, text)["revenue"], SLOT, make_deps())
    message = inbox.messages[0][1]
    html_part = message.get_body(("html",)).get_content()
    assert re.findall(r"<th[^>]*>([^<]*)</th>", html_part) == ["Period", "Revenue"]
    values = re.findall(r"<td style='text-align:right;[^']*'>([^<]*)</td>", html_part)
    assert len(values) == 7 and all(MONEY.fullmatch(v) for v in values)
    assert MONEY.search(next(message.iter_attachments()).get_content())  # the HTML attachment is formatted too


def test_a_database_error_in_looker_fails_the_report_instead_of_mailing_it(make_deps, inbox, tmp_path, emulator):  # noqa: F811
    emulator.state.faults.append(
        Fault(operation="run_look", status=200, body="looker_error", message="SQL Error: division by zero")
    )
    outcome = run_report(reports_file(tmp_path)["weekly"], SLOT, make_deps())
    assert inbox.messages == [] and "SQL Error: division by zero" in outcome.failed["email"]


@pytest.mark.parametrize(
    ("pattern", "value", "shown"),
    [
        ("$#,##0.00", 55040.6, "$55,040.60"),
        ("$#,##0.00", -1234.5, "-$1,234.50"),
        ("#,##0", 1234.5, "1,235"),
        ("0.0%", 0.1234, "12.3%"),
        ('[>=1000000]0.0,,"M";[>=1000]0.0,"K";0', 2_345_678, "2.3M"),
        ('[>=1000000]0.0,,"M";[>=1000]0.0,"K";0', 2345, "2.3K"),
        ('[>=1000000]0.0,,"M";[>=1000]0.0,"K";0', 12, "12"),
        ("0;(0)", -3, "(3)"),
        ('0 "items"', 7, "7 items"),
        ("#.00", 0.5, ".50"),
        ("yyyy-mm-dd", 3, None),
    ],
)
def test_excel_style_value_formats(pattern, value, shown):
    assert format_number(value, pattern) == shown


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ({"name": "a", "type": "sum", "value_format_name": "gbp_0"}, 1234.5, "£1,235"),
        ({"name": "a", "type": "count"}, 12000, "12,000"),
        ({"name": "a", "type": "average"}, 2.6789, "2.68"),
        ({"name": "a", "type": "string"}, "complete", "complete"),
        ({"name": "a", "type": "sum", "value_format": "yyyy"}, 1234.5, "1,234.50"),
        ({"name": "a", "type": "sum"}, None, ""),
    ],
)
def test_cells_are_shown_by_type_when_looker_gives_no_format(field, value, shown):
    assert Column.from_field(field).show(value) == shown
