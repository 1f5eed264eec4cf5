"""Scheduled reports against the emulator, a real SMTP server (aiosmtpd) and a local stand-in for Slack."""

import datetime as dt
import email
import email.policy
import threading
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask import Flask, request
from werkzeug.serving import make_server

from app.config import ConfigError, Settings
from app.demo import free_port
from app.looker.client import LookerClient
from app.metrics.catalog import load_catalog
from app.reports.__main__ import cmd_list, cmd_run
from app.reports.config import load_reports, smtp_settings
from app.reports.ledger import FileLedger, RedisLedger
from app.reports.runner import Deps, dry_run, run_report
from app.reports.schedule import latest_slot, next_runs
from looker_emulator.state import Fault

from .helpers import calls, emulator_env

ROOT = Path(__file__).resolve().parents[1]
REPORT = """
[reports.weekly]
title = "Weekly revenue"
schedule = "0 8 * * mon"
timezone = "Europe/London"
format = "csv"
look = 2
link = "https://looker.example.com/looks/2"
email = { to = ["sales@example.com", "boss@example.com"], subject = "{title}: {rows} rows ({date})" }
slack = { webhook_env = "TEST_SLACK_WEBHOOK" }
"""
SLOT = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)


class Inbox:
    """A real SMTP server on a free port that keeps what it receives."""

    def __init__(self):
        self.messages = []
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(
            (envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=email.policy.default))
        )
        return "250 OK"


class Slack:
    """A local HTTP server standing in for a Slack incoming webhook."""

    def __init__(self, status: int = 200):
        self.posts, self.status = [], status
        app = Flask("slack")

        @app.post("/hook")
        def hook():
            self.posts.append(request.get_json())
            return "ok", self.status

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"


@pytest.fixture
def inbox():
    box = Inbox()
    box.controller.start()
    yield box
    box.controller.stop()


@pytest.fixture
def slack():
    hook = Slack()
    yield hook
    hook.server.shutdown()


@pytest.fixture
def make_deps(emulator, inbox, slack, tmp_path):
    sleeps = []

    def build(smtp_port=None, ledger=None, **env):
        settings = Settings.from_env(emulator_env(emulator, LOOKER_WEB_URL=emulator.url))
        full_env = {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp_port or inbox.controller.port),
            "SMTP_FROM": "reports@example.com",
            "TEST_SLACK_WEBHOOK": slack.url,
            **env,
        }
        deps = Deps(
            client=LookerClient(settings, pool_size=2),
            catalog=load_catalog(str(ROOT / "metrics.toml"), True),
            mail=smtp_settings(full_env),
            ledger=ledger or FileLedger(str(tmp_path / "state.json")),
            env=full_env,
            delays=(0.5, 1.0, 2.0),
            sleep=sleeps.append,
            now=lambda: dt.datetime(2026, 11, 23, 8, 0, 5, tzinfo=dt.UTC),
            web_url=settings.looker_web_url,
        )
        deps.sleeps = sleeps
        return deps

    return build


def reports_file(tmp_path, text=REPORT):
    path = tmp_path / "reports.toml"
    path.write_text(text)
    return load_reports(str(path), metric_names={"revenue", "orders"})


def test_email_arrives_with_subject_table_and_attachment(make_deps, inbox, tmp_path, emulator):
    report = reports_file(tmp_path)["weekly"]
    outcome = run_report(report, SLOT, make_deps())
    assert outcome.sent == ["email", "slack"] and outcome.ok
    recipients, message = inbox.messages[0]
    assert recipients == ["sales@example.com", "boss@example.com"]
    assert message["Subject"] == "Weekly revenue: 12 rows (2026-11-23)"
    html_part = message.get_body(("html",)).get_content()
    assert "<table" in html_part and "Orders Created Month" in html_part and "orders.created_month" not in html_part
    assert "12 rows" in html_part and "https://looker.example.com/looks/2" in html_part
    attachment = next(message.iter_attachments())
    assert attachment.get_filename() == "weekly-2026-11-23.csv"
    assert attachment.get_content().startswith("Orders Created Month,Order Items Total Sale Price")


def test_slack_gets_a_short_summary_and_the_first_rows(make_deps, slack, tmp_path):
    run_report(reports_file(tmp_path)["weekly"], SLOT, make_deps())
    post = slack.posts[0]
    assert post["text"].startswith("*Weekly revenue* (2026-11-23): 12 rows")
    assert "Orders Created Month" in post["blocks"][1]["text"]["text"] and "$" in post["blocks"][1]["text"]["text"]


def test_a_second_run_of_the_same_slot_sends_nothing(make_deps, inbox, slack, tmp_path, emulator):
    report = reports_file(tmp_path)["weekly"]
    deps = make_deps()
    run_report(report, SLOT, deps)
    looker_calls = calls(emulator, "run_look")
    again = run_report(report, SLOT, make_deps())  # a restart: a new process, the same ledger file
    assert again.sent == [] and again.skipped == ["email", "slack"]
    assert len(inbox.messages) == 1 and len(slack.posts) == 1 and calls(emulator, "run_look") == looker_calls
    assert run_report(report, SLOT + dt.timedelta(days=7), deps).sent == ["email", "slack"]  # the next slot


def test_the_redis_ledger_keeps_slots_across_machines(make_deps, inbox, redis_server, tmp_path):
    report = reports_file(tmp_path)["weekly"]
    first = run_report(report, SLOT, make_deps(ledger=RedisLedger(redis_server.url)))
    second = run_report(report, SLOT, make_deps(ledger=RedisLedger(redis_server.url)))
    assert first.sent == ["email", "slack"] and second.skipped == ["email", "slack"] and len(inbox.messages) == 1


def test_an_smtp_failure_retries_then_fails_while_slack_still_posts(make_deps, slack, tmp_path, capsys):
    reports = reports_file(tmp_path)
    deps = make_deps(smtp_port=free_port())  # nobody listens there
    assert cmd_run(reports, deps, "weekly", dry=False, out=str(tmp_path)) == 1
    assert deps.sleeps == [0.5, 1.0, 2.0] and len(slack.posts) == 1
    assert "FAILED" in capsys.readouterr().out
    later = run_report(reports["weekly"], SLOT, make_deps())  # SMTP is back: only the email is sent
    assert later.sent == ["email"] and later.skipped == ["slack"] and len(slack.posts) == 1


def test_a_looker_failure_retries_then_releases_the_slot(make_deps, inbox, tmp_path, emulator):
    report = reports_file(tmp_path)["weekly"]
    emulator.state.faults.append(Fault(operation="run_look", status=500, times=4))
    deps = make_deps()
    outcome = run_report(report, SLOT, deps)
    assert set(outcome.failed) == {"email", "slack"} and deps.sleeps == [0.5, 1.0, 2.0] and inbox.messages == []
    assert run_report(report, SLOT, make_deps()).sent == ["email", "slack"]


def test_dry_run_writes_files_and_sends_nothing(make_deps, inbox, slack, tmp_path):
    outcome = dry_run(reports_file(tmp_path)["weekly"], SLOT, make_deps(), tmp_path / "out")
    names = sorted(Path(p).name for p in outcome.written)
    assert names == ["weekly-20261123T0800.csv", "weekly-20261123T0800.eml", "weekly-20261123T0800.slack.json"]
    assert inbox.messages == [] and slack.posts == [] and not (tmp_path / "state.json").exists()


def test_metric_reports_attach_every_day(make_deps, inbox, tmp_path):
    text = """
[reports.revenue]
title = "Revenue"
schedule = "30 7 * * *"
timezone = "America/New_York"
format = "xlsx"
metric = { name = "revenue", last_days = 7 }
email = { to = ["cfo@example.com"] }
"""
    run_report(reports_file(tmp_path, text)["revenue"], SLOT, make_deps())
    message = inbox.messages[0][1]
    attachment = next(message.iter_attachments())
    assert attachment.get_filename().endswith(".xlsx") and attachment.get_content()[:2] == b"PK"
    assert message.get_body(("html",)).get_content().count("<tr>") == 8  # header + 7 days


@pytest.mark.parametrize(("zone", "utc_hours"), [("Europe/London", [8, 7, 7, 7]), ("UTC", [8, 8, 8, 8])])
def test_the_schedule_follows_local_time_across_daylight_saving(tmp_path, zone, utc_hours):
    report = reports_file(tmp_path, REPORT.replace("0 8 * * mon", "0 8 * * *").replace("Europe/London", zone))
    runs = next_runs(report["weekly"], dt.datetime(2026, 3, 27, 12, tzinfo=dt.UTC), count=4)
    assert [r.astimezone(dt.UTC).hour for r in runs] == utc_hours
    assert [r.day for r in runs] == [28, 29, 30, 31] and all(r.hour == 8 for r in runs)


def test_a_run_belongs_to_the_latest_slot(tmp_path):
    report = reports_file(tmp_path)["weekly"]
    slot = latest_slot(report, dt.datetime(2026, 11, 26, 15, tzinfo=dt.UTC))
    assert slot.isoformat() == "2026-11-23T08:00:00+00:00"
    summer = latest_slot(report, dt.datetime(2026, 7, 8, 12, tzinfo=dt.UTC))
    assert summer.astimezone(dt.UTC).isoformat() == "2026-07-06T07:00:00+00:00"


def test_list_shows_next_run_times(tmp_path, capsys):
    assert cmd_list(reports_file(tmp_path), dt.datetime(2026, 11, 28, tzinfo=dt.UTC)) == 0
    out = capsys.readouterr().out
    assert "weekly: Weekly revenue" in out and "2026-11-30 08:00 GMT, 2026-12-07 08:00 GMT" in out


BASE = REPORT.replace("\n", "\n", 1)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (("look = 2\n", ""), "'look'"),
        (("look = 2\n", 'look = 2\nmetric = { name = "revenue" }\n'), "'look'"),
        (("0 8 * * mon", "0 8 * * someday"), "'schedule'"),
        (("Europe/London", "Europe/Atlantis"), "'timezone'"),
        (('format = "csv"', 'format = "pdf"'), "'format'"),
        (
            ('slack = { webhook_env = "TEST_SLACK_WEBHOOK" }', 'slack = { url = "https://hooks.slack.com/x" }'),
            "'slack'",
        ),
        (('to = ["sales@example.com", "boss@example.com"]', 'to = ["not-an-address"]'), "'email.to'"),
        (("{title}: {rows} rows ({date})", "{title} for {customer}"), "'email.subject'"),
        (("look = 2\n", 'metric = { name = "churn" }\n'), "'metric.name'"),
        (("look = 2\n", 'query = { model = "thelook", view = "orders", fields = ["count"] }\n'), "'query.fields.0'"),
        (("link =", 'colour = "red"\nlink ='), "'colour'"),
    ],
)
def test_a_bad_reports_file_names_file_report_and_field(tmp_path, change, named):
    path = tmp_path / "reports.toml"
    path.write_text(REPORT.replace(*change))
    with pytest.raises(ConfigError) as caught:
        load_reports(str(path), metric_names={"revenue"})
    assert str(path) in str(caught.value) and "report 'weekly'" in str(caught.value) and named in str(caught.value)


def test_the_shipped_reports_file_works_against_the_demo(make_deps, tmp_path):
    catalog = load_catalog(str(ROOT / "metrics.toml"), True)
    reports = load_reports(str(ROOT / "reports.toml"), metric_names=set(catalog.metrics))
    for report in reports.values():
        outcome = dry_run(report, SLOT, make_deps(), tmp_path / report.name)
        assert outcome.written
