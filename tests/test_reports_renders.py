"""Reports that attach a render: a dashboard PDF or a Look PNG, once per slot, through the same ledger."""
# ruff: noqa: F811 - the reports tests' fixtures (inbox, slack, make_deps) are imported by name and requested

import datetime as dt
import io
import subprocess

import pytest
from PIL import Image

from app.config import ConfigError, Settings
from app.errors import ApiError
from app.looker.client import LookerClient
from app.looker.renders import RenderSpec, wait_for_file
from app.reports.config import load_reports
from app.reports.runner import dry_run, run_report
from looker_emulator.state import Fault

from .helpers import FakeClock, calls, emulator_env
from .test_emulator_renders import pdf_info, pdf_text
from .test_reports import SLOT, inbox, make_deps, reports_file, slack  # noqa: F401

PULSE = """
[reports.pulse]
title = "Weekly pulse"
schedule = "0 8 * * mon"
timezone = "Europe/London"
dashboard = "1"
format = "pdf"
filters = { Status = "complete" }
pdf_paper_size = "a4"
link = "https://looker.example.com/dashboards/1"
email = { to = ["boss@example.com"] }
slack = { webhook_env = "TEST_SLACK_WEBHOOK" }
"""


def test_a_dashboard_pdf_report_is_sent_once_per_slot_with_the_pdf_attached(
    make_deps, inbox, slack, tmp_path, emulator
):
    report = reports_file(tmp_path, PULSE)["pulse"]
    assert run_report(report, SLOT, make_deps()).sent == ["email", "slack"]
    again = run_report(report, SLOT, make_deps())  # a restart, the same ledger file
    assert again.sent == [] and again.skipped == ["email", "slack"] and len(inbox.messages) == 1
    assert calls(emulator, "create_dashboard_render_task") == 1
    recipients, message = inbox.messages[0]
    attachment = next(message.iter_attachments())
    assert recipients == ["boss@example.com"] and attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "pulse-2026-11-23.pdf"
    pdf = attachment.get_content()
    text = pdf_text(pdf)
    assert "Business Pulse" in text and "Order status: complete" in text
    assert pdf_info(pdf)["Page size"].strip().startswith("595.28 x 841.89")  # a4, portrait
    assert "Dashboard 'Business Pulse'" in message.get_body(("html",)).get_content()
    assert len(slack.posts) == 1 and "Dashboard 'Business Pulse'" in slack.posts[0]["text"]
    assert "https://looker.example.com/dashboards/1" in slack.posts[0]["text"]


def test_a_look_report_attaches_a_png_of_the_requested_size(make_deps, inbox, tmp_path):
    text = PULSE.replace('dashboard = "1"', "look = 2").replace('format = "pdf"', 'format = "png"')
    text = text.replace('filters = { Status = "complete" }\npdf_paper_size = "a4"', "width = 640\nheight = 400")
    assert run_report(reports_file(tmp_path, text)["pulse"], SLOT, make_deps()).sent == ["email", "slack"]
    attachment = next(inbox.messages[0][1].iter_attachments())
    with Image.open(io.BytesIO(attachment.get_content())) as picture:
        assert (picture.format, picture.size) == ("PNG", (640, 400))


def test_a_failing_render_retries_then_releases_the_slot(make_deps, inbox, tmp_path, emulator):
    report = reports_file(tmp_path, PULSE)["pulse"]
    emulator.state.faults.append(Fault(operation="render_task_execution", status=500, times=4))
    deps = make_deps()
    outcome = run_report(report, SLOT, deps)
    assert set(outcome.failed) == {"email", "slack"} and "500" in outcome.failed["email"]
    assert deps.sleeps == [0.5, 1.0, 2.0] and inbox.messages == []
    assert run_report(report, SLOT, make_deps()).sent == ["email", "slack"]


def test_an_unknown_filter_fails_the_run_before_any_render(make_deps, inbox, tmp_path, emulator):
    report = reports_file(tmp_path, PULSE.replace("Status =", "Region ="))["pulse"]
    outcome = run_report(report, SLOT, make_deps())
    assert "Region" in outcome.failed["email"] and inbox.messages == []
    assert calls(emulator, "create_dashboard_render_task") == 0


def test_a_hung_render_ends_at_render_timeout(emulator):
    client = LookerClient(Settings.from_env(emulator_env(emulator)), pool_size=2)
    emulator.state.faults.append(Fault(operation="render_task_execution", hang=True, times=1))
    clock = FakeClock()
    with pytest.raises(ApiError) as caught:
        wait_for_file(client, RenderSpec("look", "1", "png", 300, 200), 5, pause=clock.advance, monotonic=clock)
    assert caught.value.status == 504 and "RENDER_TIMEOUT (5 s)" in caught.value.detail
    assert calls(emulator, "render_task") == 20  # one every 0.25 s of the fake clock, then it stops asking


def test_dry_run_writes_the_pdf(make_deps, tmp_path):
    outcome = dry_run(reports_file(tmp_path, PULSE)["pulse"], SLOT, make_deps(), tmp_path / "out")
    pdf = next(p for p in outcome.written if p.endswith(".pdf"))
    subprocess.run(["pdftotext", pdf, str(tmp_path / "pulse.txt")], check=True)
    assert "Business Pulse" in (tmp_path / "pulse.txt").read_text()


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (('format = "pdf"', 'format = "csv"'), "'format'"),
        (('dashboard = "1"\nformat = "pdf"', 'look = 2\nformat = "png"'), "'filters'"),
        (('dashboard = "1"\nformat = "pdf"', 'look = 2\nformat = "pdf"'), "'format'"),
        (('pdf_paper_size = "a4"', "width = 50"), "'width'"),
        (('pdf_paper_size = "a4"', 'pdf_paper_size = "b5"'), "'pdf_paper_size'"),
        (('dashboard = "1"', 'dashboard = "../1"'), "'dashboard'"),
        (('filters = { Status = "complete" }', 'filters = "Status=complete"'), "'filters'"),
        (('dashboard = "1"', 'dashboard = "1"\nlook = 2'), "'look'"),
    ],
)
def test_a_bad_rendered_report_names_its_field(tmp_path, change, named):
    path = tmp_path / "reports.toml"
    path.write_text(PULSE.replace(*change))
    with pytest.raises(ConfigError) as caught:
        load_reports(str(path))
    assert "report 'pulse'" in str(caught.value) and named in str(caught.value)


def test_a_dashboard_may_be_a_number_and_defaults_to_pdf(tmp_path):
    text = PULSE.replace('dashboard = "1"\nformat = "pdf"', "dashboard = 1")
    report = reports_file(tmp_path, text)["pulse"]
    assert (report.format, report.render["dashboard"], report.render["filters"]) == ("pdf", "1", {"Status": "complete"})
    assert dt.datetime  # the slot arithmetic is the reports tests' own
