"""reports.toml: each report's source, format, schedule and destinations, checked before anything runs."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from apscheduler.triggers.cron import CronTrigger
from pydantic import ValidationError

from ..config import ConfigError, SmtpSettings
from ..names import REPORT_NAME
from ..schemas import QueryRequest, RenderRequest
from ..tables import check_table, read_toml

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]{0,127}")
FORMATS = ("csv", "html", "xlsx", "pdf", "png")
RENDER_FORMATS = ("pdf", "png")  # a dashboard as pdf or png, a Look as png: rendered by Looker, attached
RENDER_KEYS = ("filters", "width", "height", "pdf_paper_size", "pdf_landscape")
KEYS = {
    "title",
    "schedule",
    "timezone",
    "format",
    "look",
    "query",
    "metric",
    "dashboard",
    *RENDER_KEYS,
    "link",
    "rows_in_message",
    "email",
    "slack",
    "user_attributes",
}
SUBJECT_FIELDS = {"title": "t", "report": "r", "date": "d", "rows": 0}


@dataclass(frozen=True)
class Email:
    to: tuple[str, ...]
    subject: str = "{title} ({date})"


@dataclass(frozen=True)
class Report:
    """One scheduled report."""

    name: str
    title: str
    schedule: str
    timezone: str
    format: str
    look: int | None = None
    query: dict | None = None
    metric: dict | None = None
    render: dict | None = None  # a RenderRequest's fields: the dashboard or Look, format, size, filters
    link: str | None = None
    rows_in_message: int = 20
    email: Email | None = None
    slack_webhook_env: str | None = None
    destinations: tuple[str, ...] = field(default=())
    user_attributes: tuple[tuple[str, str], ...] = ()  # run as a per-user identity (USER_ATTRIBUTES) with these

    def trigger(self) -> CronTrigger:
        return CronTrigger.from_crontab(self.schedule, timezone=self.timezone)


Mail = SmtpSettings  # the SMTP settings a report mails with


def smtp_settings(env: Mapping[str, str] | None = None) -> Mail:
    """Read SMTP_* variables (only needed when a report mails) with the service's readers."""
    return SmtpSettings.from_env(env)


def _report(path: str, name: str, raw, max_rows: int, metric_names: set[str]) -> Report:
    bad = check_table(path, "report", name, raw, KEYS, ("title", "schedule"), REPORT_NAME, "letters, digits, - and _")
    timezone = raw.get("timezone", "UTC")
    try:
        zoneinfo.ZoneInfo(timezone)
        CronTrigger.from_crontab(raw["schedule"], timezone=timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        key = (
            "schedule"
            if isinstance(exc, ValueError) and not isinstance(exc, zoneinfo.ZoneInfoNotFoundError)
            else "timezone"
        )
        raise bad(key, f"is not valid ({exc})") from None
    fmt = raw.get("format", "pdf" if "dashboard" in raw else "csv")
    if fmt not in FORMATS:
        raise bad("format", f"must be one of {', '.join(FORMATS)}")
    sources = [key for key in ("look", "query", "metric", "dashboard") if key in raw]
    if len(sources) != 1:
        raise bad("look", "a report needs exactly one source: look, query, metric or dashboard")
    render = _render(raw, fmt, bad)
    look = raw.get("look")
    if "look" in raw and (not isinstance(look, int) or isinstance(look, bool) or look < 1):
        raise bad("look", "must be a Look id (a positive number)")
    query = raw.get("query")
    if query is not None:
        try:
            query = QueryRequest.model_validate(query, context={"max_rows": max_rows}).looker_body()
        except ValidationError as exc:
            first = exc.errors()[0]
            raise bad("query." + ".".join(str(p) for p in first["loc"]), first["msg"]) from None
    metric = raw.get("metric")
    if metric is not None:
        if not isinstance(metric, dict) or set(metric) - {"name", "last_days", "granularity"}:
            raise bad("metric", "must be { name = ..., last_days = N, granularity = ... }")
        if metric.get("name") not in metric_names:
            raise bad("metric.name", f"'{metric.get('name')}' is not in the metrics file")
        if not isinstance(metric.get("last_days", 7), int) or not 1 <= metric.get("last_days", 7) <= 3660:
            raise bad("metric.last_days", "must be a whole number of days from 1 to 3660")
    email = raw.get("email")
    if email is not None:
        if not isinstance(email, dict) or set(email) - {"to", "subject"}:
            raise bad("email", "must be { to = [...], subject = ... }")
        recipients = email.get("to")
        if (
            not isinstance(recipients, list)
            or not recipients
            or not all(isinstance(r, str) and EMAIL.fullmatch(r) for r in recipients)
        ):
            raise bad("email.to", "must be a list of email addresses")
        subject = email.get("subject", Email.subject)
        try:
            subject.format(**SUBJECT_FIELDS)
        except (KeyError, IndexError, ValueError, AttributeError):
            raise bad("email.subject", "may only use {title}, {report}, {date} and {rows}") from None
        email = Email(tuple(recipients), subject)
    slack = raw.get("slack")
    webhook_env = None
    if slack is not None:
        if (
            not isinstance(slack, dict)
            or set(slack) != {"webhook_env"}
            or not ENV_NAME.fullmatch(str(slack.get("webhook_env")))
        ):
            raise bad("slack", 'must be { webhook_env = "NAME_OF_A_VARIABLE" }; the URL itself never goes in the file')
        webhook_env = slack["webhook_env"]
    if email is None and webhook_env is None:
        raise bad("email", "a report needs a destination: email, slack, or both")
    rows = raw.get("rows_in_message", 20)
    if not isinstance(rows, int) or not 1 <= rows <= 200:
        raise bad("rows_in_message", "must be a whole number from 1 to 200")
    return Report(
        name=name,
        title=raw["title"],
        schedule=raw["schedule"],
        timezone=timezone,
        format=fmt,
        look=look,
        query=query,
        metric=metric,
        render=render,
        link=raw.get("link"),
        user_attributes=_user_attributes(raw.get("user_attributes"), bad),
        rows_in_message=rows,
        email=email,
        slack_webhook_env=webhook_env,
        destinations=tuple(d for d, on in (("email", email), ("slack", webhook_env)) if on),
    )


def _user_attributes(raw, bad) -> tuple[tuple[str, str], ...]:
    """Check `user_attributes = { brand = "Calvin Klein" }`: Looker user attribute names to text values."""
    if raw is None:
        return ()
    if not isinstance(raw, dict) or not raw or not all(isinstance(v, str | int | float) for v in raw.values()):
        raise bad("user_attributes", 'must be a table of attribute = "value", e.g. { brand = "Calvin Klein" }')
    return tuple(sorted((str(k), str(v)) for k, v in raw.items()))


def _render(raw: dict, fmt: str, bad) -> dict | None:
    """Check a rendered report (a dashboard as pdf or png, a Look as png) with the API's own rules."""
    if "dashboard" not in raw and fmt not in RENDER_FORMATS:
        extra = next((key for key in RENDER_KEYS if key in raw), None)
        if extra is not None:
            raise bad(extra, "is only for rendered reports: a dashboard, or a Look as png")
        return None
    if "dashboard" not in raw and "look" not in raw:
        raise bad("format", "pdf and png are for dashboard and Look reports")
    dashboard = raw.get("dashboard")
    asked = {
        "dashboard": str(dashboard) if isinstance(dashboard, int) and not isinstance(dashboard, bool) else dashboard,
        "look": raw.get("look"),
        "format": fmt,
        **{key: raw[key] for key in RENDER_KEYS if key in raw},
    }
    try:
        request = RenderRequest.model_validate(asked)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise bad(".".join(str(p) for p in first["loc"]), first["msg"]) from None
    problems = request.problems()
    if problems:
        raise bad(problems[0]["field"], problems[0]["message"])
    if fmt not in RENDER_FORMATS:
        raise bad("format", "a dashboard is sent as pdf or png")
    return request.model_dump(exclude_none=True)


def load_reports(path: str, max_rows: int = 5000, metric_names: set[str] | None = None) -> dict[str, Report]:
    """Read and check the reports file; raise ConfigError naming the file, the report and the field."""
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"REPORTS_FILE '{path}' does not exist")
    raw = read_toml(path, {"reports"}, "use [reports.NAME] tables")
    reports = raw.get("reports", {})
    if not isinstance(reports, dict) or not reports:
        raise ConfigError(f"{path}: no reports found (add [reports.NAME] tables)")
    return {name: _report(path, name, spec, max_rows, metric_names or set()) for name, spec in reports.items()}
