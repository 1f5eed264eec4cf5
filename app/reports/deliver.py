"""Sending a report: an email with the table and the full result attached, and a short Slack summary."""

from __future__ import annotations

import datetime as dt
import html
import smtplib
from email.message import EmailMessage

import requests

from .config import Mail, Report
from .data import Table, html_table


class DeliveryError(Exception):
    """A destination refused or could not be reached; the message names which and why, never a secret."""


def subject(report: Report, table: Table, slot: dt.datetime) -> str:
    """Fill the report's subject template."""
    return report.email.subject.format(
        title=report.title, report=report.name, date=slot.date().isoformat(), rows=len(table.rows)
    )


def build_email(report: Report, table: Table, slot: dt.datetime, mail: Mail, ran_at: dt.datetime) -> EmailMessage:
    """Compose the email: a readable table of the first rows, the row count, the run time, the attachment."""
    if table.render_of:
        return _rendered_email(report, table, slot, mail, ran_at)
    shown = table.rows[: report.rows_in_message]
    more = len(table.rows) - len(shown)
    link = f"<p><a href='{report.link}'>Open in Looker</a></p>" if report.link else ""
    message = EmailMessage()
    message["Subject"] = subject(report, table, slot)
    message["From"] = mail.sender or "looker-proxy@localhost"
    message["To"] = ", ".join(report.email.to)
    message["X-Report-Slot"] = f"{report.name} {slot.isoformat()}"
    message.set_content(
        f"{report.title}\n{len(table.rows)} rows, run at {ran_at.isoformat(timespec='seconds')}.\n"
        f"The full result is attached ({table.filename}).\n"
    )
    message.add_alternative(
        f"<html><body><h2>{report.title}</h2><p>{len(table.rows)} rows, run at "
        f"{ran_at.isoformat(timespec='seconds')}.</p>{html_table(table.columns, shown)}"
        + (f"<p>and {more} more rows in the attachment.</p>" if more > 0 else "")
        + link
        + "</body></html>",
        subtype="html",
    )
    maintype, subtype = table.content_type.split("/", 1)
    message.add_attachment(table.attachment, maintype=maintype, subtype=subtype, filename=table.filename)
    return message


def _rendered_email(report: Report, table: Table, slot: dt.datetime, mail: Mail, ran_at: dt.datetime) -> EmailMessage:
    """Compose the email of a rendered report: what the attached file shows, when, and the file."""
    when = ran_at.isoformat(timespec="seconds")
    link = f"<p><a href='{html.escape(report.link)}'>Open in Looker</a></p>" if report.link else ""
    message = EmailMessage()
    message["Subject"] = subject(report, table, slot)
    message["From"] = mail.sender or "looker-proxy@localhost"
    message["To"] = ", ".join(report.email.to)
    message["X-Report-Slot"] = f"{report.name} {slot.isoformat()}"
    message.set_content(f"{report.title}\n{table.render_of}, rendered at {when}, is attached ({table.filename}).\n")
    message.add_alternative(
        f"<html><body><h2>{html.escape(report.title, False)}</h2><p>{html.escape(table.render_of, False)}, "
        f"rendered at {when}, is attached ({html.escape(table.filename)}).</p>{link}</body></html>",
        subtype="html",
    )
    maintype, subtype = table.content_type.split("/", 1)
    message.add_attachment(table.attachment, maintype=maintype, subtype=subtype, filename=table.filename)
    return message


def send_email(message: EmailMessage, mail: Mail, timeout: float = 30) -> None:
    """Send over SMTP (STARTTLS and login when configured)."""
    if not mail.host:
        raise DeliveryError("SMTP_HOST is not set")
    try:
        with smtplib.SMTP(mail.host, mail.port, timeout=timeout) as smtp:
            if mail.starttls:
                smtp.starttls()
            if mail.username:
                smtp.login(mail.username, mail.password.reveal())
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"SMTP {mail.host}:{mail.port} failed: {type(exc).__name__}") from None


def slack_payload(report: Report, table: Table, slot: dt.datetime) -> dict:
    """Return a short summary with the first rows, in Slack's incoming-webhook format."""
    shown = table.rows[: min(report.rows_in_message, 10)]
    lines = [" | ".join(table.columns)] + [" | ".join("" if v is None else str(v) for v in row) for row in shown]
    text = f"*{report.title}* ({slot.date().isoformat()}): {len(table.rows)} rows"
    if table.render_of:
        text = f"*{report.title}* ({slot.date().isoformat()}): {table.render_of}, sent by email as {table.filename}"
    if report.link:
        text += f" <{report.link}|open in Looker>"
    if table.render_of:  # Slack gets the link; the file goes by email
        return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}
    return {
        "text": text,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "```" + "\n".join(lines) + "```"}},
        ],
    }


def send_slack(url: str, payload: dict, timeout: float = 15) -> None:
    """Post to a Slack incoming webhook."""
    try:
        reply = requests.post(url, json=payload, timeout=timeout)
    except requests.RequestException as exc:
        raise DeliveryError(f"Slack could not be reached: {type(exc).__name__}") from None
    if reply.status_code >= 300:
        raise DeliveryError(f"Slack answered {reply.status_code}")
